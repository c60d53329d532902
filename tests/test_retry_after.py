"""Retry-After is a lower bound: after a 429 or 503 asking for 1 s, the
refused page is asked for again no sooner than 1 s after the refusal left the
site, whatever the download delay's jitter, AutoThrottle or the machine's load
do. Only a lower bound is asserted (a loaded machine may wait longer, never
shorter), on the hostile site's own arrival times: time.monotonic(), the clock
the crawl's downloader holds the site with (crawler/downloader.py)."""

from __future__ import annotations

import pytest

from tests.hostile_site import HostileSite
from tests.test_hostile import FAST, crawl

pytestmark = pytest.mark.slow

ASKED = 1.0   # the hostile site's Retry-After on /t/429.html (twice) and /t/503.html (once)


@pytest.fixture
def hostile():
    site = HostileSite().start()   # its own: the site refuses only the first requests of a page
    yield site
    site.stop()


@pytest.mark.parametrize("politeness, refusal_latency", [
    # no delay at all: only the hold stands between a 429 and its retry
    (FAST, 0.0),
    # a refusal that is slow to arrive, as on a loaded machine: Scrapy counts its delay
    # from when the request was sent, so this retry came 0.4 s after the refusal
    (FAST, 0.6),
    # the shipped kind of politeness: a jittered delay, and AutoThrottle lowering it
    # with every quick 200 from the site's other pages
    (FAST | {"DOWNLOAD_DELAY": 0.1, "DOWNLOAD_DELAY_JITTER": 0.5, "AUTOTHROTTLE_ENABLED": True,
             "AUTOTHROTTLE_START_DELAY": 0.1, "CONCURRENT_REQUESTS_PER_DOMAIN": 4}, 0.3),
], ids=["no-delay", "slow-refusal", "autothrottle-jitter"])
def test_a_refused_page_is_retried_no_sooner_than_retry_after(hostile, tmp_path, politeness, refusal_latency):
    hostile.refusal_latency = refusal_latency
    result = crawl(hostile, tmp_path, "throttle", settings=politeness)
    assert result.proc.returncode == 0, result.output()[-4000:]
    stored = result.articles()
    for path, refusals in (("/t/429.html", 2), ("/t/503.html", 1)):
        assert hostile.url("throttle", path) in stored, result.output()[-4000:]
        hits = [r["time"] for r in hostile.requests("throttle") if r["path"] == path]
        assert len(hits) == refusals + 1, (path, hits)     # refused, refused, then fetched
        waits = [b - a for a, b in zip(hits, hits[1:])]
        assert all(wait >= ASKED for wait in waits), (path, waits)
