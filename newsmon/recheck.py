"""When is a URL we already know worth fetching again?

A news article changes most in its first hours, so a known article is
refetched on a decaying schedule (by default 1 h, 6 h, 24 h and 72 h after it
was first seen, then never), and at any time when its feed or sitemap entry
declares a newer update than the one we saw. A URL that is neither is not
fetched: a re-crawl of an unchanged site costs only its feeds and listings.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from newsmon.config import DEFAULT_RECHECK, parse_interval
from newsmon.times import parse_time


def recheck_offsets(schedule: list[str] | None = None) -> list[timedelta]:
    return sorted(timedelta(seconds=parse_interval(s)) for s in (schedule or DEFAULT_RECHECK))


def recheck_reason(known: dict | None, *, now: datetime, entry_updated: str | None = None,
                   schedule: list[timedelta] | None = None) -> str | None:
    """Why ``known`` (a row of newsmon.store.queries.known_urls) is due, or None.

    Returns "new" for an unknown URL, "entry_updated" when the feed/sitemap
    date is newer than the one recorded at the last fetch (or than the last
    fetch itself when none was recorded), "scheduled" when a recheck offset
    has passed since the last fetch.
    """
    if known is None:
        return "new"
    updated = parse_time(entry_updated)
    if updated is not None:
        seen = parse_time(known.get("feed_updated_at")) or parse_time(known.get("last_fetched_at"))
        if seen is None or updated > seen:
            return "entry_updated"
    first = parse_time(known.get("first_seen_at"))
    last = parse_time(known.get("last_fetched_at")) or first
    if first is None:
        return "scheduled"
    for offset in schedule if schedule is not None else recheck_offsets():
        due_at = first + offset
        if last < due_at <= now:
            return "scheduled"
    return None
