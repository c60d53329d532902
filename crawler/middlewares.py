"""Downloader middleware that keeps a crawl on the public web it was pointed at.

Scrapy follows any redirect and any link to any address. A feed or a page
can therefore point the crawler at file:, data: or ftp: URLs, or at the
machine's own services (127.0.0.1, 10.x, 169.254.169.254 ...). SafeFetchMiddleware
refuses, before any byte is sent:
- URLs whose scheme is not http or https;
- URLs whose host is a loopback, private, link-local or reserved address
  (or "localhost"), unless that host is one the user configured as a start
  URL of the source, or is listed in NEWSMON_ALLOW_PRIVATE_HOSTS;
and every redirect target the same way (a redirect comes back through
process_request as a new request). Refusals are counted under ``newsmon/blocked/<reason>``.

The other guards of a hostile web live here too:
- ResponseGuardMiddleware: stops a body at the configured size (Content-Length
  or bytes received) and an article whose Content-Type is not HTML as soon as
  its headers arrive, without downloading the body;
- BoundedHttpCompressionMiddleware: Scrapy's decompression (gzip, deflate,
  br, zstd, bounded by DOWNLOAD_MAXSIZE) with the bomb counted, not just
  ignored;
- RedirectGuardMiddleware: redirect loops, over-long chains and redirects to
  other schemes are refused with a reason;
- CrossOriginHeadersMiddleware: Authorization and Cookie headers never follow
  a redirect to another origin (scheme, host and port);
- RobotsTxtMiddleware, RetryAfterMiddleware: see their docstrings.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred
from w3lib.url import safe_url_string

from newsmon.addresses import SAFE_SCHEMES, host_key, refusal_reason
from newsmon.config import default_db_path
from newsmon.store.db import connect
from newsmon.times import parse_time, utcnow

logger = logging.getLogger(__name__)


class SafeFetchMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.extra_allowed = set(crawler.settings.getlist("NEWSMON_ALLOW_PRIVATE_HOSTS"))
        self._allowed: set[str] | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def allowed(self) -> set[str]:
        if self._allowed is None:
            source = getattr(self.crawler.spider, "source", None)
            configured = {host_key(u) for u in (source.urls if source else [])}
            self._allowed = configured | self.extra_allowed
        return self._allowed

    def _refuse(self, url: str, reason: str, what: str):
        self.stats.inc_value(f"newsmon/blocked/{reason}")
        self.crawler.spider.logger.warning("refused %s %s: %s", what, url, reason)
        raise IgnoreRequest(f"{what} refused ({reason}): {url}")

    def process_request(self, request):
        # redirects come back through here as new requests, so one check covers both
        reason = refusal_reason(request.url, self.allowed())
        if reason:
            redirected = request.meta.get("redirect_urls")
            what = f"redirect from {redirected[-1]} to" if redirected else "request"
            self._refuse(request.url, reason, what)
        proxy = self.crawler.settings.get("NEWSMON_PROXY")
        if proxy and "proxy" not in request.meta:
            # HttpProxyMiddleware turns user:pass@ into Proxy-Authorization
            request.meta["proxy"] = proxy
        return None


# -- bodies: size and type, decided as early as possible ----------------------------

HTML_TYPES = ("text/html", "application/xhtml+xml")
STOPPED_FLAG = "newsmon_stopped:"


def stopped_reason(response) -> str | None:
    """Why ResponseGuardMiddleware or the decompression stopped this body, or None."""
    for flag in getattr(response, "flags", ()) or ():
        if isinstance(flag, str) and flag.startswith(STOPPED_FLAG):
            return flag[len(STOPPED_FLAG):]
    return None


def _with_flag(response, reason: str):
    headers = response.headers.copy()
    headers.pop(b"Content-Encoding", None)
    return response.replace(body=b"", headers=headers, flags=[*response.flags, STOPPED_FLAG + reason])


class ResponseGuardMiddleware:
    """Stop what must not be downloaded while it downloads.

    - any body over its size limit (the request's ``download_maxsize`` meta or
      DOWNLOAD_MAXSIZE): when Content-Length announces it, or as soon as the
      bytes received pass it (no Content-Length, chunked, endless);
    - an article (``newsmon_article`` meta) whose Content-Type is not HTML
      (PDF, images, video ...): at the headers, before the body.

    The download is ended with StopDownload(fail=False) and the response
    reaches the spider empty, flagged ``newsmon_stopped:<reason>``, so the page
    is recorded and counted (``newsmon/dropped/too_large``, ``not_html``)
    instead of vanishing. Scrapy's own DOWNLOAD_MAXSIZE cancel stays the backstop.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        crawler.signals.connect(self.headers_received, signal=signals.headers_received)
        crawler.signals.connect(self.bytes_received, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _limit(self, request) -> int:
        return request.meta.get("download_maxsize", self.maxsize) or 0

    def _stop(self, request, reason: str):
        request.meta["_newsmon_stop"] = reason
        raise StopDownload(fail=False)

    def headers_received(self, headers, body_length, request, spider):
        if request.meta.get("newsmon_article"):
            ctype = (headers.get(b"Content-Type") or b"").decode("latin-1").lower().strip()
            if ctype and not ctype.startswith(HTML_TYPES):
                self._stop(request, "not_html")
        limit = self._limit(request)
        if limit and body_length is not None and body_length > limit:
            self._stop(request, "too_large")

    def bytes_received(self, data, request, spider):
        limit = self._limit(request)
        if not limit:
            return
        received = request.meta.get("_newsmon_bytes", 0) + len(data)
        request.meta["_newsmon_bytes"] = received
        if received > limit:
            self._stop(request, "too_large")

    def process_response(self, request, response):
        # the flags go to the response; the meta is cleared so a retry starts clean
        request.meta.pop("_newsmon_bytes", None)
        reason = request.meta.pop("_newsmon_stop", None)
        if reason:
            self.crawler.spider.logger.info("stopped %s: %s", request.url, reason)
            return _with_flag(response, reason)
        return response


class BoundedHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's HttpCompressionMiddleware (gzip, deflate, br, zstd, decoded in
    chunks and abandoned past DOWNLOAD_MAXSIZE or the request's
    ``download_maxsize``), but a bomb becomes a flagged empty response the spider
    counts (``too_large``) instead of a silently ignored request, and a body
    that does not decode becomes ``bad_encoding``."""

    def process_response(self, request, response):
        if stopped_reason(response):
            return response   # already cut short: nothing complete to decode
        try:
            return super().process_response(request, response)
        except IgnoreRequest as e:
            if isinstance(e.__cause__, ValueError):   # _DecompressionMaxSizeExceeded
                return _with_flag(response, "too_large")
            raise
        except Exception as e:  # noqa: BLE001 - zlib.error, brotli.error, OSError, EOFError ...
            self.crawler.spider.logger.warning("cannot decode %s: %s: %s", request.url, type(e).__name__, e)
            return _with_flag(response, "bad_encoding")

    @classmethod
    def from_crawler(cls, crawler):
        o = super().from_crawler(crawler)
        o.crawler = crawler
        return o


REDIRECT_CODES = (301, 302, 303, 307, 308)


class RedirectGuardMiddleware:
    """Looks at a redirect before Scrapy's RedirectMiddleware follows it.

    Refused, counted under ``newsmon/blocked/<reason>``:
    - ``redirect_bad_scheme``: a Location that is not http(s) (file:, data:, ftp:);
      Scrapy would hand the 3xx to the spider, to be dropped without a word;
    - ``redirect_loop``: a Location already visited in this chain;
    - ``too_many_redirects``: more than REDIRECT_MAX_TIMES hops.
    Private or loopback targets are refused by SafeFetchMiddleware when the
    redirected request comes back through it.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.max_times = crawler.settings.getint("REDIRECT_MAX_TIMES")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _refuse(self, request, location: str, reason: str):
        self.crawler.stats.inc_value(f"newsmon/blocked/{reason}")
        self.crawler.spider.logger.warning("refused redirect from %s to %s: %s",
                                           request.url, location[:200], reason)
        raise IgnoreRequest(f"redirect refused ({reason}): {location[:200]}")

    def process_response(self, request, response):
        if response.status not in REDIRECT_CODES or b"Location" not in response.headers:
            return response
        if request.meta.get("dont_redirect") or response.status in request.meta.get("handle_httpstatus_list", ()) \
                or request.meta.get("handle_httpstatus_all"):
            return response
        location = urljoin(request.url, safe_url_string(response.headers[b"Location"]))
        if urlsplit(location).scheme.lower() not in SAFE_SCHEMES:
            self._refuse(request, location, "redirect_bad_scheme")
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if location.split("#", 1)[0] in {u.split("#", 1)[0] for u in chain}:
            self._refuse(request, location, "redirect_loop")
        if len(chain) > self.max_times:
            self._refuse(request, location, "too_many_redirects")
        return response


def origin(url: str) -> tuple:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


class CrossOriginHeadersMiddleware:
    """Credentials stay with the origins they were configured for.

    A source's Authorization or Cookie header (DEFAULT_REQUEST_HEADERS in its
    settings) is meant for the site of its start URLs. Runs after
    DefaultHeadersMiddleware and CookiesMiddleware, which put such headers on
    every request: a request to any other origin (scheme, host and port) loses
    them, whether it was reached by a redirect, a feed link or is another
    site's robots.txt. Counted under ``newsmon/credentials_withheld``.
    """

    SENSITIVE = (b"Authorization", b"Cookie")

    def __init__(self, crawler):
        self.crawler = crawler
        self._origins: set | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def origins(self) -> set:
        if self._origins is None:
            source = getattr(self.crawler.spider, "source", None)
            self._origins = {origin(u) for u in (source.urls if source else [])}
        return self._origins

    def process_request(self, request):
        if not any(name in request.headers for name in self.SENSITIVE):
            return None
        allowed = self.origins()
        chain = request.meta.get("redirect_urls")
        if not allowed and chain:
            allowed = {origin(chain[0])}
        if allowed and origin(request.url) not in allowed:
            for name in self.SENSITIVE:
                if name in request.headers:
                    del request.headers[name]
            self.crawler.stats.inc_value("newsmon/credentials_withheld")
        return None


def _store_path(crawler):
    """The database the crawl stores into, or None when it stores elsewhere (distributed)."""
    if "pipelines.store.StorePipeline" not in crawler.settings.getdict("ITEM_PIPELINES"):
        return None
    return default_db_path(crawler.settings.get("NEWSMON_DB"))


class RobotsCache:
    """robots.txt answers kept in the ``robots_txt`` table, fresh for ``hours``.

    Best effort: a database that is missing, locked or read-only means
    fetching robots.txt as usual, never a failed crawl.
    """

    def __init__(self, path, hours: float):
        self.path, self.max_age = path, timedelta(hours=hours)
        self._conn = None

    def _connection(self):
        if self._conn is None and self.path is not None and Path(self.path).exists():
            self._conn = connect(self.path)
        return self._conn

    def get(self, origin: str) -> bytes | None:
        """The body last fetched for ``origin``, if fresh (a 4xx answer: b"", allow all)."""
        try:
            conn = self._connection()
            row = conn and conn.execute("SELECT fetched_at, status, body FROM robots_txt WHERE origin = ?",
                                        [origin]).fetchone()
        except sqlite3.Error as e:
            logger.debug("robots.txt cache unreadable: %s", e)
            return None
        if not row:
            return None
        fetched = parse_time(row[0])
        if fetched is None or not timedelta(0) <= datetime.now(UTC) - fetched <= self.max_age:
            return None
        return b"" if row[1] >= 400 else (row[2] or b"")

    def put(self, origin: str, status: int, body: bytes) -> None:
        try:
            conn = self._connection()
            if conn is not None:
                with conn:
                    conn.execute("INSERT OR REPLACE INTO robots_txt (origin, fetched_at, status, body) "
                                 "VALUES (?, ?, ?, ?)", [origin, utcnow(), status, body])
        except sqlite3.Error as e:
            logger.debug("robots.txt not cached: %s", e)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class _UnavailableRobots:
    """Stands in for the rules of a site whose robots.txt could not be read."""

    def __init__(self, netloc: str = "", why: str = ""):
        self.netloc, self.why = netloc, why

    def allowed(self, url, user_agent) -> bool:
        return False

    def sitemaps(self):
        return iter(())


class RobotsTxtMiddleware(_ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt handling, stricter where the standard asks for it.

    A 404 (or any 4xx) robots.txt means everything is allowed, as in Scrapy.
    A 5xx answer or a failed fetch (timeout, refused connection) means the
    site's rules are unknown: this run skips the site and records why
    (``newsmon/robots_unavailable``), instead of Scrapy's crawl-everything.

    A 2xx or 4xx answer is kept in the database (``robots_txt``) and reused
    by the runs of the next ``NEWSMON_ROBOTS_CACHE_HOURS`` (24; RFC 9309 asks
    for no longer), so a source crawled every few minutes does not fetch it
    each time (``newsmon/robots_cached``). A failed fetch is never cached.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        hours = crawler.settings.getfloat("NEWSMON_ROBOTS_CACHE_HOURS")
        self._cache = RobotsCache(_store_path(crawler), hours) if hours > 0 else None

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    async def robot_parser(self, request):
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers and self._cache is not None:
            body = self._cache.get(f"{url.scheme}://{netloc}")
            if body is not None:
                self._parsers[netloc] = build_from_crawler(self._parserimpl, self.crawler, body)
                self._stats.inc_value("newsmon/robots_cached")
        if netloc not in self._parsers:
            # Scrapy's fetch, without its ERROR and traceback for a site that is down:
            # _robots_error says what happened, once, as a warning
            self._parsers[netloc] = Deferred()
            robots = scrapy.Request(f"{url.scheme}://{netloc}/robots.txt", priority=self.DOWNLOAD_PRIORITY,
                                    meta={"dont_obey_robotstxt": True}, callback=NO_CALLBACK)
            try:
                response = await self.crawler.engine.download_async(robots)
                await self._parse_robots(response, netloc, request)
            except Exception as e:  # noqa: BLE001 - any failure to fetch it means "rules unknown"
                self._robots_error(e, netloc)
            self._stats.inc_value("robotstxt/request_count")
        return await super().robot_parser(request)

    def process_request_2(self, rp, request) -> None:
        if isinstance(rp, _UnavailableRobots):
            # not "Forbidden by robots.txt": the rules could not be read at all
            self._stats.inc_value("newsmon/robots_unavailable_skipped")
            raise IgnoreRequest(f"robots.txt of {rp.netloc} unavailable ({rp.why}): site skipped this run")
        return super().process_request_2(rp, request)

    def _unavailable(self, netloc: str, why: str) -> None:
        self.crawler.spider.logger.warning(
            "robots.txt of %s unavailable (%s): skipping the site this run", netloc, why)
        self._stats.set_value("newsmon/robots_unavailable", f"{netloc}: {why}")
        pending = self._parsers[netloc]
        self._parsers[netloc] = _UnavailableRobots(netloc, why)
        if isinstance(pending, Deferred):
            pending.callback(self._parsers[netloc])

    async def _parse_robots(self, response, netloc, request):
        if response.status >= 500:
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            self._unavailable(netloc, f"HTTP {response.status}")
            return
        if self._cache is not None:
            self._cache.put(f"{urlparse_cached(request).scheme}://{netloc}", response.status, response.body)
        await super()._parse_robots(response, netloc, request)

    def spider_closed(self, spider=None):
        if self._cache is not None:
            self._cache.close()

    def _robots_error(self, exc, netloc):
        if isinstance(exc, IgnoreRequest):
            return super()._robots_error(exc, netloc)
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc).__name__}")
        self._unavailable(netloc, type(exc).__name__)


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    import email.utils
    import time

    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (now if now is not None else time.time()))


class RetryAfterMiddleware:
    """Honour 429 and 503 answers: back off, don't hammer.

    The site's download slot is slowed to the Retry-After delay (default
    NEWSMON_RETRY_AFTER_DEFAULT when the header is absent) and held: no request
    to the site starts before that delay has passed since the answer arrived
    (crawler/downloader.py: PoliteDownloader.hold), whatever the jitter or
    AutoThrottle say. The request is retried through Scrapy's retry machinery;
    a delay longer than NEWSMON_RETRY_AFTER_MAX gives up on the request for
    this run.
    """

    CODES = (429, 503)

    def __init__(self, crawler):
        self.crawler = crawler
        self.default = crawler.settings.getfloat("NEWSMON_RETRY_AFTER_DEFAULT")
        self.maximum = crawler.settings.getfloat("NEWSMON_RETRY_AFTER_MAX")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        from scrapy.downloadermiddlewares.retry import get_retry_request

        if response.status not in self.CODES:
            return response
        delay = retry_after_seconds(response.headers.get(b"Retry-After"))
        delay = self.default if delay is None else delay
        stats = self.crawler.stats
        if delay > self.maximum:
            stats.inc_value("newsmon/retry_after/gave_up")
            self.crawler.spider.logger.warning(
                "%s asks us to wait %.0f s (over %.0f s): giving up this run", request.url, delay, self.maximum)
            return response
        slot_key = request.meta.get("download_slot")
        slots = self.crawler.engine.downloader.slots
        slot = slots.get(slot_key) if slot_key else None
        if slot is None:
            from scrapy.utils.httpobj import urlparse_cached
            slot = slots.get(urlparse_cached(request).hostname or "")
        if slot is not None:
            # the site stays slowed down for the rest of the run, without jitter
            # (RANDOMIZE_DOWNLOAD_DELAY waits 0.5x-1.5x) ...
            slot.delay = max(slot.delay, delay)
            slot.jitter = 0.0
            # ... and nothing more is sent to it before `delay` has passed since this
            # answer arrived: a lower bound that neither Scrapy's delay (counted from
            # when the request was sent) nor AutoThrottle can shorten
            downloader = self.crawler.engine.downloader
            if hasattr(downloader, "hold"):
                downloader.hold(slot, delay)
        stats.inc_value("newsmon/retry_after/backoff")
        retry = get_retry_request(request, spider=self.crawler.spider, reason=f"retry_after_{response.status}")
        return retry or response
