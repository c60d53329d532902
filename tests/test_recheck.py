"""Recheck policy: new URLs are fetched, known ones only when due or declared updated."""

from datetime import UTC, datetime

from newsmon.recheck import recheck_offsets, recheck_reason

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def known(first, last, feed_updated=None):
    return {"first_seen_at": first, "last_fetched_at": last, "feed_updated_at": feed_updated}


def test_unknown_url_is_new():
    assert recheck_reason(None, now=NOW) == "new"


def test_just_fetched_article_is_not_due():
    assert recheck_reason(known("2026-11-01T11:30:00Z", "2026-11-01T11:30:00Z"), now=NOW) is None


def test_decaying_schedule():
    # first seen 7 h ago, last fetched at +1 h: the 6 h recheck is due
    row = known("2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z")
    assert recheck_reason(row, now=NOW) == "scheduled"
    # fetched again after the 6 h mark: nothing due until 24 h
    row = known("2026-11-01T05:00:00Z", "2026-11-01T11:05:00Z")
    assert recheck_reason(row, now=NOW) is None
    # long after the last offset (72 h) and fetched after it: never again
    row = known("2026-10-01T00:00:00Z", "2026-10-05T00:00:00Z")
    assert recheck_reason(row, now=NOW) is None


def test_feed_says_updated():
    row = known("2026-11-01T11:30:00Z", "2026-11-01T11:30:00Z", feed_updated="2026-09-01T10:00:00Z")
    assert recheck_reason(row, now=NOW, entry_updated="2026-09-01T10:00:00Z") is None
    assert recheck_reason(row, now=NOW, entry_updated="2026-09-02T08:00:00Z") == "entry_updated"


def test_custom_schedule():
    offsets = recheck_offsets(["10m"])
    row = known("2026-11-01T11:00:00Z", "2026-11-01T11:00:00Z")
    assert recheck_reason(row, now=NOW, schedule=offsets) == "scheduled"
