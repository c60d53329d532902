"""Self-tests of the offline fixture news site (the server only, no crawl)."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import etree
from lxml import html as lxml_html

from newsmon.config import parse_config
from newsmon.demo.site import FixtureSite
from newsmon.feeds import parse_feed, parse_sitemap, sitemaps_from_robots
from tests.conftest import fast_sources_toml


def fetch(url: str, timeout: float = 10, headers: dict | None = None):
    """(status, headers, body) without raising on HTTP errors."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def shared_site():
    site = FixtureSite()
    site.start()
    yield site
    site.stop()


@pytest.fixture(scope="module")
def manifest(shared_site):
    return shared_site.manifest()


def start_documents(site, manifest):
    config = parse_config(site.sources_toml())
    return {sid: config.sources[sid] for sid in manifest["sources"]}


def discovered_urls(site, source) -> list[str]:
    """Article URLs the source's start pages list (the spider's view, minus patterns)."""
    urls = []
    for start in source.urls:
        status, _, body = fetch(start)
        assert status == 200, start
        if source.kind == "feed":
            urls += [e["url"] for e in parse_feed(body, start)]
        elif source.kind == "sitemap":
            kind, entries = parse_sitemap(body, start)
            if kind == "sitemapindex":
                for entry in entries:
                    _, _, sub = fetch(entry["url"])
                    urls += [e["url"] for e in parse_sitemap(sub, entry["url"])[1]]
            else:
                urls += [e["url"] for e in entries]
        else:
            doc = lxml_html.fromstring(body)
            doc.make_links_absolute(start)
            links = [a.get("href") for a in doc.iter("a") if a.get("href")]
            urls += [u for u in links if any(re.search(p, u) for p in source.article_patterns)]
    return urls


def strip_tracking(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


# -- lifecycle and config ------------------------------------------------------

def test_start_stop_and_base():
    site = FixtureSite()
    base = site.start()
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base) and site.base == base
        status, _, body = fetch(base + "/robots.txt")
        assert status == 200 and b"Sitemap:" in body
    finally:
        site.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(base + "/robots.txt", timeout=2)


def test_sources_toml_parses_and_covers_manifest(shared_site, manifest):
    text = shared_site.sources_toml()
    config = parse_config(text)
    assert list(config.sources) == manifest["sources"]
    assert "metro-post" in config.sources and len(config.sources) >= 4
    assert {s.kind for s in config.sources.values()} >= {"feed", "sitemap", "listing"}
    assert len(re.findall(r"^settings\s*=.*$", text, flags=re.M)) == len(config.sources)
    fast = parse_config(fast_sources_toml(text))
    assert all(s.settings.get("CONCURRENT_REQUESTS_PER_DOMAIN") == 16 for s in fast.sources.values())
    for source in config.sources.values():
        assert all(u.startswith(shared_site.base + "/") for u in source.urls)
        status, _, _ = fetch(source.urls[0])
        assert status == 200


def test_manifest_shape(manifest):
    articles = manifest["articles"]
    assert len(articles) >= 30
    assert len({a["url"] for a in articles}) == len(articles)
    for a in articles:
        assert "?" not in a["url"] and "#" not in a["url"]
        assert urlsplit(a["url"]).netloc == urlsplit(a["url"]).netloc.lower()
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", a["published"])
        assert a["source_id"] in manifest["sources"]
        assert 2 <= len(a["key_sentences"]) <= 3
        assert 250 <= a["word_count"] <= 700, (a["slug"], a["word_count"])
    assert {a["seed"] for a in articles if a["seed"]} == {"000", "004"}
    by_url = {a["url"]: a for a in articles}
    dups = [a for a in articles if a["duplicate_of"]]
    assert all(by_url[a["duplicate_of"]]["duplicate_of"] is None for a in dups)
    # a syndicated story on three sources, original first in crawl order
    originals = {}
    for a in dups:
        originals.setdefault(a["duplicate_of"], set()).add(a["source_id"])
    assert any(len(srcs | {by_url[u]["source_id"]}) >= 3 for u, srcs in originals.items())
    order = manifest["sources"]
    for a in dups:
        assert order.index(by_url[a["duplicate_of"]]["source_id"]) < order.index(a["source_id"])
    assert len(manifest["edits"]) == 2
    assert {by_url[e["url"]]["source_id"] for e in manifest["edits"]} >= {"herald", "metro-post"}
    assert len(manifest["non_articles"]) >= 4 and manifest["junk_lines"]


# -- pages ---------------------------------------------------------------------

def test_every_article_is_html_with_its_content(manifest):
    for a in manifest["articles"]:
        status, headers, body = fetch(a["url"])
        assert status == 200, a["url"]
        assert headers["Content-Type"].startswith("text/html")
        assert headers["ETag"] and headers["Last-Modified"]
        page = body.decode("utf-8")
        doc = lxml_html.fromstring(page)
        assert doc.xpath("string(//h1)").strip() == a["title"]
        assert doc.xpath("//meta[@property='og:title']/@content") == [a["title"]]
        jsonld = json.loads(doc.xpath("string(//script[@type='application/ld+json'])"))
        assert jsonld["headline"] == a["title"] and jsonld["datePublished"].startswith(a["published"])
        assert [p["name"] for p in jsonld["author"]] and "|" not in jsonld["author"][0]["name"]
        canonical = doc.xpath("//link[@rel='canonical']/@href")
        assert canonical == [a["url"]]
        body_text = doc.xpath("string(//body)")
        for sentence in a["key_sentences"]:
            assert sentence in " ".join(body_text.split()), (a["slug"], sentence)


def test_seed_pages_carry_their_junk_inside_the_article(manifest):
    seeds = {a["seed"]: a for a in manifest["articles"] if a["seed"]}
    assert seeds["000"]["title"] == "Zelenskyy Wants to Talk to Russia, Putin Not Convinced"
    assert seeds["004"]["title"].startswith("Road That Leads to Nowhere: Putin Says Zelensky Talks Possible")
    assert ("“So far this cannot be seen as anything but empty words,” Kremlin spokesman Dmitry Peskov said."
            in seeds["000"]["key_sentences"])
    assert "“I told (Trump) it was possible… If Zelensky is ready, he can come to Moscow,” he said." \
        in seeds["004"]["key_sentences"]
    doc = lxml_html.fromstring(fetch(seeds["004"]["url"])[2])
    paragraphs = [" ".join(p.text_content().split()) for p in doc.xpath("//article//p")]
    for junk in ("Image Source: The Spectator Index", "Also Read:", "Loading headlines...",
                 "Font Replacer Active", "Scanning sources...", "AGE OF MANY POWERS", "🔗 View Source"):
        assert junk in paragraphs, junk
    assert doc.xpath("//article//p/a[starts-with(., 'Russia–China Pipeline Deal')]")
    doc0 = lxml_html.fromstring(fetch(seeds["000"]["url"])[2])
    assert "At a Glance" in [h.text_content() for h in doc0.xpath("//article//h2")]
    assert len(doc0.xpath("//article//ul/li[contains(., 'Kremlin spokesman Dmitry Peskov labeled')]")) == 1


def test_junk_lines_are_on_pages_but_not_in_article_prose(shared_site, manifest):
    site_text = "".join(fetch(a["url"])[2].decode() for a in manifest["articles"])
    prose = "\n".join(p for s in shared_site.sources.values() for a in s.articles for p in a.paragraphs(2))
    for junk in manifest["junk_lines"]:
        assert junk in site_text.replace("&amp;", "&") or junk in site_text, junk
        assert junk not in prose, junk


def test_feeds_and_sitemaps_list_the_articles(shared_site, manifest):
    sources = start_documents(shared_site, manifest)
    manifest_urls = {a["url"] for a in manifest["articles"]}
    for source_id, source in sources.items():
        expected = {a["url"] for a in manifest["articles"] if a["source_id"] == source_id}
        found = {strip_tracking(u) for u in discovered_urls(shared_site, source)}
        assert expected <= found, (source_id, expected - found)
        extra = found - manifest_urls
        allowed = {p["url"] for p in manifest["non_articles"] + manifest["error_pages"]}
        allowed |= {u for a in manifest["articles"] for u in a["alias_urls"]}
        assert extra <= allowed, (source_id, extra - allowed)
    # the wire is Atom, the Metro Post RSS 2.0, both with updated dates
    wire = feedparser.parse(fetch(sources["wire"].urls[0])[2])
    metro = feedparser.parse(fetch(sources["metro-post"].urls[0])[2])
    assert wire.version == "atom10" and metro.version == "rss20"
    assert all(dict.get(e, "updated_parsed") for e in wire.entries + metro.entries)


def test_tracking_variants_are_linked(shared_site, manifest):
    courier = start_documents(shared_site, manifest)["courier"]
    links = discovered_urls(shared_site, courier)
    variants = [u for u in links if "utm_" in u or "#" in u]
    assert any("utm_source=" in u and "utm_medium=" in u for u in variants)
    assert any(u.endswith("#comments") for u in variants)
    assert {strip_tracking(u) for u in variants} <= {a["url"] for a in manifest["articles"]}


def test_canonical_alias_page_points_to_the_article(manifest):
    aliased = [a for a in manifest["articles"] if a["alias_urls"]]
    assert aliased
    for a in aliased:
        for alias in a["alias_urls"]:
            status, _, body = fetch(alias)
            assert status == 200
            assert lxml_html.fromstring(body).xpath("//link[@rel='canonical']/@href") == [a["url"]]


def test_non_articles_and_errors(manifest):
    kinds = {p["kind"] for p in manifest["non_articles"]}
    assert {"section_index", "tag_page", "soft_404", "gallery_stub", "live_placeholder"} <= kinds
    for page in manifest["non_articles"]:
        status, headers, body = fetch(page["url"])
        assert status == 200 and headers["Content-Type"].startswith("text/html"), page
    soft = next(p for p in manifest["non_articles"] if p["kind"] == "soft_404")
    assert b"Page not found" in fetch(soft["url"])[2]
    statuses = sorted(fetch(p["url"])[0] for p in manifest["error_pages"])
    assert statuses == [404, 500]


def test_robots_names_the_sitemap(shared_site):
    status, headers, body = fetch(shared_site.base + "/robots.txt")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    sitemaps = sitemaps_from_robots(body.decode(), shared_site.base + "/robots.txt")
    assert sitemaps and all(fetch(u)[0] == 200 for u in sitemaps)
    assert parse_sitemap(fetch(sitemaps[0])[2], sitemaps[0])[0] == "sitemapindex"


def test_conditional_requests(manifest):
    url = manifest["articles"][0]["url"]
    _, headers, _ = fetch(url)
    assert fetch(url, headers={"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(url, headers={"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert fetch(url, headers={"If-None-Match": '"stale"'})[0] == 200


# -- phases, modes, request log -------------------------------------------------

def test_phase_two_changes_exactly_the_edited_pages():
    site = FixtureSite()
    site.start()
    try:
        manifest = site.manifest()
        config = parse_config(site.sources_toml())
        pages1 = {a["url"]: fetch(a["url"]) for a in manifest["articles"]}
        dates1 = {sid: {e["url"]: e["updated"] for e in discovery_entries(config.sources[sid])}
                  for sid in manifest["sources"]}
        site.set_phase(2)
        pages2 = {a["url"]: fetch(a["url"]) for a in manifest["articles"]}
        dates2 = {sid: {e["url"]: e["updated"] for e in discovery_entries(config.sources[sid])}
                  for sid in manifest["sources"]}
        edited = {e["url"] for e in manifest["edits"]}
        changed = {u for u in pages1 if pages1[u][2] != pages2[u][2]}
        assert changed == edited
        for edit in manifest["edits"]:
            old, new = pages1[edit["url"]], pages2[edit["url"]]
            assert edit["changed_sentence"].encode() in new[2] and edit["changed_sentence"].encode() not in old[2]
            assert edit["original_sentence"].encode() in old[2]
            added = edit["added_paragraph"].encode()
            assert added in new[2] and added not in old[2]
            assert old[1]["ETag"] != new[1]["ETag"] and old[1]["Last-Modified"] != new[1]["Last-Modified"]
        bumped = set()
        for sid in manifest["sources"]:
            for url, updated in dates2[sid].items():
                if updated != dates1[sid].get(url):
                    assert updated > dates1[sid][url]
                    bumped.add(strip_tracking(url))
        assert bumped == edited
    finally:
        site.stop()


def discovery_entries(source) -> list[dict]:
    out = []
    for start in source.urls:
        body = fetch(start)[2]
        if source.kind == "feed":
            out += parse_feed(body, start)
        elif source.kind == "sitemap":
            kind, entries = parse_sitemap(body, start)
            for entry in entries if kind == "sitemapindex" else []:
                out += parse_sitemap(fetch(entry["url"])[2], entry["url"])[1]
            if kind == "urlset":
                out += entries
    return out


def test_modes_error500_and_broken_layout():
    site = FixtureSite()
    site.start()
    try:
        manifest = site.manifest()
        config = parse_config(site.sources_toml())
        metro = [a for a in manifest["articles"] if a["source_id"] == "metro-post"]
        other = next(a for a in manifest["articles"] if a["source_id"] != "metro-post")
        site.set_mode("metro-post", "error500")
        assert fetch(config.sources["metro-post"].urls[0])[0] == 500
        assert fetch(metro[0]["url"])[0] == 500
        assert fetch(other["url"])[0] == 200
        assert fetch(site.base + "/robots.txt")[0] == 200
        site.set_mode("metro-post", "broken_layout")
        assert fetch(config.sources["metro-post"].urls[0])[0] == 200
        status, _, body = fetch(metro[0]["url"])
        assert status == 200
        text = " ".join(lxml_html.fromstring(body).xpath("string(//body)").split())
        assert all(s not in text for s in metro[0]["key_sentences"])
        assert metro[1]["title"] in text   # teasers only
        site.set_mode("metro-post", "ok")
        assert metro[0]["key_sentences"][0].encode() in fetch(metro[0]["url"])[2]
        with pytest.raises(ValueError):
            site.set_mode("metro-post", "sideways")
        with pytest.raises(KeyError):
            site.set_mode("nope", "ok")
    finally:
        site.stop()


def test_hang_mode_times_out_the_client_and_stop_does_not_hang():
    site = FixtureSite()
    site.start()
    config = parse_config(site.sources_toml())
    site.set_mode("metro-post", "hang")
    started = time.monotonic()
    with pytest.raises(OSError):   # socket.timeout / URLError(timeout)
        urllib.request.urlopen(config.sources["metro-post"].urls[0], timeout=1)
    assert time.monotonic() - started < 5
    assert fetch(site.base + "/robots.txt", timeout=2)[0] == 200
    assert fetch(config.sources["wire"].urls[0], timeout=2)[0] == 200
    # a request still hanging while the site stops
    outcome = []

    def hang_until_stopped():
        try:
            outcome.append(fetch(config.sources["metro-post"].urls[0], timeout=30)[0])
        except OSError as e:   # the site drops the connection unanswered
            outcome.append(type(e).__name__)

    hung = threading.Thread(target=hang_until_stopped, daemon=True)
    hung.start()
    time.sleep(0.3)
    started = time.monotonic()
    site.stop()
    assert time.monotonic() - started < 5
    hung.join(10)
    assert not hung.is_alive() and outcome and outcome[0] != 200


def test_requests_are_recorded(shared_site, manifest):
    shared_site.clear_requests()
    url = manifest["articles"][0]["url"]
    fetch(url + "?utm_source=x&utm_medium=y")
    fetch(shared_site.base + "/robots.txt")
    assert shared_site.requests == [path_of(url) + "?utm_source=x&utm_medium=y", "/robots.txt"]
    threads = [threading.Thread(target=fetch, args=(url,)) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(shared_site.requests) == 12
    shared_site.clear_requests()
    assert shared_site.requests == []


def test_feeds_parse_as_xml(shared_site, manifest):
    config = parse_config(shared_site.sources_toml())
    for source in config.sources.values():
        if source.kind in ("feed", "sitemap"):
            etree.fromstring(fetch(source.urls[0])[2])


def test_seed_articles_keep_every_line_of_the_seed_files(shared_site):
    seeds = {a.meta["seed"]: a for s in shared_site.sources.values() for a in s.articles if a.meta.get("seed")}
    for number, article in seeds.items():
        seed_file = next((shared_site.site_dir / "seeds").glob(f"{number}_*.txt"))
        lines = [ln.strip().lstrip("•").strip() for ln in seed_file.read_text(encoding="utf-8").splitlines()]
        lines = [ln for ln in lines if ln]
        assert lines[0] == article.title
        rendered = article.paragraphs(1) + article.junk()
        assert [ln for ln in lines[1:] if ln not in rendered] == []
        assert len(rendered) == len(lines) - 1
