"""Publication dates: parsing, and choosing among the page's witnesses."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

DATE_AGREE = timedelta(days=2)


_URL_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[/_-](0?[1-9]|1[0-2])[/_-](0?[1-9]|[12]\d|3[01])(?!\d)")
_URL_DATE_COMPACT = re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])/")


def parse_date(value) -> tuple[datetime, bool] | None:
    """(aware UTC datetime, has_time) from ISO 8601, RFC 2822 or a bare date; None if unusable.

    A timestamp without an offset is taken as UTC (we cannot know better).
    Dates before 1990 or more than two days in the future are rejected as junk.
    """
    if isinstance(value, datetime):
        dt, has_time = value, True
    elif isinstance(value, date):
        dt, has_time = datetime(value.year, value.month, value.day), False
    elif isinstance(value, str) and value.strip():
        dt, has_time = _parse_date_str(value.strip())
        if dt is None:
            return None
    else:
        return None
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    now = datetime.now(UTC)
    if dt.year < 1990 or dt > now + timedelta(days=2):
        return None
    return dt, has_time


def _parse_date_str(s: str) -> tuple[datetime | None, bool]:
    iso = s.replace(" ", "T", 1) if re.match(r"\d{4}-\d{2}-\d{2} \d", s) else s
    iso = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", iso)      # +0530 -> +05:30
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
            return datetime.fromisoformat(iso), False
        if re.fullmatch(r"\d{8}", iso):
            return datetime.strptime(iso, "%Y%m%d"), False
        return datetime.fromisoformat(iso), True
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(s), True
    except (TypeError, ValueError, IndexError):
        return None, False


def format_date(parsed: tuple[datetime, bool]) -> str:
    dt, has_time = parsed
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ") if has_time else dt.strftime("%Y-%m-%d")


def url_date(*urls: str | None) -> str | None:
    for url in urls:
        if not url:
            continue
        path = urlsplit(url).path
        m = _URL_DATE.search(path) or _URL_DATE_COMPACT.search(path)
        if m:
            y, mo, d = (int(x) for x in m.groups())
            try:
                return date(y, mo, d).isoformat()
            except ValueError:
                continue
    return None


_DATE_PRIORITY = ("jsonld", "meta", "feed", "url")


_DATE_GROUP = {"jsonld": "page", "meta": "page", "feed": "feed", "url": "url"}


def choose_published(candidates: dict[str, str | None]) -> tuple[str | None, str | None]:
    """Pick the publication date from the sources; returns (iso, source).

    Policy: jsonld, meta, feed and url dates are witnesses; JSON-LD and meta
    tags count as one witness (the page: one CMS usually writes both). The
    winner is the date backed by the most independent witnesses agreeing
    within two days; ties go to precedence jsonld > meta > feed > url. So the
    page's structured data (more precise: it has a time) wins whenever the feed
    or the URL agrees with it, and also when it stands alone against the feed;
    a stale template date in the page loses when the feed and the URL agree on
    another day. trafilatura's guess (htmldate reads any date on the page, a
    copyright year included) is used only when none of the four exists.
    """
    parsed = {src: parse_date(candidates.get(src)) for src in _DATE_PRIORITY}
    parsed = {k: v for k, v in parsed.items() if v}
    if not parsed:
        fallback = parse_date(candidates.get("trafilatura"))
        return (format_date(fallback), "trafilatura") if fallback else (None, None)

    def support(src: str) -> int:
        mine = parsed[src][0]
        return len({_DATE_GROUP[o] for o, (when, _) in parsed.items() if abs(mine - when) <= DATE_AGREE})

    best = max(parsed, key=lambda s: (support(s), -_DATE_PRIORITY.index(s)))
    return format_date(parsed[best]), best
