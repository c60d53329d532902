"""A polling schedule inferred from how often a feed or sitemap gets new entries."""

from __future__ import annotations

from datetime import UTC, datetime

SCHEDULES = [("every 15m", 900), ("every 30m", 1800), ("every 1h", 3600),
             ("every 3h", 10800), ("every 6h", 21600)]
MAX_SCHEDULE_SECONDS = 21600


def schedule_for(entries: list[dict]) -> tuple[str, str]:
    dates = []
    for e in entries:
        value = e.get("published") or e.get("updated")
        if not value:
            continue
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            continue
        dates.append(dt if dt.tzinfo else dt.replace(tzinfo=UTC))
    if len(dates) < 3:
        return "every 1h", "every 1h (default; not enough dated entries to judge how often it publishes)"
    span = (max(dates) - min(dates)).total_seconds()
    # the list shows the last `span` of articles: poll a few times per span to miss none
    target = min(span / 4, MAX_SCHEDULE_SECONDS)   # and at least every 6h: news is for today
    choice = SCHEDULES[0]
    for label, seconds in SCHEDULES:
        if seconds <= target:
            choice = (label, seconds)
    hours = span / 3600
    spans = f"{hours:.0f} hours" if hours < 72 else f"{hours / 24:.0f} days"
    return choice[0], f"{choice[0]}: its {len(dates)} latest entries span {spans}"


def is_valid_iso(value) -> bool:
    if not value:
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False
