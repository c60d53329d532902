"""Adding and checking a source: the logic behind ``newsmon add-source`` and ``check-source``.

``discover(url)`` starts from a site's address and finds how to crawl it, in
this order of preference:

1. feeds: ``<link rel="alternate" type="application/rss+xml|atom+xml">`` on the
   page (or the URL is a feed itself), else a few common feed paths (/feed,
   /rss.xml, /feed.xml, /atom.xml, /index.xml);
2. sitemaps: robots.txt ``Sitemap:`` lines, else /sitemap.xml and
   /sitemap_index.xml; indexes are followed one level, Google News sitemaps
   are preferred;
3. article links on the page itself, recognised by URL shape (dated paths,
   long slugs, numeric ids under a shared section prefix) and generalised into
   ``article_patterns`` regexes.

Every candidate is verified by fetching a few of the pages it points to and
running :func:`pipelines.analyze.analyze_page` on them: a feed of comments or
a sitemap of product pages is not proposed. The result is a
:class:`Proposal` that renders as a commented ``[sources.<id>]`` table.

``dry_run(source, config)`` runs the real crawl (the same spider and item
pipelines as ``newsmon crawl``) into a throwaway database, capped at a few
article pages, and reads back what the crawl would have stored;
``article_problems`` says what looks wrong with an extracted article.

Plain module: no Scrapy import (the dry run starts Scrapy in a subprocess).
Fetching uses urllib with a timeout, a size cap and newsmon's User-Agent, and
refuses loopback/private addresses other than the host the user gave, the
same policy as the crawler's SafeFetchMiddleware.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import re
import shutil
import sqlite3
import tempfile
import urllib.error
import urllib.request
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

from crawler.addresses import host_key, refusal_reason
from crawler.config import ConfigError, Source, parse_config
from crawler.discovery import DiscoveryError, looks_like_sitemap, parse_feed, parse_sitemap, sitemaps_from_robots

TIMEOUT = 15.0
MAX_PAGE_BYTES = 8 * 1024 * 1024        # crawler.settings.DOWNLOAD_MAXSIZE
MAX_SITEMAP_BYTES = 50 * 1024 * 1024    # crawler.settings.NEWSMON_SITEMAP_MAXSIZE
FEED_PATHS = ("/feed", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml")
SECTION_FEED_PATHS = ("feed", "rss.xml", "feed.xml", "index.xml")
SITEMAP_PATHS = ("/sitemap.xml", "/sitemap_index.xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
VERIFY_PAGES = 3          # article pages fetched to verify one candidate
MAX_CHILD_SITEMAPS = 5    # children of a sitemap index looked at
MIN_LISTING_LINKS = 3     # article-shaped links needed to propose a listing
SCHEDULES = [("every 15m", 900), ("every 30m", 1800), ("every 1h", 3600),
             ("every 3h", 10800), ("every 6h", 21600)]
MAX_SCHEDULE_SECONDS = 21600
STATIC_EXT = re.compile(r"\.(?:css|js|json|png|jpe?g|gif|svg|webp|ico|pdf|zip|gz|mp[34]|avi|mov|woff2?|ttf|xml|rss|atom|txt)$", re.I)
NOT_ARTICLE_SEGMENTS = {
    "tag", "tags", "topic", "topics", "category", "categories", "author", "authors", "search",
    "login", "account", "subscribe", "about", "contact", "privacy", "terms", "advertise",
    "page", "static", "assets", "feed", "rss", "cdn-cgi", "wp-admin", "wp-content", "wp-json",
}
# crawler.addresses' refusal reasons, as add-source says them
REFUSAL_WORDS = {"bad_scheme": "not an http(s) URL", "no_host": "no host",
                 "private_address": "private address"}


class SourceToolError(Exception):
    """A problem the user must act on; the message says what to do."""


def _user_agent() -> str:
    try:
        from crawler import settings
        return settings.USER_AGENT
    except (ImportError, AttributeError):  # pragma: no cover
        return "newsmon/0.1 (news monitoring crawler)"


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
        self.user_agent = user_agent or _user_agent()
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


# ---------------------------------------------------------------------------
# URL shapes and article_patterns


_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_NUM2 = re.compile(r"^\d{1,2}$")
_ID = re.compile(r"^\d{5,}$")
_EXT = re.compile(r"(\.s?html?|\.php|\.aspx?)$", re.I)
_SLUG = re.compile(r"^[^\W_]+(?:[-_][^\W_]+){2,}$")


def _segment_class(seg: str) -> str:
    core = _EXT.sub("", seg)
    if _YEAR.match(core):
        return "year"
    if _ID.match(core):
        return "id"
    if _NUM2.match(core):
        return "num2"
    if _SLUG.match(core) and len(core) >= 12:
        return "slug"
    if re.search(r"\d{5,}", core) and len(core) >= 8:
        return "id"   # "story12345", "a-1234567"
    return "word"


def url_shape(url: str) -> tuple[str, ...] | None:
    """Classes of the path segments of a URL that could be an article, else None.

    An article URL has a dated path, a long slug or a numeric id in it; index,
    tag, author, static and account pages are not articles.
    """
    parts = urlsplit(url)
    segs = [s for s in parts.path.split("/") if s]
    if not segs or STATIC_EXT.search(parts.path):
        return None
    if any(s.lower() in NOT_ARTICLE_SEGMENTS for s in segs[:-1]) or segs[-1].lower() in NOT_ARTICLE_SEGMENTS:
        return None
    classes = tuple(_segment_class(s) for s in segs)
    last = classes[-1]
    dated = "year" in classes and classes.index("year") < len(classes) - 1
    if last in ("slug", "id") or (dated and last != "num2"):
        return classes
    return None


def looks_like_article_url(url: str) -> bool:
    """True for URLs shaped like articles (see :func:`url_shape`)."""
    return url_shape(url) is not None


_CLASS_RE = {"year": r"\d{4}", "num2": r"\d{1,2}", "id": r"[^/]*\d{5,}[^/]*",
             "slug": r"[^\W_]+(?:[-_][^\W_]+){2,}", "word": r"[^/]+"}


def _group_pattern(paths: list[list[str]], classes: tuple[str, ...]) -> str:
    out = []
    for i, cls in enumerate(classes):
        values = {p[i] for p in paths}
        if len(values) == 1 and (cls == "word" or len(paths) == 1):
            out.append(re.escape(next(iter(values))))
            continue
        exts = {(_EXT.search(v).group(1).lower() if _EXT.search(v) else "") for v in values}
        ext = next(iter(exts)) if len(exts) == 1 else None
        core = _CLASS_RE[cls]
        if ext:
            core += re.escape(ext)
        elif len(exts) > 1:
            core += r"(?:\.\w+)?"
        out.append(core)
    return "/" + "/".join(out) + r"/?(?:[?#]|$)"


def infer_patterns(urls, *, min_group: int = 2, max_patterns: int = 3) -> list[tuple[str, list[str]]]:
    """Article URL regexes generalised from example URLs: ``[(pattern, matching urls)]``.

    URLs are grouped by the classes of their path segments (year, month/day,
    numeric id, slug, word); a segment shared by the whole group stays literal
    (the section prefix), the others become character classes. Biggest groups
    first.
    """
    groups: dict[tuple, list[str]] = defaultdict(list)
    for url in dict.fromkeys(urls):
        shape = url_shape(url)
        if shape:
            groups[shape].append(url)
    # words that vary across a group stay a class; a literal first segment keeps sections apart
    ranked = []
    for shape, members in groups.items():
        paths = [[s for s in urlsplit(u).path.split("/") if s] for u in members]
        # split by first segment when it is a shared 'word' section for most of the group
        by_first: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(paths):
            by_first[p[0] if shape[0] == "word" else ""].append(i)
        if shape[0] == "word" and len(by_first) <= 3:
            parts = list(by_first.values())
        else:
            parts = [list(range(len(paths)))]
        for idx in parts:
            if len(idx) < min_group:
                continue
            ranked.append((len(idx), _group_pattern([paths[i] for i in idx], shape), [members[i] for i in idx]))
    ranked.sort(key=lambda r: -r[0])
    return [(pattern, members) for _, pattern, members in ranked[:max_patterns]]


def _path_prefix(url: str) -> str:
    """The directory of a start URL: "/news/" for /news/ or /news/index.html; "/" for the home page."""
    path = urlsplit(url).path or "/"
    if not path.endswith("/"):
        path = path.rsplit("/", 1)[0] + "/"
    return path


def _under(url: str, start: str) -> bool:
    prefix = _path_prefix(start)
    return urlsplit(url).path.startswith(prefix)


# ---------------------------------------------------------------------------
# verification


@dataclass
class Verdict:
    url: str
    ok: bool
    reason: str            # "article" or a drop reason / fetch error
    title: str | None = None
    words: int = 0
    published: str | None = None


def verify_pages(urls, fetcher: Fetcher, limit: int = VERIFY_PAGES) -> list[Verdict]:
    """Fetch up to ``limit`` of ``urls`` and say which are articles (pipelines.analyze)."""
    from pipelines.analyze import analyze_page

    out = []
    for url in list(dict.fromkeys(urls))[:limit]:
        page = fetcher.get(url)
        if not page.ok:
            out.append(Verdict(url, False, page.why_not()))
            continue
        ctype = page.content_type.lower()
        if ctype and not ctype.startswith(("text/html", "application/xhtml+xml")):
            out.append(Verdict(url, False, f"not HTML ({ctype.split(';')[0]})"))
            continue
        result = analyze_page(page.text, page.final_url)
        article = result["article"] or {}
        out.append(Verdict(url, result["drop_reason"] is None, result["drop_reason"] or "article",
                           article.get("title"), article.get("word_count") or 0, article.get("published_at")))
    return out


def _verdict_note(verdicts: list[Verdict]) -> str:
    good = sum(v.ok for v in verdicts)
    bad = Counter(v.reason for v in verdicts if not v.ok)
    note = f"{good} of {len(verdicts)} pages checked are articles"
    if bad:
        note += " (others: " + ", ".join(f"{k} {n}" for k, n in bad.items()) + ")"
    return note


# ---------------------------------------------------------------------------
# the proposal


@dataclass
class Candidate:
    kind: str                     # feed | sitemap | listing
    urls: list[str]
    found: str                    # how it was found
    entries: list[dict] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    problem: str | None = None    # why it is not usable
    title: str | None = None
    news: bool = False

    @property
    def usable(self) -> bool:
        return self.problem is None and any(v.ok for v in self.verdicts)

    def describe(self) -> str:
        what = {"feed": "feed", "sitemap": "news sitemap" if self.news else "sitemap",
                "listing": "article links on"}[self.kind]
        text = f"{what} {', '.join(self.urls)} ({self.found})"
        if self.problem:
            return f"{text}: {self.problem}"
        if self.entries:
            text += f": {len(self.entries)} entries"
        if self.verdicts:
            text += ("; " if self.entries else ": ") + _verdict_note(self.verdicts)
        return text


@dataclass
class Proposal:
    source_id: str
    name: str
    start_url: str
    chosen: Candidate
    considered: list[Candidate]
    schedule: str
    schedule_note: str
    allowed_domains: list[str] = field(default_factory=list)

    def table(self) -> dict:
        table = {"name": self.name, "kind": self.chosen.kind, "urls": list(self.chosen.urls),
                 "schedule": self.schedule}
        if self.allowed_domains:
            table["allowed_domains"] = self.allowed_domains
        if self.chosen.patterns:
            table["article_patterns"] = list(self.chosen.patterns)
        return table

    def reasons(self) -> list[str]:
        c = self.chosen
        why = {
            "feed": "a feed lists new articles with their dates and is the lightest to poll",
            "sitemap": ("a Google News sitemap lists the articles of the last two days with dates"
                        if c.news else "the sitemap lists the site's pages; article_patterns keep the articles"
                        if c.patterns else "the sitemap lists the site's articles"),
            "listing": "no usable feed or sitemap; these links on the page are shaped like articles",
        }[c.kind]
        lines = [f"chosen: {c.kind}: {why}", f"  {c.describe()}"]
        if c.kind == "listing":
            for pattern in c.patterns:
                lines.append(f"  pattern {pattern}")
        sample = [v for v in c.verdicts if v.ok][:3]
        for v in sample:
            lines.append(f"  e.g. {v.title or v.url} ({v.words} words, {v.published or 'no date'})")
        others = [x for x in self.considered if x is not c]
        if others:
            lines.append("also considered:")
            for x in others:
                lines.append(f"  {x.describe()}")
        lines.append(f"schedule: {self.schedule_note}")
        return lines

    def toml(self, header: str | None = None) -> str:
        out = []
        if header:
            out.append(f"# {header}")
        out += ["# " + line for line in self.reasons()]
        out.append(f"[sources.{self.source_id}]")
        for key, value in self.table().items():
            out.append(f"{key} = {toml_value(value)}")
        return "\n".join(out) + "\n"


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        if re.search(r"\\", value) and "'" not in value and "\n" not in value:
            return f"'{value}'"    # regexes: a literal string keeps backslashes readable
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {type(value).__name__}")


def slug_id(text: str) -> str:
    """A source id from a host or name: "www.example.co.uk" -> "example-co-uk"."""
    text = text.lower()
    text = re.sub(r"^www\d*\.", "", text)
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:63].strip("-")
    return slug if slug and slug[0].isalnum() else f"site-{slug}".strip("-")


def _schedule_for(entries: list[dict]) -> tuple[str, str]:
    dates = []
    for e in entries:
        value = e.get("published") or e.get("updated")
        if not value:
            continue
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            continue
        dates.append(dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc))
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


def _registered_domain(host: str) -> str:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    try:
        import tldextract

        extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
        parts = extract(host)
        if parts.domain and parts.suffix:
            return f"{parts.domain}.{parts.suffix}"
    except Exception:  # noqa: BLE001 - fall back to the host
        pass
    return host


def _allowed_domains(candidate: Candidate) -> list[str]:
    """allowed_domains when article pages live on other hosts than the start URLs (else [])."""
    url_hosts = {urlsplit(u).hostname for u in candidate.urls}
    article_hosts = {urlsplit(e["url"]).hostname for e in candidate.entries} | \
                    {urlsplit(v.url).hostname for v in candidate.verdicts if v.ok}
    article_hosts.discard(None)
    if article_hosts <= url_hosts:
        return []
    return sorted({_registered_domain(h) for h in article_hosts | url_hosts if h})


# ---------------------------------------------------------------------------
# discovery


class Discovery:
    def __init__(self, url: str, fetcher: Fetcher | None = None, log=None):
        if not re.match(r"^https?://", url, re.I):
            url = "https://" + url
        parts = urlsplit(url)
        if not parts.hostname:
            raise SourceToolError(f"{url!r} is not a web address; give one like https://example.com/news/")
        self.url = url
        self.root = f"{parts.scheme}://{parts.netloc}"
        self.fetcher = fetcher or Fetcher({host_key(url)})
        self.log = log or (lambda msg: None)
        self.considered: list[Candidate] = []
        self.page_title = ""
        self.site_name = ""
        self.page_links: list[str] = []
        self.linked_feeds: list[tuple[str, str, str]] = []

    # -- helpers ---------------------------------------------------------------
    def _same_site(self, url: str) -> bool:
        return _registered_domain(urlsplit(url).hostname or "") == _registered_domain(urlsplit(self.url).hostname or "")

    def _scoped(self, entries: list[dict]) -> list[dict]:
        return [e for e in entries if _under(e["url"], self.url)]

    def _verify(self, candidate: Candidate, urls: list[str]) -> None:
        candidate.verdicts = verify_pages(urls, self.fetcher)
        if not any(v.ok for v in candidate.verdicts):
            candidate.problem = "none of the pages checked is an article (" + ", ".join(
                f"{v.reason}" for v in candidate.verdicts) + ")" if candidate.verdicts else "no pages to check"

    # -- feeds -----------------------------------------------------------------
    def feed_candidate(self, url: str, found: str, *, page: Fetched | None = None,
                       scoped: bool = False, title: str = "") -> Candidate:
        c = Candidate("feed", [url], found, title=title or None)
        page = page or self.fetcher.get(url)
        if not page.ok:
            c.problem = f"not available ({page.why_not()})"
            return c
        try:
            entries = parse_feed(page.body, page.final_url)
        except DiscoveryError as e:
            c.problem = str(e)
            return c
        if scoped and _path_prefix(self.url) != "/":
            in_scope = self._scoped(entries)
            if entries and not in_scope:
                c.problem = f"none of its {len(entries)} entries is under {_path_prefix(self.url)}"
                return c
            entries = in_scope
        c.entries = entries
        if not entries:
            c.problem = "the feed is empty"
            return c
        if not title:
            import feedparser
            c.title = (feedparser.parse(page.body).feed.get("title") or "").strip() or None
        self._verify(c, [e["url"] for e in entries])
        return c

    def find_feeds(self) -> Candidate | None:
        linked = [(urljoin(self.url, href), typ, title) for href, typ, title in self.linked_feeds]
        linked = list({u: (u, t, ti) for u, t, ti in linked}.values())
        # comment feeds last: they list comments, not articles
        linked.sort(key=lambda f: bool(re.search(r"comment", f[0] + " " + f[2], re.I)))
        for url, typ, title in linked[:4]:
            self.log(f"feed linked from the page: {url}")
            c = self.feed_candidate(url, f"linked from the page as {typ}", title=title)
            self.considered.append(c)
            if c.usable:
                return c
        probes = []
        prefix = _path_prefix(self.url)
        if prefix != "/":
            probes += [urljoin(self.root, prefix + p) for p in SECTION_FEED_PATHS]
        probes += [self.root + p for p in FEED_PATHS]
        tried = []
        for url in dict.fromkeys(probes):
            if url in {u for u, _, _ in linked}:
                continue
            page = self.fetcher.get(url)
            if not page.ok or not looks_like_feed(page.body):
                tried.append(url)
                continue
            self.log(f"feed found at a common path: {url}")
            c = self.feed_candidate(url, "found at a common feed path", page=page, scoped=True)
            self.considered.append(c)
            if c.usable:
                return c
        if tried:
            self.considered.append(Candidate("feed", [urlsplit(u).path for u in tried], "common feed paths",
                                             problem="no feed there"))
        return None

    # -- sitemaps --------------------------------------------------------------
    def _read_sitemap(self, url: str) -> tuple[str, list[dict]] | str:
        page = self.fetcher.get(url, MAX_SITEMAP_BYTES)
        if not page.ok:
            return f"not available ({page.why_not()})"
        if not looks_like_sitemap(page.body):
            return "not a sitemap document"
        try:
            return parse_sitemap(page.body, page.final_url)
        except DiscoveryError as e:
            return str(e)

    def sitemap_candidate(self, url: str, found: str) -> Candidate:
        c = Candidate("sitemap", [url], found)
        read = self._read_sitemap(url)
        if isinstance(read, str):
            c.problem = read
            return c
        kind, entries = read
        if kind == "sitemapindex":
            children = sorted(entries, key=lambda e: (not re.search(r"news", e["url"], re.I),
                                                      -(datetime.fromisoformat((e.get("updated") or "1970-01-01").replace("Z", "+00:00")).timestamp()
                                                        if _valid_iso(e.get("updated")) else 0)))
            news_children, other_entries, any_news = [], [], False
            for child in children[:MAX_CHILD_SITEMAPS]:
                sub = self._read_sitemap(child["url"])
                if isinstance(sub, str) or sub[0] != "urlset":
                    continue
                child_entries = sub[1]
                if any(e.get("published") for e in child_entries):
                    any_news = True
                    news_children.append(child["url"])
                    c.entries.extend(child_entries)
                else:
                    other_entries.extend(child_entries)
            if any_news:
                c.news = True
                # every child a news sitemap: keep the index (it follows renamed children)
                if len(news_children) < len(entries):
                    c.urls = news_children[:3]
                    c.found += f"; its news sitemap{'s' if len(news_children) > 1 else ''}"
            else:
                c.entries = other_entries
        else:
            c.entries = entries
            c.news = any(e.get("published") for e in entries)
        if _path_prefix(self.url) != "/":
            in_scope = self._scoped(c.entries)
            if c.entries and not in_scope:
                c.problem = f"none of its {len(c.entries)} pages is under {_path_prefix(self.url)}"
                return c
            if len(in_scope) < len(c.entries):
                c.patterns = [re.escape(_path_prefix(self.url))]
            c.entries = in_scope
        if not c.entries:
            c.problem = "lists no pages"
            return c
        ordered = sorted(c.entries, key=lambda e: e.get("published") or e.get("updated") or "", reverse=True)
        if not c.news and not c.patterns:
            inferred = infer_patterns([e["url"] for e in c.entries], min_group=3)
            covered = sum(len(m) for _, m in inferred)
            if inferred and covered < len(c.entries):
                c.patterns = [p for p, _ in inferred]
                matched = {u for _, m in inferred for u in m}
                ordered = [e for e in ordered if e["url"] in matched]
        self._verify(c, [e["url"] for e in ordered])
        return c

    def find_sitemaps(self) -> Candidate | None:
        robots = self.fetcher.get(self.root + "/robots.txt")
        listed = sitemaps_from_robots(robots.text, robots.final_url) if robots.ok else []
        if listed:
            found = "listed in robots.txt"
            urls = listed
        else:
            found = "found at a common sitemap path"
            urls = [self.root + p for p in SITEMAP_PATHS]
        best = None
        for url in list(dict.fromkeys(urls))[:4]:
            self.log(f"sitemap {found}: {url}")
            c = self.sitemap_candidate(url, found)
            if not listed and c.problem and c.problem.startswith(("not available", "not a sitemap")):
                c.found = "common sitemap path"
            self.considered.append(c)
            if c.usable and (best is None or (c.news and not best.news)):
                best = c
        return best

    # -- listing ---------------------------------------------------------------
    def find_listing(self) -> Candidate | None:
        links = []
        for href in self.page_links:
            url = urljoin(self.url, href)
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or parts.netloc != urlsplit(self.url).netloc:
                continue
            url = urlunsplit(parts._replace(query="", fragment=""))
            if url.rstrip("/") != self.url.rstrip("/"):
                links.append(url)
        links = list(dict.fromkeys(links))
        shaped = [u for u in links if looks_like_article_url(u)]
        c = Candidate("listing", [self.url], f"{len(links)} links on the page, {len(shaped)} shaped like articles")
        self.considered.append(c)
        if len(shaped) < MIN_LISTING_LINKS:
            c.problem = (f"{len(shaped)} of its {len(links)} links look like articles "
                         f"(dated paths, long slugs or numeric ids); need {MIN_LISTING_LINKS}")
            return None
        groups = infer_patterns(shaped, min_group=MIN_LISTING_LINKS)
        if not groups:
            c.problem = f"{len(shaped)} article-shaped links, but no {MIN_LISTING_LINKS} of them share a URL pattern"
            return None
        kept, verdicts = [], []
        for pattern, members in groups:
            v = verify_pages(members, self.fetcher, limit=VERIFY_PAGES)
            verdicts.extend(v)
            self.log(f"pattern {pattern}: {_verdict_note(v)}")
            if sum(x.ok for x in v) * 2 >= len(v):   # most of the sample are articles
                kept.append(pattern)
                c.entries.extend({"url": u} for u in members)
        c.verdicts = verdicts
        c.patterns = kept
        if not kept:
            c.problem = (f"{len(shaped)} links are shaped like articles, but the pages behind them are not "
                         "articles (" + ", ".join(f"{v.reason}" for v in verdicts) + ")")
            return None
        return c

    # -- all together ------------------------------------------------------------
    def run(self) -> Candidate:
        page = self.fetcher.get(self.url)
        if page.error:
            raise SourceToolError(
                f"cannot reach {self.url}: {page.error}. Check the address (and that the site is up), "
                "then try again.")
        if page.status != 200:
            raise SourceToolError(
                f"{self.url} answered HTTP {page.status}. Give the address of the site's home page, "
                "a news section or its feed.")
        self.url = page.final_url or self.url
        parts = urlsplit(self.url)
        self.root = f"{parts.scheme}://{parts.netloc}"
        if looks_like_feed(page.body):
            c = self.feed_candidate(self.url, "the address is a feed", page=page)
            self.considered.append(c)
            if c.usable:
                return c
        elif looks_like_sitemap(page.body) or parts.path.endswith("/robots.txt"):
            if parts.path.endswith("/robots.txt"):
                urls = sitemaps_from_robots(page.text, self.url)
                cands = [self.sitemap_candidate(u, "listed in robots.txt") for u in urls[:4]]
            else:
                cands = [self.sitemap_candidate(self.url, "the address is a sitemap")]
            self.considered.extend(cands)
            usable = [c for c in cands if c.usable]
            if usable:
                return sorted(usable, key=lambda c: not c.news)[0]
        else:
            parsed = parse_page(page.text)
            self.page_title = re.sub(r"\s+", " ", parsed.title).strip()
            self.site_name = parsed.site_name
            self.page_links = parsed.links
            self.linked_feeds = parsed.feeds
        for step in (self.find_feeds, self.find_sitemaps, self.find_listing):
            chosen = step()
            if chosen is not None:
                return chosen
        lines = [f"no feed, sitemap or article links found at {self.url}:"]
        lines += [f"  - {c.describe()}" for c in self.considered]
        lines.append(
            "What to do: if this is a news site, run add-source on its news section or its feed/sitemap "
            "address; if its pages need code to find (JavaScript, odd layout), write a custom spider: "
            "`scrapy genspider -t news NAME DOMAIN` (see README, \"Adding a source\").")
        raise SourceToolError("\n".join(lines))


def _valid_iso(value) -> bool:
    if not value:
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def _site_name(discovery: Discovery, chosen: Candidate, host: str) -> str:
    for name in (discovery.site_name, chosen.title):
        if name:
            return name
    title = discovery.page_title
    if title:
        # "Latest news | The Paper" -> "The Paper" (the site's part is usually last)
        parts = [p.strip() for p in re.split(r"\s[|–—·-]\s|:\s", title) if p.strip()]
        return parts[-1] if parts else title
    return host


def discover(url: str, *, source_id: str | None = None, log=None, fetcher: Fetcher | None = None) -> Proposal:
    """How to crawl the site at ``url``: a :class:`Proposal`, or SourceToolError saying why not."""
    d = Discovery(url, fetcher, log)
    chosen = d.run()
    host = urlsplit(d.url).hostname or "site"
    sid = source_id or default_id(url)
    schedule, note = ("every 1h", "every 1h (a listing page has no dates to judge from)") \
        if chosen.kind == "listing" else _schedule_for(chosen.entries)
    return Proposal(
        source_id=sid, name=_site_name(d, chosen, host), start_url=d.url, chosen=chosen,
        considered=d.considered, schedule=schedule, schedule_note=note,
        allowed_domains=_allowed_domains(chosen))


# ---------------------------------------------------------------------------
# writing the config


def _line_of_source(text: str, source_id: str) -> int | None:
    header = re.compile(r"^\s*\[\s*sources\s*\.\s*[\"']?" + re.escape(source_id) + r"[\"']?\s*\]")
    for i, line in enumerate(text.splitlines()):
        if header.match(line):
            return i + 1
    return None


def check_new_id(path: Path, source_id: str) -> None:
    """SourceToolError when the config at ``path`` is invalid or already has ``source_id``."""
    path = Path(path)
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if not existing.strip():
        return
    try:
        current = parse_config(existing, path)
    except ConfigError as e:
        raise SourceToolError(f"{e}\nFix {path} first; nothing was written.") from None
    if source_id in current.sources:
        line = _line_of_source(existing, source_id)
        where = f"{path}:{line}" if line else str(path)
        raise SourceToolError(
            f"source {source_id!r} already exists ({where}); nothing was written. "
            f"Choose another id with --name ID, or edit or remove the existing "
            f"[sources.{source_id}] table.")


def default_id(url: str) -> str:
    """The id add-source gives a site: a slug of its host."""
    if not re.match(r"^https?://", url, re.I):
        url = "https://" + url
    return slug_id(urlsplit(url).hostname or "site")


def add_to_config(path: Path, proposal: Proposal, header: str | None = None) -> str:
    """Append the proposal to the config at ``path`` (created if missing); returns the entry.

    The file is appended to as text, so its comments and layout stay as they
    are; the result is validated with crawler.config.parse_config first.
    """
    path = Path(path)
    check_new_id(path, proposal.source_id)
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    entry = proposal.toml(header)
    if not existing or existing.endswith("\n\n"):
        sep = ""
    else:
        sep = "\n" if existing.endswith("\n") else "\n\n"
    new_text = existing + sep + entry
    try:
        parse_config(new_text, path)
    except ConfigError as e:
        raise SourceToolError(f"the proposed entry does not validate: {e}; nothing was written") from None
    tmp = path.with_name(f".{path.name}.newsmon-tmp")
    tmp.write_text(new_text, encoding="utf-8")
    tmp.replace(path)
    return entry


def validate_entry(proposal: Proposal) -> Source:
    """The proposal as a parsed Source (raises SourceToolError when invalid)."""
    try:
        config = parse_config(proposal.toml())
    except ConfigError as e:
        raise SourceToolError(f"the proposed entry does not validate: {e}") from None
    return config.sources[proposal.source_id]


# ---------------------------------------------------------------------------
# check-source: a dry run of the real crawl


JUNK_WORDS = re.compile(
    r"\b(?:loading|subscribe|sign up|newsletter|cookies?|advertisement|share|read more|also read|"
    r"related|follow us|copyright|all rights reserved|click here|comments?)\b|©|^\W", re.I)
SHORT_TEXT_WORDS = 150
JUNK_LINE_MAX_WORDS = 10


def article_problems(article: dict) -> list[str]:
    """What looks wrong with a stored article: no date, short text, junk-looking lines."""
    from pipelines.extract import is_sentence

    problems = []
    if not article.get("published_at"):
        problems.append("no publication date found")
    if not article.get("title"):
        problems.append("no title")
    words = article.get("word_count") or len((article.get("text") or "").split())
    if words < SHORT_TEXT_WORDS:
        problems.append(f"very short text ({words} words): a teaser or a partly extracted page?")
    lines = [ln.strip() for ln in (article.get("text") or "").split("\n") if ln.strip()]
    suspects = []
    for i, line in enumerate(lines):
        if line.startswith("- ") or is_sentence(line) or len(line.split()) > JUNK_LINE_MAX_WORDS:
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        heading = nxt and is_sentence(nxt) and len(nxt.split()) > len(line.split()) and i > 0 \
            and not JUNK_WORDS.search(line) and not line.endswith(":")
        edge = i == 0 or i == len(lines) - 1
        if not heading or edge or line.isupper():
            suspects.append(line)
    if suspects:
        shown = "; ".join(repr(s[:60]) for s in suspects[:4])
        more = f" and {len(suspects) - 4} more" if len(suspects) > 4 else ""
        problems.append(f"junk lines suspected (short, not sentences): {shown}{more}")
    return problems


@dataclass
class DryRun:
    source: Source
    pages: list[dict]            # url, status, drop_reason, article (dict|None), claims (list)
    summary: str                 # runner.format_summary of the crawl
    status: str
    log_tail: list[str]
    warnings: list[str] = field(default_factory=list)   # deprecation warnings of the crawl

    @property
    def usable(self) -> list[dict]:
        return [p for p in self.pages if p["article"] and not p["drop_reason"]]


def dry_run(source: Source, config, limit: int = 5, timeout: float = 600) -> DryRun:
    """Crawl ``source`` with the real spider and pipelines into a temporary database.

    At most ``limit`` article pages are fetched (NEWSMON_MAX_PAGES); the
    user's database is never opened. Returns what the crawl stored.
    """
    from crawler.runner import format_summary, run_crawl
    from pipelines.store import open_db, upsert_sources

    tmp = Path(tempfile.mkdtemp(prefix="newsmon-check-"))
    try:
        db_path = tmp / "check.db"
        db = open_db(db_path)
        upsert_sources(db, [source])
        db.conn.close()
        log_path = tmp / "crawl.log"
        with open(log_path, "wb") as log:
            result = run_crawl(source, config.path, db_path, timeout=timeout, log_file=log,
                               extra_settings={"NEWSMON_MAX_PAGES": limit, "NEWSMON_WORKERS": 1,
                                               "LOGSTATS_INTERVAL": 0})
        log_lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        tail = [ln for ln in log_lines if " WARNING" in ln or " ERROR" in ln or "Traceback" in ln][-15:]
        warnings = [ln for ln in log_lines if "DeprecationWarning" in ln]
        pages = _read_dry_run(db_path)
        return DryRun(source, pages, format_summary(result), result.status, tail, warnings)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_dry_run(db_path: Path) -> list[dict]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        pages = [dict(r) for r in conn.execute(
            "SELECT url, status, drop_reason, article_id, fetched_at FROM pages ORDER BY rowid")]
        articles = {r["id"]: dict(r) for r in conn.execute("SELECT * FROM articles")}
        claims = defaultdict(list)
        for r in conn.execute("SELECT article_id, speaker, kind, quote FROM claims ORDER BY id"):
            claims[r["article_id"]].append(dict(r))
    finally:
        conn.close()
    out = []
    seen_articles = set()
    for p in pages:
        article = articles.get(p["article_id"]) if p["article_id"] else None
        seen_articles.add(p["article_id"])
        out.append({"url": p["url"], "status": p["status"], "drop_reason": p["drop_reason"],
                    "article": article, "claims": claims.get(p["article_id"], []) if article else []})
    for aid, article in articles.items():   # stored without a pages row (NEWSMON_STORE_HTML off)
        if aid not in seen_articles:
            out.append({"url": article["url"], "status": 200, "drop_reason": None,
                        "article": article, "claims": claims.get(aid, [])})
    return out


def first_lines(text: str, n: int = 3, width: int = 100) -> list[str]:
    out = []
    for line in (text or "").split("\n"):
        line = line.strip()
        if not line:
            continue
        out.append(line if len(line) <= width else line[: width - 1].rstrip() + "…")
        if len(out) >= n:
            break
    return out
