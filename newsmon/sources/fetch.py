"""Fetching outside Scrapy for add-source: urllib with a timeout, a size cap, newsmon's User-Agent and the crawler's address policy."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit, urlunsplit

from newsmon.addresses import refusal_reason
from newsmon.defaults import USER_AGENT

TIMEOUT = 15.0
MAX_PAGE_BYTES = 4 * 1024 * 1024        # crawler.settings.DOWNLOAD_MAXSIZE: a crawl drops bigger pages
MAX_SITEMAP_BYTES = 50 * 1024 * 1024    # crawler.settings.NEWSMON_SITEMAP_MAXSIZE
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
# newsmon.addresses' refusal reasons, as add-source says them
REFUSAL_WORDS = {"bad_scheme": "not an http(s) URL", "no_host": "no host",
                 "private_address": "private address"}


class SourceToolError(Exception):
    """A problem the user must act on; the message says what to do."""


# ---------------------------------------------------------------------------
# fetching


@dataclass
class Fetched:
    url: str
    final_url: str
    status: int | None = None
    content_type: str = ""
    body: bytes = b""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status == 200

    @property
    def text(self) -> str:
        charset = re.search(r"charset=([\w-]+)", self.content_type or "")
        try:
            return self.body.decode(charset.group(1) if charset else "utf-8", errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")

    def why_not(self) -> str:
        return self.error or f"HTTP {self.status}"


class _Refused(urllib.error.URLError):
    pass


class Fetcher:
    """urllib GETs with a timeout, a size cap, newsmon's User-Agent and a cache.

    Only http(s); private/loopback addresses only for ``allowed_hosts`` (the
    host the user asked about), redirects included.
    """

    def __init__(self, allowed_hosts=(), *, timeout: float = TIMEOUT, user_agent: str | None = None):
        self.allowed = {h.lower() for h in allowed_hosts}
        self.timeout = timeout
        self.user_agent = user_agent or USER_AGENT
        self.cache: dict[str, Fetched] = {}
        self.count = 0
        fetcher = self

        class Redirects(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, req, fp, code, msg, headers, newurl):
                reason = fetcher.refusal(newurl)
                if reason:
                    raise _Refused(f"redirect to {newurl} refused ({reason})")
                return super().redirect_request(req, fp, code, msg, headers, newurl)

        self.opener = urllib.request.build_opener(Redirects)

    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be fetched (the crawler's own rule), in words, or None."""
        reason = refusal_reason(url, self.allowed)
        return REFUSAL_WORDS[reason] if reason else None

    def get(self, url: str, max_bytes: int = MAX_PAGE_BYTES) -> Fetched:
        url = urlunsplit(urlsplit(url)._replace(fragment=""))
        if url in self.cache:
            return self.cache[url]
        result = self._get(url, max_bytes)
        self.cache[url] = result
        return result

    def _get(self, url: str, max_bytes: int) -> Fetched:
        reason = self.refusal(url)
        if reason:
            return Fetched(url, url, error=f"refused: {reason}")
        self.count += 1
        request = urllib.request.Request(url, headers={
            "User-Agent": self.user_agent, "Accept-Encoding": "gzip",
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
        try:
            response = self.opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as e:
            return Fetched(url, e.geturl() or url, status=e.code,
                           content_type=e.headers.get("Content-Type", "") if e.headers else "")
        except _Refused as e:
            return Fetched(url, url, error=str(e.reason))
        except (urllib.error.URLError, OSError, ValueError) as e:
            why = getattr(e, "reason", e)
            return Fetched(url, url, error=f"cannot connect: {why}")
        with response:
            try:
                body = response.read(max_bytes + 1)
            except (OSError, ValueError) as e:
                return Fetched(url, response.geturl(), status=response.status, error=f"read failed: {e}")
            if len(body) > max_bytes:
                return Fetched(url, response.geturl(), status=response.status,
                               error=f"larger than {max_bytes // (1024 * 1024)} MB")
            encoding = (response.headers.get("Content-Encoding") or "").lower()
            if encoding == "gzip" or body[:2] == b"\x1f\x8b":
                try:
                    body = _gunzip(body, max_bytes)
                except (OSError, EOFError, ValueError, zlib.error) as e:
                    return Fetched(url, response.geturl(), status=response.status, error=f"bad gzip body: {e}")
            return Fetched(url, response.geturl(), status=response.status,
                           content_type=response.headers.get("Content-Type", ""), body=body)


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = decompressor.decompress(body, max_bytes + 1)
    if len(out) > max_bytes:
        raise ValueError(f"larger than {max_bytes} bytes uncompressed")
    return out


# ---------------------------------------------------------------------------
# page parsing


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.feeds: list[tuple[str, str, str]] = []   # (href, type, title)
        self.title = ""
        self.site_name = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"].strip())
        elif tag == "link":
            rel = a.get("rel", "").lower().split()
            typ = a.get("type", "").lower().split(";")[0].strip()
            if "alternate" in rel and typ in FEED_TYPES and a.get("href"):
                self.feeds.append((a["href"].strip(), typ, a.get("title", "").strip()))
        elif tag == "meta" and a.get("property", "").lower() == "og:site_name":
            self.site_name = a.get("content", "").strip()
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def parse_page(html: str) -> _PageParser:
    parser = _PageParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - HTMLParser is lenient; keep what was parsed
        pass
    return parser


def looks_like_feed(body: bytes) -> bool:
    head = body[:2048].lstrip().lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head
