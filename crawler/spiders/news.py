"""The generic, config-driven spider: ``scrapy crawl news -a source=<id>``.

Handles the three configurable kinds of source:
- feed: RSS 2.0, RSS 1.0 and Atom feeds (feedparser)
- sitemap: sitemap indexes, urlsets and Google News sitemaps (nested
  indexes followed up to NEWSMON_SITEMAP_DEPTH); a robots.txt URL also works
- listing: start pages whose links matching ``article_patterns`` are articles
"""

from __future__ import annotations

import scrapy
from scrapy.linkextractors import LinkExtractor
from scrapy.utils.gz import gunzip

from crawler.middlewares import stopped_reason
from crawler.spiders.base import BaseNewsSpider, compile_patterns
from newsmon.feeds import (
    MAX_SITEMAP_ENTRIES,
    DiscoveryError,
    looks_like_sitemap,
    parse_feed,
    parse_sitemap,
    sitemaps_from_robots,
)


class NewsSpider(BaseNewsSpider):
    name = "news"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.patterns = compile_patterns(spider.source.article_patterns)
        spider.sitemaps_requested = 0
        return spider

    def is_article_url(self, url: str) -> bool:
        return not self.patterns or any(p.search(url) for p in self.patterns)

    def parse_start(self, response):
        kind = self.source.kind
        if kind == "feed":
            return self.parse_feed(response)
        if kind == "sitemap":
            return self.parse_sitemap(response)
        return self.parse_listing(response)

    def _discovery_failed(self, response, reason: str, detail: str):
        self.logger.warning("skipped %s: %s (%s)", response.url, reason, detail)
        self.crawler.stats.inc_value(f"newsmon/discovery_errors/{reason}")

    def _requests_for(self, entries):
        for entry in entries:
            if not self.is_article_url(entry["url"]):
                continue
            request = self.article_request(entry["url"], published=entry.get("published"),
                                           updated=entry.get("updated"), title=entry.get("title"))
            if request is not None:
                yield request

    # -- feed ----------------------------------------------------------------
    def parse_feed(self, response):
        if not response.body.strip():
            self._discovery_failed(response, "bad_feed", "empty body")
            return
        try:
            entries = parse_feed(response.body, response.url)
        except DiscoveryError as e:
            self._discovery_failed(response, "bad_feed", str(e))
            return
        self.crawler.stats.inc_value("newsmon/feed_entries", len(entries))
        yield from self._requests_for(entries)

    # -- sitemap -------------------------------------------------------------
    def _sitemap_body(self, response) -> bytes | None:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            limit = self.crawler.settings.getint("NEWSMON_SITEMAP_MAXSIZE")
            try:
                body = gunzip(body, max_size=limit)
            except ValueError:  # scrapy raises a ValueError subclass past max_size
                self._discovery_failed(response, "too_large", f"sitemap over {limit} bytes")
                return None
            except OSError as e:
                self._discovery_failed(response, "bad_sitemap", str(e))
                return None
        return body

    def _sitemap_request(self, response, url: str, depth: int, **kwargs):
        """A request for a nested sitemap, or None past NEWSMON_MAX_SITEMAPS this run."""
        limit = self.crawler.settings.getint("NEWSMON_MAX_SITEMAPS")
        self.sitemaps_requested += 1
        if limit and self.sitemaps_requested > limit:
            if self.sitemaps_requested == limit + 1:
                self.logger.warning("over %d sitemaps this run: the rest of %s is skipped", limit, response.url)
            self.crawler.stats.inc_value("newsmon/discovery_errors/too_many_sitemaps")
            return None
        return scrapy.Request(url, callback=self._parse_nested_sitemap, errback=self._sitemap_failed,
                              priority=90, cb_kwargs={"depth": depth},
                              meta={"download_maxsize": self.crawler.settings.getint("NEWSMON_SITEMAP_MAXSIZE")},
                              **kwargs)

    def _parse_nested_sitemap(self, response, depth: int = 0):
        stopped = stopped_reason(response)
        if stopped:   # too_large (incl. a compression bomb), bad_encoding
            self._discovery_failed(response, stopped, "stopped while downloading")
            return
        yield from self.parse_sitemap(response, depth)

    def _sitemap_failed(self, failure):
        self.crawler.stats.inc_value("newsmon/discovery_errors/sitemap_unavailable")
        self.logger.warning("sitemap %s failed: %s", failure.request.url, failure.getErrorMessage())

    def parse_sitemap(self, response, depth: int = 0):
        if response.url.endswith("/robots.txt"):
            for url in sitemaps_from_robots(response.text, response.url):
                request = self._sitemap_request(response, url, depth, dont_filter=True)
                if request is not None:
                    yield request
            return
        body = self._sitemap_body(response)
        if body is None:
            return
        if not looks_like_sitemap(body):
            self._discovery_failed(response, "bad_sitemap", "not a sitemap document")
            return
        try:
            kind, entries = parse_sitemap(body, response.url)
        except DiscoveryError as e:
            self._discovery_failed(response, "bad_sitemap", str(e))
            return
        if kind == "sitemapindex":
            max_depth = self.crawler.settings.getint("NEWSMON_SITEMAP_DEPTH")
            if depth >= max_depth:
                self._discovery_failed(response, "sitemap_too_deep", f"depth {depth}")
                return
            for entry in entries:
                request = self._sitemap_request(response, entry["url"], depth + 1)
                if request is None:
                    break
                yield request
            return
        if len(entries) >= MAX_SITEMAP_ENTRIES:
            self._discovery_failed(response, "sitemap_truncated", f"over {MAX_SITEMAP_ENTRIES} entries")
        self.crawler.stats.inc_value("newsmon/sitemap_entries", len(entries))
        yield from self._requests_for(entries)

    # -- listing -------------------------------------------------------------
    def parse_listing(self, response):
        if not hasattr(response, "text"):
            self._discovery_failed(response, "bad_listing", "not a text page")
            return
        extractor = LinkExtractor(allow=[p.pattern for p in self.patterns], unique=True)
        links = extractor.extract_links(response)
        self.crawler.stats.inc_value("newsmon/listing_links", len(links))
        yield from self._requests_for({"url": link.url} for link in links)
