"""add-source: from a site's address to the way to crawl it (feed, sitemap or article links)."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

from newsmon.addresses import host_key
from newsmon.feeds import DiscoveryError, looks_like_sitemap, parse_feed, parse_sitemap, sitemaps_from_robots
from newsmon.sources.entry import Candidate, Proposal, Verdict, default_id, verdict_note
from newsmon.sources.fetch import MAX_SITEMAP_BYTES, Fetched, Fetcher, SourceToolError, looks_like_feed, parse_page
from newsmon.sources.schedule import is_valid_iso, schedule_for
from newsmon.sources.urls import infer_patterns, is_under, looks_like_article_url, path_prefix

FEED_PATHS = ("/feed", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml")
SECTION_FEED_PATHS = ("feed", "rss.xml", "feed.xml", "index.xml")
SITEMAP_PATHS = ("/sitemap.xml", "/sitemap_index.xml")
VERIFY_PAGES = 3          # article pages fetched to verify one candidate
MAX_CHILD_SITEMAPS = 5    # children of a sitemap index looked at
MIN_LISTING_LINKS = 3     # article-shaped links needed to propose a listing


def verify_pages(urls, fetcher: Fetcher, limit: int = VERIFY_PAGES) -> list[Verdict]:
    """Fetch up to ``limit`` of ``urls`` and say which are articles (newsmon.analysis)."""
    from newsmon.analysis import analyze_page

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
        return [e for e in entries if is_under(e["url"], self.url)]

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
        if scoped and path_prefix(self.url) != "/":
            in_scope = self._scoped(entries)
            if entries and not in_scope:
                c.problem = f"none of its {len(entries)} entries is under {path_prefix(self.url)}"
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
        prefix = path_prefix(self.url)
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
                                                        if is_valid_iso(e.get("updated")) else 0)))
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
        if path_prefix(self.url) != "/":
            in_scope = self._scoped(c.entries)
            if c.entries and not in_scope:
                c.problem = f"none of its {len(c.entries)} pages is under {path_prefix(self.url)}"
                return c
            if len(in_scope) < len(c.entries):
                c.patterns = [re.escape(path_prefix(self.url))]
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
            c = self.sitemap_candidate(url, found)
            if c.problem and c.problem.startswith(("not available", "not a sitemap")):
                self.log(f"no sitemap at {url}: {c.problem}")
            else:
                self.log(f"sitemap {found}: {url}" + (f" ({c.problem})" if c.problem else ""))
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
            self.log(f"pattern {pattern}: {verdict_note(v)}")
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
        if chosen.kind == "listing" else schedule_for(chosen.entries)
    return Proposal(
        source_id=sid, name=_site_name(d, chosen, host), start_url=d.url, chosen=chosen,
        considered=d.considered, schedule=schedule, schedule_note=note,
        allowed_domains=_allowed_domains(chosen))
