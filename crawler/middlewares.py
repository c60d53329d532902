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

from scrapy.exceptions import IgnoreRequest

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
