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
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from twisted.internet.defer import Deferred

SAFE_SCHEMES = ("http", "https")


def host_key(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def is_private_host(host: str) -> bool:
    host = host.lower().strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: resolved by the downloader; see the issue note on DNS rebinding
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved \
        or ip.is_multicast or ip.is_unspecified


def refusal_reason(url: str, allowed_private: set[str]) -> str | None:
    """Why ``url`` must not be fetched, or None."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in SAFE_SCHEMES:
        return "bad_scheme"
    host = (parts.hostname or "").lower()
    if not host:
        return "no_host"
    if is_private_host(host) and host_key(url) not in allowed_private and host not in allowed_private:
        return "private_address"
    return None


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
        return None


class _UnavailableRobots:
    """Stands in for the rules of a site whose robots.txt could not be read."""

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
    """

    def _unavailable(self, netloc: str, why: str) -> None:
        self.crawler.spider.logger.warning(
            "robots.txt of %s unavailable (%s): skipping the site this run", netloc, why)
        self._stats.set_value("newsmon/robots_unavailable", f"{netloc}: {why}")
        pending = self._parsers[netloc]
        self._parsers[netloc] = _UnavailableRobots()
        if isinstance(pending, Deferred):
            pending.callback(self._parsers[netloc])

    async def _parse_robots(self, response, netloc, request):
        if response.status >= 500:
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            self._unavailable(netloc, f"HTTP {response.status}")
            return
        await super()._parse_robots(response, netloc, request)

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
    NEWSMON_RETRY_AFTER_DEFAULT when the header is absent) and the request is
    retried through Scrapy's retry machinery; a delay longer than
    NEWSMON_RETRY_AFTER_MAX gives up on the request for this run.
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
            slot.delay = max(slot.delay, delay)
        stats.inc_value("newsmon/retry_after/backoff")
        retry = get_retry_request(request, spider=self.crawler.spider, reason=f"retry_after_{response.status}")
        return retry or response
