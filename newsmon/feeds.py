"""Find article URLs in feeds, sitemaps and listing pages.

Pure functions over bytes, no Scrapy: RSS 2.0, RSS 1.0 and Atom through
feedparser; sitemap indexes, urlsets and Google News sitemaps through lxml
with entity resolution and network access off (no XXE, no billion laughs).
Each entry is ``{"url", "title", "published", "updated"}`` with ISO 8601 UTC
dates or None.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from io import BytesIO
from urllib.parse import urljoin

import feedparser
from lxml import etree

MAX_SITEMAP_ENTRIES = 50_000   # the sitemap protocol's own per-file limit


class DiscoveryError(ValueError):
    """A feed or sitemap that cannot be read; the message is the logged reason."""


def _iso_from_struct(struct) -> str | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError, TypeError):
        return None


def iso_date(text: str | None) -> str | None:
    """Normalise a W3C / ISO date from a sitemap to UTC text; None if unparsable."""
    if not text:
        return None
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_feed(body: bytes, base_url: str) -> list[dict]:
    """Entries of an RSS/Atom feed; DiscoveryError if it is not a feed at all."""
    parsed = feedparser.parse(BytesIO(body), response_headers={"content-location": base_url})
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):
        problem = parsed.get("bozo_exception")
        raise DiscoveryError(f"not a readable feed: {problem or 'no entries and no feed version'}")
    entries = []
    for entry in parsed.entries:
        link = entry.get("link") or entry.get("id")
        if not link:
            continue
        entries.append({
            "url": urljoin(base_url, link.strip()),
            "title": entry.get("title"),
            # dict.get: FeedParserDict.get maps these keys onto each other with a warning
            "published": _iso_from_struct(dict.get(entry, "published_parsed")
                                          or dict.get(entry, "updated_parsed")),
            "updated": _iso_from_struct(dict.get(entry, "updated_parsed")),
        })
    if not entries and parsed.get("bozo"):
        # the loose parser salvaged items, but not one with a link: a broken feed
        raise DiscoveryError(f"not a readable feed: {parsed.get('bozo_exception')}")
    return entries


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_sitemap(body: bytes, base_url: str, max_entries: int = MAX_SITEMAP_ENTRIES) -> tuple[str, list[dict]]:
    """("sitemapindex" | "urlset", entries). Entries past ``max_entries`` are cut."""
    parser_args = dict(resolve_entities=False, no_network=True, huge_tree=False,
                       remove_comments=True, remove_pis=True, recover=False)
    try:
        events = etree.iterparse(BytesIO(body), events=("start", "end"), **parser_args)
        _, root = next(events)
    except (etree.XMLSyntaxError, StopIteration) as e:
        raise DiscoveryError(f"malformed sitemap XML: {e}") from None
    kind = _local(root.tag)
    if kind not in ("sitemapindex", "urlset"):
        raise DiscoveryError(f"not a sitemap (root element <{kind}>)")
    entries: list[dict] = []
    try:
        for event, elem in events:
            if event != "end" or _local(elem.tag) not in ("url", "sitemap"):
                continue
            fields = {}
            for child in elem.iter():
                name = _local(child.tag)
                if name in ("loc", "lastmod", "publication_date", "title") and child.text:
                    fields.setdefault(name, child.text.strip())
            elem.clear()
            if "loc" in fields:
                entries.append({
                    "url": urljoin(base_url, fields["loc"]),
                    "title": fields.get("title"),
                    "published": iso_date(fields.get("publication_date")),
                    "updated": iso_date(fields.get("lastmod")),
                })
                if len(entries) >= max_entries:
                    break
    except etree.XMLSyntaxError as e:
        if not entries:
            raise DiscoveryError(f"malformed sitemap XML: {e}") from None
    return kind, entries


def sitemaps_from_robots(robots_text: str, base_url: str) -> list[str]:
    return [urljoin(base_url, line.split(":", 1)[1].strip())
            for line in robots_text.splitlines()
            if line.strip().lower().startswith("sitemap:")]


def looks_like_sitemap(body: bytes) -> bool:
    head = body[:2048].lower()
    return b"<urlset" in head or b"<sitemapindex" in head
