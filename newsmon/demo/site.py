"""The offline fixture news site: tests crawl it and ``newsmon demo`` serves it.

A real HTTP server (stdlib ``ThreadingHTTPServer`` in a background thread) on
127.0.0.1 and a free port, serving four news sources, each under its own URL
prefix so a test can break one source without touching the others:

- ``wire``       Continental Press Wire: an Atom feed, minimal wire template
- ``metro-post`` The Metro Post: an RSS 2.0 feed, magazine template
- ``herald``     The Daily Herald: a sitemap index -> Google News sitemap,
                 WordPress-like template
- ``courier``    Riverside Courier: a listing page + ``article_patterns``

The content (articles, page chrome, scenarios) lives in ``newsmon/demo/data/``:
``sources.json`` (per-source chrome and extra pages), ``articles/<source>/``
(one text file per article, see ``_parse_article``) and ``templates/``.
``manifest()`` says what a correct crawl must store, so tests assert against
it instead of hard-coding the content.

Phases: ``set_phase(2)`` edits two articles (one in a feed source, one in the
sitemap source: a sentence changed, a paragraph added) and bumps their feed
``<atom:updated>`` / sitemap ``<lastmod>``. Modes per source (``set_mode``):
"ok", "error500", "broken_layout" and "hang". robots.txt always answers 200.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

SITE_DIR = Path(__file__).resolve().parent / "data"
MODES = ("ok", "error500", "broken_layout", "hang")
HANG_SECONDS = 600
EDIT_RE = re.compile(r"\{\{(.*?) => (.*?)\}\}")
SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])[”\"]?\s+(?=[A-Z“\"])")


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def phase_text(text: str, phase: int) -> str:
    """``{{old => new}}`` markup resolved for a phase."""
    return EDIT_RE.sub(lambda m: m.group(1) if phase == 1 else m.group(2), text)


def iso_to_dt(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def http_date(value: str) -> str:
    return format_datetime(iso_to_dt(value), usegmt=True)


def human_date(value: str) -> str:
    dt = iso_to_dt(value)
    return f"{dt.strftime('%B')} {dt.day}, {dt.year} {dt.strftime('%H:%M')} UTC"


@dataclass
class Source:
    id: str
    conf: dict
    articles: list = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return self.conf["prefix"]

    def __getattr__(self, name):
        try:
            return self.conf[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class Article:
    source: Source
    slug: str
    meta: dict
    blocks: list  # (type, payload): p h2 ul junk link added
    path: str = ""
    aliases: list = field(default_factory=list)  # other paths serving this page (canonical -> path)

    @property
    def title(self) -> str:
        return self.meta["title"]

    @property
    def published(self) -> str:
        return self.meta["published"]

    def modified(self, phase: int) -> str:
        if phase >= 2 and self.meta.get("edited"):
            return self.meta["edited"]
        return self.meta.get("modified") or self.published

    @property
    def edited(self) -> bool:
        return bool(self.meta.get("edited"))

    def paragraphs(self, phase: int) -> list[str]:
        """The article's own prose (what a perfect extractor keeps), in order."""
        out = []
        for kind, payload in self.blocks:
            if kind in ("p", "h2"):
                out.append(phase_text(payload, phase))
            elif kind == "ul":
                out.extend(phase_text(i, phase) for i in payload)
            elif kind == "added" and phase >= 2:
                out.append(payload)
        return out

    def word_count(self, phase: int = 1) -> int:
        return sum(len(p.split()) for p in self.paragraphs(phase))

    def junk(self) -> list[str]:
        return [payload if kind == "junk" else payload[0] for kind, payload in self.blocks
                if kind in ("junk", "link")]

    def description(self) -> str:
        first = next(phase_text(p, 1) for k, p in self.blocks if k == "p")
        return SENTENCE_SPLIT.split(first)[0]

    def key_sentences(self) -> list[str]:
        if self.meta.get("key"):
            return list(self.meta["key"])
        paras = [p for k, p in self.blocks if k == "p" and "{{" not in p]
        picks = [SENTENCE_SPLIT.split(paras[0])[0]]
        quoted = [p for p in paras[1:-1] if "“" in p]
        if quoted:
            picks.append(SENTENCE_SPLIT.split(quoted[0])[0])
        picks.append(SENTENCE_SPLIT.split(paras[-1])[0])
        return list(dict.fromkeys(picks))[:3]


def _parse_article(source: Source, path: Path) -> Article:
    """One article file: ``key: value`` header lines, ``---``, then the body.

    Body blocks are separated by blank lines: ``## heading``; ``- item`` lines
    (a list); ``!! text`` (page junk shown as a paragraph inside the article);
    ``>> headline`` (a junk related-story link inside the article); ``++ text``
    (a paragraph that only exists in phase 2); anything else is a paragraph,
    in which ``{{old => new}}`` is a phase-2 edit.
    """
    head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
    meta: dict = {"key": []}
    for line in head.splitlines():
        if not line.strip():
            continue
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "key":
            meta["key"].append(value)
        else:
            meta[key] = value
    blocks = []
    for chunk in re.split(r"\n\s*\n", body.strip()):
        lines = [ln.rstrip() for ln in chunk.strip().splitlines()]
        if all(ln.startswith("!! ") for ln in lines):
            blocks.extend(("junk", ln[3:]) for ln in lines)
        elif all(ln.startswith(">> ") for ln in lines):
            blocks.extend(("link", (ln[3:], meta.get("link_href", source.prefix + "/"))) for ln in lines)
        elif lines[0].startswith("## "):
            blocks.append(("h2", lines[0][3:]))
        elif lines[0].startswith("- "):
            blocks.append(("ul", [ln[2:] for ln in lines]))
        elif lines[0].startswith("++ "):
            blocks.append(("added", " ".join(lines)[3:]))
        else:
            blocks.append(("p", " ".join(lines)))
    slug = meta.get("slug") or path.stem.split("-", 1)[1]
    article = Article(source, slug, meta, blocks)
    dt = iso_to_dt(article.published)
    article.path = source.article_path.format(slug=slug, yyyy=f"{dt.year:04d}", mm=f"{dt.month:02d}",
                                              dd=f"{dt.day:02d}", section=slugify(meta.get("section", "news")))
    if meta.get("alias"):
        article.aliases.append(meta["alias"])
    return article


class LoopbackHTTPServer(ThreadingHTTPServer):
    """The test and bench sites' server: threads die with it, and a large
    listen backlog so a crawl opening dozens of connections at once sees no
    dropped SYNs (the stdlib default of 5 stalls a crawl into timeouts)."""

    daemon_threads = True
    request_queue_size = 128


class FixtureSite:
    """The fixture news site. ``start()`` -> base URL; ``stop()`` when done."""

    def __init__(self, site_dir: Path | str = SITE_DIR):
        self.site_dir = Path(site_dir)
        conf = json.loads((self.site_dir / "sources.json").read_text(encoding="utf-8"))
        self.junk_common = conf.get("junk_lines", [])
        self.sources: dict[str, Source] = {}
        for sconf in conf["sources"]:
            source = Source(sconf["id"], sconf)
            for path in sorted((self.site_dir / "articles" / source.id).glob("*.txt")):
                source.articles.append(_parse_article(source, path))
            self.sources[source.id] = source
        self.templates = {p.stem: Template(p.read_text(encoding="utf-8"))
                          for p in (self.site_dir / "templates").glob("*.html")}
        self.by_slug = {f"{a.source.id}:{a.slug}": a for s in self.sources.values() for a in s.articles}
        self.phase = 1
        self.modes = {sid: "ok" for sid in self.sources}
        self._requests: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._cache: dict = {}
        self.latency = 0.0       # seconds each response waits (politeness tests)
        self.in_flight = 0       # requests being answered now, and the most at once
        self.peak_in_flight = 0
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self.base = ""
        self._routes = self._build_routes()

    # -- lifecycle -------------------------------------------------------------
    def start(self, port: int = 0) -> str:
        site = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "FixtureNews/1.0"

            def log_message(self, *args):
                pass

            def do_GET(self):
                site._handle(self, head=False)

            def do_HEAD(self):
                site._handle(self, head=True)

        self._stopping.clear()
        self._cache.clear()
        self.server = LoopbackHTTPServer(("127.0.0.1", port), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="fixture-site", daemon=True)
        self.thread.start()
        return self.base

    def stop(self) -> None:
        self._stopping.set()   # releases "hang" requests
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        if self.thread is not None:
            self.thread.join(5)
            self.thread = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- controls --------------------------------------------------------------
    def set_phase(self, n: int) -> None:
        if n not in (1, 2):
            raise ValueError("phase is 1 or 2")
        self.phase = n

    def set_mode(self, source_id: str, mode: str) -> None:
        if source_id not in self.sources:
            raise KeyError(f"unknown fixture source {source_id!r}")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        self.modes[source_id] = mode

    @property
    def requests(self) -> list[str]:
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()
            self.peak_in_flight = self.in_flight

    # -- config and manifest ---------------------------------------------------
    def url(self, path: str) -> str:
        return self.base + path

    def sources_toml(self) -> str:
        out = [f"# newsmon fixture site at {self.base}: sources crawl in this order", ""]
        for s in self.sources.values():
            out.append(f"[sources.{s.id}]")
            out.append(f"name = {json.dumps(s.name)}")
            out.append(f'kind = "{s.kind}"')
            out.append("urls = [" + ", ".join(json.dumps(self.url(p)) for p in s.start) + "]")
            out.append(f'schedule = "{s.schedule}"')
            if s.conf.get("article_patterns"):
                out.append("article_patterns = [" + ", ".join(f"'{p}'" for p in s.article_patterns) + "]")
            out.append("settings = { DOWNLOAD_DELAY = 0, AUTOTHROTTLE_ENABLED = false, "
                       "CONCURRENT_REQUESTS_PER_DOMAIN = 8 }")
            out.append("")
        return "\n".join(out)

    def manifest(self) -> dict:
        articles, edits, junk = [], [], list(self.junk_common)
        for s in self.sources.values():
            junk.extend(s.conf.get("junk_lines", []))
            for a in s.articles:
                dup = self.by_slug[a.meta["copy_of"]] if a.meta.get("copy_of") else None
                articles.append({
                    "url": self.url(a.path), "slug": a.slug, "title": a.title,
                    "published": a.published[:10], "source_id": s.id,
                    "key_sentences": a.key_sentences(), "seed": a.meta.get("seed"),
                    "duplicate_of": self.url(dup.path) if dup else None,
                    "duplicate_kind": a.meta.get("duplicate_kind"),
                    "alias_urls": [self.url(p) for p in a.aliases],
                    "word_count": a.word_count(),
                })
                junk.extend(a.junk())
                if a.edited:
                    changed = [m.group(2) for _, p in a.blocks if isinstance(p, str) for m in EDIT_RE.finditer(p)]
                    original = [m.group(1) for _, p in a.blocks if isinstance(p, str) for m in EDIT_RE.finditer(p)]
                    added = [p for k, p in a.blocks if k == "added"]
                    edits.append({"slug": a.slug, "url": self.url(a.path), "source_id": s.id,
                                  "changed_sentence": changed[0], "original_sentence": original[0],
                                  "added_paragraph": added[0], "updated": a.meta["edited"]})
        non_articles, error_pages = [], []
        for s in self.sources.values():
            for extra in s.conf.get("extras", []):
                entry = {"url": self.url(extra["path"]), "kind": extra["kind"], "source_id": s.id}
                (error_pages if extra["kind"].startswith("error") else non_articles).append(entry)
        return {
            "base": self.base,
            "sources": list(self.sources),
            "start_urls": {s.id: [self.url(p) for p in s.start] for s in self.sources.values()},
            "articles": articles,
            "junk_lines": list(dict.fromkeys(junk)),
            "non_articles": non_articles,
            "error_pages": error_pages,
            "tracking_variants": [self.url(p) for s in self.sources.values()
                                  for p in s.conf.get("tracking_variants", [])],
            "edits": edits,
        }

    # -- routing -----------------------------------------------------------------
    def _build_routes(self) -> dict:
        routes: dict[str, tuple] = {}
        for s in self.sources.values():
            routes[s.prefix + "/"] = ("front", s)
            for a in s.articles:
                routes[a.path] = ("article", a)
                for alias in a.aliases:
                    routes[alias] = ("article", a)
            for extra in s.conf.get("extras", []):
                routes[extra["path"]] = ("extra", (s, extra))
            for name, path in s.conf.get("documents", {}).items():
                routes[path] = ("document", (s, name))
        return routes

    def _source_of(self, path: str) -> Source | None:
        for s in self.sources.values():
            if path == s.prefix or path.startswith(s.prefix + "/"):
                return s
        return None

    def _handle(self, req: BaseHTTPRequestHandler, head: bool) -> None:
        with self._lock:
            self._requests.append(req.path)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.latency and self._stopping.wait(self.latency):
                return
            self._route(req, head)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _route(self, req: BaseHTTPRequestHandler, head: bool) -> None:
        path = urlsplit(req.path).path
        try:
            if path == "/robots.txt":
                return self._send(req, 200, self._robots(), "text/plain; charset=utf-8", head=head)
            source = self._source_of(path)
            if source is not None:
                mode = self.modes[source.id]
                if mode == "hang":
                    deadline = time.monotonic() + HANG_SECONDS
                    while self.modes[source.id] == "hang" and time.monotonic() < deadline:
                        if self._stopping.wait(0.2):
                            return  # stopping: drop the connection unanswered
                    mode = self.modes[source.id]
                if mode == "error500":
                    return self._send(req, 500, self._error_page(source, 500), head=head)
            if path == "/":
                return self._send(req, 200, self._home(), head=head)
            kind, target = self._routes.get(path, (None, None))
            if kind == "article":
                if self.modes[target.source.id] == "broken_layout":
                    return self._send(req, 200, self._broken(target), head=head)
                return self._send_article(req, target, head)
            if kind == "front":
                return self._send(req, 200, self._front(target), head=head)
            if kind == "document":
                body, ctype = self._document(*target)
                return self._send(req, 200, body, ctype, head=head)
            if kind == "extra":
                s, extra = target
                if extra["kind"] == "error404":
                    return self._send(req, 404, self._error_page(s, 404), head=head)
                if extra["kind"] == "error500":
                    return self._send(req, 500, self._error_page(s, 500), head=head)
                return self._send(req, 200, self._extra(s, extra), head=head)
            return self._send(req, 404, self._error_page(source, 404), head=head)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _send(self, req, status: int, body, ctype: str = "text/html; charset=utf-8",
              headers: dict | None = None, head: bool = False) -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        req.send_response(status)
        req.send_header("Content-Type", ctype)
        req.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            req.send_header(k, v)
        req.end_headers()
        if not head:
            req.wfile.write(body)

    def _send_article(self, req, article: Article, head: bool) -> None:
        body = self._article_html(article, self.phase).encode("utf-8")
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        last_modified = http_date(article.modified(self.phase))
        headers = {"ETag": etag, "Last-Modified": last_modified, "Cache-Control": "max-age=60"}
        inm = req.headers.get("If-None-Match")
        ims = req.headers.get("If-Modified-Since")
        not_modified = False
        if inm is not None:
            not_modified = etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        elif ims:
            try:
                not_modified = parsedate_to_datetime(ims) >= iso_to_dt(article.modified(self.phase)).replace(microsecond=0)
            except (TypeError, ValueError):
                not_modified = False
        if not_modified:
            req.send_response(304)
            for k, v in headers.items():
                req.send_header(k, v)
            req.end_headers()
            return
        self._send(req, 200, body, headers=headers, head=head)

    # -- rendering ---------------------------------------------------------------
    def _chrome(self, s: Source) -> dict:
        nav = "".join(f'<li><a href="{s.prefix}/{slugify(n)}/">{esc(n)}</a></li>' for n in s.nav)
        return {
            "site_name": esc(s.name), "prefix": s.prefix, "nav": nav,
            "ticker": esc(s.ticker), "cookie_text": esc(s.cookie_text),
            "newsletter_title": esc(s.newsletter_title), "newsletter_text": esc(s.newsletter_text),
            "copyright": esc(s.copyright), "feed_link": s.conf.get("feed_link", ""),
            "related": self._related(s, None),
        }

    def _related(self, s: Source, current: Article | None, n: int = 5) -> str:
        items = [a for a in s.articles if a is not current][:n]
        return "".join(f'<li><a href="{a.path}">{esc(a.title)}</a></li>' for a in items)

    def _also_read(self, article: Article) -> list[Article]:
        others = [a for a in article.source.articles if a is not article and not a.meta.get("copy_of")]
        i = article.source.articles.index(article)
        return [others[(i + 1) % len(others)], others[(i + 3) % len(others)]]

    def _body_html(self, article: Article, phase: int) -> str:
        style = article.source.conf.get("also_read_style")
        parts, n_para = [], 0
        for kind, payload in article.blocks:
            if kind == "p":
                parts.append(f"<p>{esc(phase_text(payload, phase))}</p>")
                n_para += 1
                if n_para == 3 and style:
                    parts.append(self._also_read_html(article, style))
                if n_para == 5 and article.source.conf.get("ad_slot"):
                    parts.append('<div class="ad-slot" data-slot="inarticle-1"><span class="ad-label">'
                                 'ADVERTISEMENT</span><div id="gpt-ad-1"></div></div>')
            elif kind == "h2":
                parts.append(f"<h2>{esc(payload)}</h2>")
            elif kind == "ul":
                parts.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in payload) + "</ul>")
            elif kind == "junk":
                parts.append(f"<p>{esc(payload)}</p>")
            elif kind == "link":
                text, href = payload
                parts.append(f'<p><a href="{esc(href)}">{esc(text)}</a></p>')
            elif kind == "added" and phase >= 2:
                parts.append(f"<p>{esc(payload)}</p>")
        return "\n".join(parts)

    def _also_read_html(self, article: Article, style: str) -> str:
        links = self._also_read(article)
        if style == "box":
            items = "".join(f'<li><a href="{a.path}">{esc(a.title)}</a></li>' for a in links)
            return f'<div class="also-read"><p><strong>Also Read:</strong></p><ul>{items}</ul></div>'
        return ('<p class="also-read"><strong>Also Read:</strong> '
                + " | ".join(f'<a href="{a.path}">{esc(a.title)}</a>' for a in links) + "</p>")

    def _article_html(self, article: Article, phase: int) -> str:
        key = ("article", article.path, phase)
        if key in self._cache:
            return self._cache[key]
        s = article.source
        m = article.meta
        canonical = self.url(article.path) if self.base else article.path
        jsonld = {
            "@context": "https://schema.org", "@type": "NewsArticle",
            "headline": article.title, "datePublished": article.published,
            "dateModified": article.modified(phase),
            "author": [{"@type": "Person", "name": m["author"]}],
            "publisher": {"@type": "Organization", "name": s.name},
            "mainEntityOfPage": canonical, "articleSection": m.get("section", "News"),
            "description": article.description(),
        }
        author_slug = slugify(m["author"])
        email = author_slug.replace("-", ".") + "@" + s.conf["mail_domain"]
        values = self._chrome(s) | {
            "title": esc(article.title), "description": esc(article.description()),
            "canonical": esc(canonical), "author": esc(m["author"]), "author_slug": author_slug,
            "role": esc(m.get("role", "Staff Reporter")), "email": email,
            "section": esc(m.get("section", "News")), "section_slug": slugify(m.get("section", "news")),
            "published": article.published, "modified": article.modified(phase),
            "published_human": human_date(article.published),
            "modified_human": human_date(article.modified(phase)),
            "updated_note": (f'<p class="updated">Updated {human_date(article.modified(phase))}</p>'
                             if article.modified(phase) != article.published else ""),
            "jsonld": json.dumps(jsonld, ensure_ascii=False).replace("</", "<\\/"),
            "body": self._body_html(article, phase),
            "related": self._related(s, article),
            "post_id": str(1000 + int(hashlib.md5(article.slug.encode()).hexdigest()[:4], 16)),
        }
        page = self.templates[s.template].substitute(values)
        self._cache[key] = page
        return page

    def _teasers(self, s: Source, articles) -> str:
        return "\n".join(
            f'<li class="teaser"><a href="{a.path}"><h3>{esc(a.title)}</h3></a>'
            f'<p>{esc(" ".join(a.description().split()[:18]))}…</p></li>' for a in articles)

    def _page(self, s: Source, title: str, content: str, og_type: str = "website",
              jsonld_type: str = "CollectionPage") -> str:
        jsonld = json.dumps({"@context": "https://schema.org", "@type": jsonld_type, "name": title},
                            ensure_ascii=False)
        return self.templates["page"].substitute(self._chrome(s) | {
            "title": esc(title), "content": content, "og_type": og_type, "jsonld": jsonld})

    def _front(self, s: Source) -> str:
        listing = s.conf.get("listing", {})
        parts = []
        if listing.get("top"):
            top = self.by_slug[f"{s.id}:{listing['top']}"]
            variants = "".join(f'<a class="variant" href="{esc(v)}">{esc(label)}</a> '
                               for v, label in zip(s.conf.get("tracking_variants", []),
                                                   ("Read the full story", "Comments", "Share")))
            parts.append(f'<section class="top-story"><a href="{top.path}"><h2>{esc(top.title)}</h2></a>'
                         f"<p>{esc(top.description())}</p>{variants}</section>")
        parts.append(f'<ul class="teasers">{self._teasers(s, s.articles)}</ul>')
        extras = [e for e in s.conf.get("extras", []) if e.get("listed", True)]
        if extras and s.kind == "listing":
            parts.append('<section class="more"><h2>More from the Courier</h2><ul>' + "".join(
                f'<li><a href="{e["path"]}">{esc(e["title"])}</a></li>' for e in extras) + "</ul></section>")
        return self._page(s, f"{s.name}: latest news", "\n".join(parts))

    def _extra(self, s: Source, extra: dict) -> str:
        kind = extra["kind"]
        if kind == "section_index":
            content = (f"<h1>{esc(extra['title'])}</h1><ul class=\"teasers\">"
                       f"{self._teasers(s, s.articles[::-1])}</ul>"
                       f'<nav class="pager"><a href="{s.prefix}/">« Newer</a> Page 2 of 14 '
                       f'<a href="{s.prefix}/">Older »</a></nav>')
            return self._page(s, extra["title"], content)
        if kind == "tag_page":
            tagged = [a for a in s.articles if extra.get("tag", "") in a.meta.get("tags", "")] or s.articles[:4]
            content = (f"<h1>{esc(extra['title'])}</h1><p>{len(tagged)} stories tagged "
                       f"“{esc(extra.get('tag', ''))}”</p><ul class=\"teasers\">{self._teasers(s, tagged)}</ul>")
            return self._page(s, extra["title"], content)
        content = extra.get("html", "")
        return self._page(s, extra["title"], content,
                          og_type=extra.get("og_type", "website"),
                          jsonld_type=extra.get("jsonld_type", "WebPage"))

    def _broken(self, article: Article) -> str:
        s = article.source
        teasers = "".join(f'<div class="card"><a href="{a.path}">{esc(a.title)}</a></div>'
                          for a in s.articles[:8])
        return self.templates["redesign"].substitute(self._chrome(s) | {
            "title": esc(article.title), "cards": teasers})

    def _error_page(self, s: Source | None, status: int) -> str:
        if s is None:
            return f"<!DOCTYPE html><html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>"
        title = "Page not found" if status == 404 else "Something went wrong"
        text = ("The page you requested does not exist." if status == 404
                else "Our servers are having trouble right now. Please try again later.")
        return self._page(s, f"{status} {title}", f"<h1>{title}</h1><p>{text}</p>", jsonld_type="WebPage")

    def _home(self) -> str:
        items = "".join(f'<li><a href="{s.prefix}/">{esc(s.name)}</a> ({s.kind}: '
                        + ", ".join(f'<a href="{p}">{p}</a>' for p in s.start) + ")</li>"
                        for s in self.sources.values())
        return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>newsmon fixture site"
                f"</title></head><body><h1>newsmon fixture site</h1><ul>{items}</ul>"
                '<p><a href="/robots.txt">robots.txt</a></p></body></html>')

    def _robots(self) -> str:
        lines = ["User-agent: *", "Allow: /"]
        lines += [f"Disallow: {s.prefix}/search" for s in self.sources.values()]
        lines.append("")
        lines += [f"Sitemap: {self.url(p)}" for s in self.sources.values() for p in s.conf.get("robots_sitemaps", [])]
        return "\n".join(lines) + "\n"

    # -- feeds and sitemaps --------------------------------------------------------
    def _feed_items(self, s: Source) -> list[dict]:
        """Entries in feed order: articles and listed extras, plus feed-only link variants."""
        items = []
        for a in s.articles:
            for path in [a.path, *a.aliases]:
                items.append({"path": path, "title": a.title, "published": a.published,
                              "updated": a.modified(self.phase), "summary": a.description(),
                              "author": a.meta["author"]})
        for extra in s.conf.get("extras", []):
            if extra.get("listed", True):
                items.insert(extra.get("position", len(items)), {
                    "path": extra["path"], "title": extra["title"], "published": extra["published"],
                    "updated": extra["published"], "summary": extra.get("summary", extra["title"]),
                    "author": extra.get("author", s.name)})
        return items

    def _document(self, s: Source, name: str) -> tuple[str, str]:
        if name == "atom":
            return self._atom(s), "application/atom+xml; charset=utf-8"
        if name == "rss":
            return self._rss(s), "application/rss+xml; charset=utf-8"
        if name == "sitemap_index":
            news = self.url(s.documents["news_sitemap"])
            lastmod = max(a.modified(self.phase) for a in s.articles)
            return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                    f"  <sitemap><loc>{news}</loc><lastmod>{lastmod}</lastmod></sitemap>\n"
                    "</sitemapindex>\n"), "application/xml; charset=utf-8"
        if name == "news_sitemap":
            return self._news_sitemap(s), "application/xml; charset=utf-8"
        raise KeyError(name)

    def _atom(self, s: Source) -> str:
        items = self._feed_items(s)
        updated = max(i["updated"] for i in items)
        entries = "".join(
            "  <entry>\n"
            f"    <title>{esc(i['title'])}</title>\n"
            f'    <link rel="alternate" type="text/html" href="{esc(self.url(i["path"]))}"/>\n'
            f"    <id>tag:cpwire.example,2026:{slugify(i['path'])}</id>\n"
            f"    <published>{i['published']}</published>\n"
            f"    <updated>{i['updated']}</updated>\n"
            f"    <author><name>{esc(i['author'])}</name></author>\n"
            f"    <summary>{esc(i['summary'])}</summary>\n"
            "  </entry>\n" for i in items)
        return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
                f"  <title>{esc(s.name)}</title>\n  <id>tag:cpwire.example,2026:feed</id>\n"
                f'  <link rel="self" href="{self.url(s.documents["atom"])}"/>\n'
                f'  <link rel="alternate" href="{self.url(s.prefix + "/")}"/>\n'
                f"  <updated>{updated}</updated>\n{entries}</feed>\n")

    def _rss(self, s: Source) -> str:
        def rfc822(value):
            return format_datetime(iso_to_dt(value), usegmt=True)

        items = self._feed_items(s)
        variants = s.conf.get("feed_link_variants", {})
        out = []
        for i in items:
            link = self.url(variants.get(i["path"], i["path"]))
            out.append(
                "    <item>\n"
                f"      <title>{esc(i['title'])}</title>\n"
                f"      <link>{esc(link)}</link>\n"
                f'      <guid isPermaLink="false">metro-{slugify(i["path"])}</guid>\n'
                f"      <pubDate>{rfc822(i['published'])}</pubDate>\n"
                f"      <atom:updated>{i['updated']}</atom:updated>\n"
                f"      <dc:creator>{esc(i['author'])}</dc:creator>\n"
                f"      <description>{esc(i['summary'])}</description>\n"
                "    </item>\n")
        last = max(i["updated"] for i in items)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/">\n  <channel>\n'
                f"    <title>{esc(s.name)}</title>\n    <link>{self.url(s.prefix + '/')}</link>\n"
                f"    <description>{esc(s.conf.get('tagline', s.name))}</description>\n"
                "    <language>en-gb</language>\n"
                f"    <lastBuildDate>{rfc822(last)}</lastBuildDate>\n"
                f'    <atom:link href="{self.url(s.documents["rss"])}" rel="self" type="application/rss+xml"/>\n'
                + "".join(out) + "  </channel>\n</rss>\n")

    def _news_sitemap(self, s: Source) -> str:
        rows = []
        for i in self._feed_items(s):
            rows.append(
                "  <url>\n"
                f"    <loc>{esc(self.url(i['path']))}</loc>\n"
                f"    <lastmod>{i['updated']}</lastmod>\n"
                "    <news:news>\n"
                "      <news:publication>\n"
                f"        <news:name>{esc(s.name)}</news:name>\n"
                "        <news:language>en</news:language>\n"
                "      </news:publication>\n"
                f"      <news:publication_date>{i['published']}</news:publication_date>\n"
                f"      <news:title>{esc(i['title'])}</news:title>\n"
                "    </news:news>\n"
                "  </url>\n")
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
                + "".join(rows) + "</urlset>\n")


def main() -> None:  # pragma: no cover - manual use: python -m newsmon.demo.site
    import argparse

    parser = argparse.ArgumentParser(description="Serve the newsmon fixture news site on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--phase", type=int, default=1)
    args = parser.parse_args()
    site = FixtureSite()
    site.set_phase(args.phase)
    print(site.start(args.port), flush=True)
    print(site.sources_toml(), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()


if __name__ == "__main__":
    main()
