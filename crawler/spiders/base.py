"""The base spider every newsmon spider subclasses.

It knows its source (``-a source=<id>`` from sources.toml), which URLs are
already stored and when they are due for a recheck, and how to turn an
article response into an item. A subclass only has to discover article URLs
and call :meth:`BaseNewsSpider.article_request` for each.

Hooks a custom spider may override:
- ``async def start(self)``: yield the first requests (default: the source's urls,
  handled by ``parse_start``).
- ``parse_start(self, response)``: find article links in a start page.
- ``is_article_url(self, url)``: filter candidate links.
- ``item_from_response(self, response)``: build the item of an article page.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from datetime import UTC, datetime
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import CloseSpider

from crawler.items import ArticleItem
from crawler.middlewares import stopped_reason
from newsmon.config import ConfigError, default_db_path, load_config
from newsmon.decode import decode_body, looks_binary  # noqa: F401 - looks_binary: its old home
from newsmon.dedupe import canonicalize_url
from newsmon.recheck import recheck_offsets, recheck_reason
from newsmon.redact import install_log_redaction, secret_values
from newsmon.store.db import open_db
from newsmon.store.queries import known_urls, upsert_sources
from newsmon.times import utcnow

HTML_TYPES = ("text/html", "application/xhtml+xml")
# a source's settings may tune the crawl, never open a port into it
NEVER_FROM_SOURCE = ("TELNETCONSOLE_", "REMOTE_CONTROL_")


class BaseNewsSpider(scrapy.Spider):
    name = None   # not crawlable on its own, and so not in `scrapy list`
    source = None

    def __init__(self, source: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source_id = source
        self.known: dict[str, dict] = {}
        self.scheduled: set[str] = set()
        self.article_requests = 0
        self.query_variants: Counter = Counter()
        self.start_pages_ok = 0
        self.start_pages_failed = 0

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if not spider.source_id:
            raise ConfigError(f"spider {cls.name!r} crawls one source: scrapy crawl {cls.name} -a source=<id>")
        settings = crawler.settings
        config = load_config(settings.get("NEWSMON_CONFIG") or os.environ.get("NEWSMON_CONFIG"))
        spider.source = config.get(spider.source_id)
        spider.config = config
        # before Scrapy logs "Overridden settings": secrets of the config never reach a log
        install_log_redaction(secret_values({**spider.source.settings, "_urls": spider.source.urls},
                                            config.options))
        # per-source Scrapy settings from sources.toml (settings are not frozen yet)
        for key, value in spider.source.settings.items():
            if key.startswith(NEVER_FROM_SOURCE):
                spider.logger.warning("source %s: setting %s ignored (no remote-control surface)",
                                      spider.source_id, key)
                continue
            settings.set(key, value, priority="spider")
        if spider.source.max_pages:
            settings.set("NEWSMON_MAX_PAGES", spider.source.max_pages, priority="spider")
        spider.allowed_domains = list(spider.source.allowed_domains)
        spider.db_path = default_db_path(settings.get("NEWSMON_DB"))
        spider.recheck = recheck_offsets(spider.source.recheck or config.options.get("recheck"))
        db = open_db(spider.db_path)
        try:
            # `scrapy crawl` straight into a fresh database: the run and its rows need the source
            upsert_sources(db, [spider.source])
            spider.known = known_urls(db, spider.source_id)
        finally:
            db.conn.close()
        return spider

    # -- start ---------------------------------------------------------------
    async def start(self):
        meta = {"newsmon_start": True, "depth": 0}
        if self.source.kind in ("feed", "sitemap"):
            # feeds and sitemaps may be bigger than a page (the sitemap protocol allows 50 MB)
            meta["download_maxsize"] = self.crawler.settings.getint("NEWSMON_SITEMAP_MAXSIZE")
        for url in self.source.urls:
            yield scrapy.Request(url, callback=self._parse_start, errback=self._start_failed,
                                 dont_filter=True, priority=100, meta=dict(meta))

    def _parse_start(self, response):
        stopped = stopped_reason(response)
        if stopped:
            # an entry page cut short (too large, bomb, undecodable): nothing to discover
            self.start_pages_failed += 1
            self.logger.warning("start page %s stopped: %s", response.url, stopped)
            self.crawler.stats.inc_value(f"newsmon/discovery_errors/{stopped}")
            return
        self.start_pages_ok += 1
        yield from self.parse_start(response) or ()

    def _start_failed(self, failure):
        self.start_pages_failed += 1
        request = failure.request
        # the site's failure (down, an HTTP error, robots.txt unreadable), counted in the run's
        # errors and its status: a warning, not an error of newsmon
        self.logger.warning("start page failed: %s (%s)", request.url, failure.getErrorMessage())
        self.crawler.stats.inc_value("newsmon/start_pages_failed")

    def parse_start(self, response):
        raise NotImplementedError

    # -- articles ------------------------------------------------------------
    def is_article_url(self, url: str) -> bool:
        return True

    def article_request(self, url: str, *, published: str | None = None,
                        updated: str | None = None, title: str | None = None):
        """A request for an article URL, or None when it is stored and not due."""
        url = canonicalize_url(url)
        if url in self.scheduled or not url.startswith(("http://", "https://")):
            return None
        self.scheduled.add(url)
        stats = self.crawler.stats
        settings = self.crawler.settings
        max_length = settings.getint("URLLENGTH_LIMIT")
        if max_length and len(url) > max_length:
            stats.inc_value("newsmon/blocked/url_too_long")
            return None
        parts = urlsplit(url)
        if parts.query:
            # ?page=1, ?page=2, ... or a calendar's ?date=: a trap, however many pages remain
            path_key = (parts.netloc, parts.path)
            self.query_variants[path_key] += 1
            max_variants = settings.getint("NEWSMON_MAX_QUERY_VARIANTS")
            if max_variants and self.query_variants[path_key] > max_variants:
                stats.inc_value("newsmon/blocked/query_variants")
                return None
        known = self.known.get(url)
        reason = recheck_reason(known, now=datetime.now(UTC), entry_updated=updated,
                                schedule=self.recheck)
        if reason is None:
            stats.inc_value("newsmon/skipped_known")
            return None
        max_pages = self.crawler.settings.getint("NEWSMON_MAX_PAGES")
        if max_pages and self.article_requests >= max_pages:
            stats.inc_value("newsmon/skipped_page_cap")
            return None
        self.article_requests += 1
        headers = {}
        if known and reason == "scheduled":
            # conditional GET: the server may answer 304 and save us the page
            if known.get("etag"):
                headers["If-None-Match"] = known["etag"]
            if known.get("last_modified"):
                headers["If-Modified-Since"] = known["last_modified"]
        stats.inc_value(f"newsmon/requests/{reason}")
        return scrapy.Request(
            url, callback=self.parse_article, headers=headers,
            meta={"feed_published": published, "feed_updated": updated, "feed_title": title,
                  "handle_httpstatus_list": [304], "newsmon_reason": reason,
                  "newsmon_article": True})

    def parse_article(self, response):
        item = self.item_from_response(response)
        if item is not None:
            yield item

    def item_from_response(self, response) -> ArticleItem | None:
        meta = response.meta
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        item = ArticleItem(
            source_id=self.source_id,
            url=canonicalize_url(response.request.url),
            final_url=response.url,
            status=response.status,
            content_type=content_type,
            fetched_at=utcnow(),
            feed_published=meta.get("feed_published"),
            feed_updated=meta.get("feed_updated"),
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            not_modified=response.status == 304,
            html=None, encoding=None, drop_reason=None,
        )
        if response.status == 304:
            return item
        stopped = stopped_reason(response)
        if stopped:   # too_large, not_html, bad_encoding: never parsed
            item["drop_reason"] = stopped
            return item
        if content_type and not content_type.startswith(HTML_TYPES):
            item["drop_reason"] = "not_html"
            return item
        limit = response.meta.get("download_maxsize") or self.crawler.settings.getint("DOWNLOAD_MAXSIZE")
        if limit and len(response.body) > limit:
            item["drop_reason"] = "too_large"
            return item
        decoded = decode_html(response)
        if decoded is None:
            item["drop_reason"] = "binary"
            return item
        item["html"], item["encoding"] = decoded
        return item


def decode_html(response) -> tuple[str, str] | None:
    """(text, encoding) of an HTML response, or None for binary data
    (newsmon.decode.decode_body, with Scrapy's choice of encoding first:
    Content-Type charset, BOM, <meta charset>, then detection)."""
    try:
        encoding = response.encoding
    except (AttributeError, LookupError):
        encoding = None
    return decode_body(response.body, encoding, response.url)


def _header(response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def compile_patterns(patterns) -> list[re.Pattern]:
    return [re.compile(p) for p in patterns]


__all__ = ["BaseNewsSpider", "CloseSpider", "compile_patterns"]
