"""A generated news site of N article pages, served on 127.0.0.1, for benchmarks.

Pages are realistic in size and shape: 20-120 KB of the markup real news
sites send (mega-menus, tickers, share bars with inline SVG icons, figures
with srcset, in-article "Also Read:" blocks and image credits, related-story
grids, comment threads, sidebars, link-column footers, ad slots, inline
scripts and a JSON-LD / hydration blob), in three templates (a WordPress
theme, a React-style div soup with hashed class names, a classic portal
layout), with deterministic prose and attributed quotes so figures are
repeatable. Entry points: /sitemap.xml (urlset of every article, with
lastmod), /feed.xml (the newest 100) and /news/ (a listing of the newest 60).

Pages are generated once, before the server starts, so serving costs no CPU
beyond the socket writes (the bench machine's cores belong to the crawl).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from functools import lru_cache
from http.server import BaseHTTPRequestHandler

from newsmon.demo.site import LoopbackHTTPServer

WORDS = ("the council minister said government report market city police court election "
         "budget health school energy price water climate inflation workers union strike "
         "hospital transport railway airport parliament vote agreement talks officials "
         "according statement spokesperson analysts expected percent million year week "
         "residents local national company investors growth plan proposal decision public "
         "meeting reporters told warned added noted cited sources data survey results "
         "regional bridge flood river harbour ferry fares station network delays rates "
         "bank governor treasury exports harvest drought wildfire inquiry museum library").split()
NAMES = ["Anna Kowalski", "David Osei", "Maria Lopez", "Chen Wei", "Sara Haddad", "Tom Becker",
         "Priya Natarajan", "Lars Eriksen", "Fatima Bello", "Jorge Alvarez"]
ROLES = ["the finance minister", "a council spokesperson", "the union's general secretary",
         "the hospital's chief executive", "an analyst at Northbank", "the mayor"]
CUES = ["said", "told reporters", "added", "warned", "said in a statement"]
SECTIONS = ["World", "Politics", "Business", "Markets", "Climate", "Health", "Science", "Tech",
            "Sport", "Culture", "Opinion", "Local", "Transport", "Education", "Travel", "Weather"]
ICON = ('<svg class="icon icon-{name}" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">'
        '<path d="M{a} {b}c{c} {d} {e} {f} {g} {h}l{a} {c}L{e} {b}z"/>'
        '<path d="M{h} {g}h{f}v{e}H{d}z" fill-rule="evenodd"/></svg>')


def words(rng: random.Random, lo: int, hi: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


def sentence(rng: random.Random) -> str:
    text = words(rng, 12, 28).capitalize()
    r = rng.random()
    if r < 0.12:
        return f"“{text},” {rng.choice(NAMES)} {rng.choice(CUES)}."
    if r < 0.18:
        return f"{rng.choice(NAMES)}, {rng.choice(ROLES)}, said that {words(rng, 8, 16)}."
    return text + "."


def paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def icon(rng: random.Random, name: str) -> str:
    n = lambda: f"{rng.uniform(0, 24):.2f}"  # noqa: E731
    return ICON.format(name=name, a=n(), b=n(), c=n(), d=n(), e=n(), f=n(), g=n(), h=n())


def slug(rng: random.Random, n: int = 6) -> str:
    return "-".join(rng.choice(WORDS) for _ in range(n))


def date_of(i: int) -> str:
    return f"2026-{1 + i % 10:02d}-{1 + i % 27:02d}"


# -- page parts ---------------------------------------------------------------

def mega_menu(rng: random.Random, cls: str) -> str:
    cols = []
    for section in rng.sample(SECTIONS, rng.randint(6, 14)):
        items = "".join(f'<li class="{cls}__item"><a class="{cls}__link" href="/{section.lower()}/{slug(rng, 2)}/">'
                        f"{words(rng, 1, 3).title()}</a></li>" for _ in range(rng.randint(4, 12)))
        cols.append(f'<li class="{cls}__section"><a href="/{section.lower()}/">{section}</a>'
                    f'<ul class="{cls}__sub">{items}</ul></li>')
    return f'<nav class="{cls}" aria-label="Main"><ul class="{cls}__list">{"".join(cols)}</ul></nav>'


def share_bar(rng: random.Random) -> str:
    nets = ["facebook", "twitter", "linkedin", "whatsapp", "email", "print", "copy"]
    return ('<div class="share-bar">' + "".join(
        f'<a class="share share--{n}" href="https://share.example/{n}?u=x" rel="nofollow noopener" '
        f'aria-label="Share on {n}">{icon(rng, n)}<span class="sr-only">{n}</span></a>' for n in nets) + "</div>")


def figure(rng: random.Random, i: int, k: int) -> str:
    src = f"/img/{i}/{k}"
    srcset = ", ".join(f"{src}-{w}.jpg {w}w" for w in (320, 480, 640, 800, 1024, 1280, 1600))
    return (f'<figure class="wp-block-image size-large"><picture><source type="image/webp" '
            f'srcset="{srcset.replace(".jpg", ".webp")}" sizes="(max-width: 800px) 100vw, 800px">'
            f'<img loading="lazy" decoding="async" width="1600" height="900" src="{src}-800.jpg" '
            f'srcset="{srcset}" sizes="(max-width: 800px) 100vw, 800px" alt="{words(rng, 4, 9)}"></picture>'
            f"<figcaption>{words(rng, 6, 14).capitalize()}. Image Source: {rng.choice(NAMES)}/Agency</figcaption></figure>")


def also_read(rng: random.Random, i: int) -> str:
    links = "".join(f'<li><a href="/news/{(i * 7 + k) % 997}.html">{words(rng, 6, 10).title()}</a></li>'
                    for k in range(rng.randint(2, 4)))
    return f'<div class="also-read"><strong>Also Read:</strong><ul>{links}</ul></div>'


def ad_slot(rng: random.Random, k: int) -> str:
    return (f'<div class="ad ad--inarticle" id="div-gpt-ad-{rng.randint(10**9, 10**10)}-{k}" '
            f'data-slot="/21804/news/inarticle_{k}" data-sizes="[[300,250],[728,90]]">'
            f'<span class="ad__label">Advertisement</span><div class="ad__frame"></div></div>')


def cards(rng: random.Random, i: int, n: int, cls: str) -> str:
    out = []
    for k in range(n):
        j = (i * 31 + k * 17) % 997
        out.append(f'<div class="{cls}"><a class="{cls}__media" href="/news/{j}.html">'
                   f'<img loading="lazy" src="/img/{j}/thumb-320.jpg" width="320" height="180" alt=""></a>'
                   f'<div class="{cls}__body"><span class="{cls}__kicker">{rng.choice(SECTIONS)}</span>'
                   f'<h3 class="{cls}__title"><a href="/news/{j}.html">{words(rng, 6, 12).title()}</a></h3>'
                   f'<p class="{cls}__standfirst">{words(rng, 12, 24).capitalize()}.</p>'
                   f'<time class="{cls}__time" datetime="{date_of(j)}T07:00:00Z">{rng.randint(1, 23)} hours ago</time></div></div>')
    return "".join(out)


def comments(rng: random.Random, n: int) -> str:
    out = []
    for k in range(n):
        who = rng.choice(["reader", "localvoice", "jmk", "sceptic", "harbourfan"]) + str(rng.randint(1, 999))
        out.append(f'<li class="comment depth-{1 + k % 3}" id="comment-{rng.randint(1000, 99999)}">'
                   f'<article class="comment-body"><footer class="comment-meta"><div class="comment-author vcard">'
                   f'<img alt="" src="/avatar/{who}.png" class="avatar avatar-48" height="48" width="48">'
                   f'<b class="fn">{who}</b></div><div class="comment-metadata"><a href="#c{k}">'
                   f'<time>{rng.randint(1, 59)} minutes ago</time></a></div></footer>'
                   f'<div class="comment-content"><p>{words(rng, 8, 40).capitalize()}.</p></div>'
                   f'<div class="reply"><a class="comment-reply-link" href="#reply">Reply</a></div></article></li>')
    return f'<section id="comments" class="comments-area"><h2>{n} comments</h2><ol class="comment-list">{"".join(out)}</ol></section>'


def footer(rng: random.Random) -> str:
    cols = "".join(f'<div class="footer-col"><h4>{s}</h4><ul>' + "".join(
        f'<li><a href="/{s.lower()}/{slug(rng, 2)}">{words(rng, 1, 3).title()}</a></li>' for _ in range(rng.randint(5, 10)))
        + "</ul></div>" for s in rng.sample(SECTIONS, 5))
    return (f'<footer class="site-footer"><div class="footer-cols">{cols}</div>'
            f'<p class="copyright">© 2026 Bench News Ltd. All rights reserved.</p>'
            f'<div class="font-status">Font Replacer Active</div></footer>')


def tracking_scripts(rng: random.Random, kb: int) -> str:
    """Inline config/analytics scripts of roughly ``kb`` KB (real pages carry tens of KB)."""
    entries = ",".join(f'"{slug(rng, 2)}_{k}":{{"id":{rng.randint(1, 10**6)},"v":"{rng.random():.8f}"}}'
                       for k in range(kb * 1024 // 45))
    return (f"<script>window.__cfg = {{{entries}}};</script>"
            '<script async src="/static/analytics.js"></script><script async src="/static/ads.js"></script>')


def styles(rng: random.Random, kb: int) -> str:
    rules = "".join(f".c-{rng.randint(0, 10**5):x}{{margin:{rng.randint(0, 40)}px;color:#{rng.randint(0, 0xFFFFFF):06x}}}"
                    for _ in range(kb * 1024 // 40))
    return f"<style>{rules}</style>"


def story(rng: random.Random, i: int, paragraph_tag=lambda p: f"<p>{p}</p>") -> tuple[str, int]:
    """The article body: paragraphs, subheads, figures, ads, an "Also Read:" block."""
    n = rng.randint(6, 22)
    parts = []
    for k in range(n):
        parts.append(paragraph_tag(paragraph(rng, rng.randint(2, 6))))
        if k == 1:
            parts.append(figure(rng, i, k))
        if k == 3:
            parts.append(also_read(rng, i))
        if k and k % 5 == 0:
            parts.append(ad_slot(rng, k))
        if k and k % 7 == 0:
            parts.append(f"<h2>{words(rng, 3, 7).capitalize()}</h2>")
    return "".join(parts), n


def jsonld(title: str, date: str, author: str, i: int) -> str:
    return (f'<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle",'
            f'"headline":"{title}","datePublished":"{date}T08:00:00Z","dateModified":"{date}T09:30:00Z",'
            f'"author":{{"@type":"Person","name":"{author}"}},"mainEntityOfPage":"/news/{i}.html",'
            f'"publisher":{{"@type":"Organization","name":"Bench News"}}}}</script>')


def head(rng, title, date, author, i, css_kb, extra="") -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} | Bench News</title>'
            f'<link rel="canonical" href="/news/{i}.html"><meta name="description" content="{words(rng, 15, 25)}">'
            f'<meta property="og:title" content="{title}"><meta property="og:site_name" content="Bench News">'
            f'<meta property="article:published_time" content="{date}T08:00:00Z"><meta name="author" content="{author}">'
            f'{jsonld(title, date, author, i)}{styles(rng, css_kb)}{extra}</head>')


# -- templates ----------------------------------------------------------------

def wordpress(rng, i, title, date, author) -> str:
    body, _ = story(rng, i)
    tags = "".join(f'<a href="/tag/{w}/" rel="tag">{w}</a>' for w in rng.sample(WORDS, 6))
    sidebar = (f'<aside id="secondary" class="widget-area"><section class="widget widget_popular"><h2>Most read</h2>'
               f'<ol>{"".join(f"<li><a href=/news/{(i + k) % 997}.html>{words(rng, 6, 10).title()}</a></li>" for k in range(10))}</ol></section>'
               f'<section class="widget widget_newsletter"><h2>Newsletter</h2><form action="/subscribe"><input type="email" name="e">'
               f'<button>Sign up</button></form><p>Loading headlines...</p></section>'
               f'<section class="widget widget_tag_cloud"><div class="tagcloud">{tags * 3}</div></section></aside>')
    return (head(rng, title, date, author, i, rng.randint(3, 12))
            + '<body class="post-template-default single single-post"><div id="page" class="site">'
            f'<header id="masthead" class="site-header"><div class="site-branding"><a href="/">Bench News</a></div>'
            f'{mega_menu(rng, "main-menu")}<div class="trending-bar"><strong>Trending:</strong> '
            f'{" | ".join(words(rng, 3, 5) for _ in range(6))}</div></header>'
            '<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">'
            f'<article class="post type-post status-publish format-standard hentry"><header class="entry-header">'
            f'<h1 class="entry-title">{title}</h1><div class="entry-meta"><span class="byline">By '
            f'<a class="url fn n" href="/author/x/">{author}</a></span> <time class="entry-date published" '
            f'datetime="{date}T08:00:00Z">{date}</time></div></header>{share_bar(rng)}'
            f'<div class="entry-content">{body}</div><footer class="entry-footer"><span class="tags-links">{tags}</span>'
            f'</footer></article>{share_bar(rng)}<section class="related-posts"><h2>Related</h2>'
            f'{cards(rng, i, rng.randint(4, 9), "related-card")}</section>{comments(rng, rng.randint(0, 25))}'
            f'</main></div>{sidebar}</div>{footer(rng)}</div>{tracking_scripts(rng, rng.randint(4, 30))}</body></html>')


def react(rng, i, title, date, author) -> str:
    h = lambda: f"css-{rng.randint(0, 36**6):x}"  # noqa: E731
    body, _ = story(rng, i, lambda p: f'<div class="{h()}" data-component="text-block"><p class="{h()}">{p}</p></div>')
    data = ",".join(f'{{"id":"{rng.randint(10**5, 10**6)}","headline":"{words(rng, 6, 10)}",'
                    f'"summary":"{words(rng, 15, 30)}","url":"/news/{rng.randint(0, 996)}.html"}}'
                    for _ in range(rng.randint(10, 60)))
    rail = "".join(f'<div class="{h()}" data-testid="rail-item"><div class="{h()}"><div class="{h()}">'
                   f'<a class="{h()}" href="/news/{(i + k * 3) % 997}.html"><span class="{h()}">{words(rng, 6, 11).title()}'
                   f'</span></a></div><span class="{h()}">{rng.choice(SECTIONS)}</span></div></div>' for k in range(rng.randint(8, 20)))
    return (head(rng, title, date, author, i, rng.randint(2, 8))
            + f'<body><div id="__next"><div class="{h()}"><header class="{h()}" data-testid="header">'
            f'<div class="{h()}"><a href="/" class="{h()}">{icon(rng, "logo")}Bench News</a>'
            f'<button class="{h()}">{icon(rng, "menu")}</button><button class="{h()}">{icon(rng, "search")}</button></div>'
            f'{mega_menu(rng, h())}<div class="{h()}" data-testid="live-ticker">Loading headlines...</div></header>'
            f'<main class="{h()}"><div class="{h()}"><div class="{h()}"><article class="{h()}" data-testid="article">'
            f'<div class="{h()}"><h1 class="{h()}" data-testid="headline">{title}</h1></div>'
            f'<div class="{h()}" data-testid="byline"><div class="{h()}">{icon(rng, "user")}<span>By {author}</span></div>'
            f'<time datetime="{date}T08:00:00Z">{date}</time></div>{share_bar(rng)}'
            f'<div class="{h()}" data-testid="article-body">{body}</div></article>'
            f'<section class="{h()}" data-testid="more"><h2>More on this story</h2>{rail}</section></div>'
            f'<aside class="{h()}"><h2>Most read</h2>{cards(rng, i, rng.randint(5, 10), h())}</aside></div></main>'
            f'{footer(rng)}</div></div><script id="__NEXT_DATA__" type="application/json">{{"props":{{"pageProps":'
            f'{{"related":[{data}]}}}}}}</script>{tracking_scripts(rng, rng.randint(2, 20))}</body></html>')


def portal(rng, i, title, date, author) -> str:
    body, _ = story(rng, i)
    crumbs = " &raquo; ".join(f'<a href="/{s.lower()}/">{s}</a>' for s in rng.sample(SECTIONS, 3))
    boxes = "".join(f'<div class="box"><h3 class="box-title">{s}</h3><ul class="box-list">'
                    + "".join(f'<li><a href="/news/{rng.randint(0, 996)}.html">{words(rng, 5, 9).title()}</a>'
                              f'<span class="date">{date}</span></li>' for _ in range(rng.randint(4, 10)))
                    + "</ul></div>" for s in rng.sample(SECTIONS, rng.randint(3, 7)))
    return (head(rng, title, date, author, i, rng.randint(2, 10))
            + f'<body><div class="wrapper"><div class="topbar"><span>{date}</span> <a href="/login">Log in</a></div>'
            f'<table class="layout" width="100%"><tr><td class="logo"><a href="/">Bench News</a></td>'
            f'<td class="ads">{ad_slot(rng, 0)}</td></tr></table>{mega_menu(rng, "nav")}'
            f'<div class="breadcrumbs">{crumbs}</div><div class="cols"><div class="col-main">'
            f'<div class="story"><h1>{title}</h1><p class="byline">By {author} | {date}</p>'
            f'<div class="story-body">{body}</div><div class="story-tools">{share_bar(rng)}</div></div>'
            f'<div class="more-news"><h2>More news</h2>{cards(rng, i, rng.randint(3, 8), "teaser")}</div>'
            f'{comments(rng, rng.randint(0, 12))}</div><div class="col-side">{boxes}</div></div>'
            f'{footer(rng)}</div>{tracking_scripts(rng, rng.randint(2, 25))}</body></html>')


TEMPLATES = (wordpress, react, portal)


@lru_cache(maxsize=256)
def article_page(i: int) -> bytes:
    rng = random.Random(i)
    title = words(rng, 6, 11).title()
    author = rng.choice(NAMES)
    return TEMPLATES[i % len(TEMPLATES)](rng, i, title, date_of(i), author).encode()


class BenchSite:
    """The generated site on 127.0.0.1; ``requests`` counts them, ``paths`` by kind."""

    def __init__(self, n: int, latency: float = 0.0, pages: list[bytes] | None = None):
        """``pages``: serve these (e.g. real pages from files) as /news/<i>.html, without
        a charset in their Content-Type (the page's own <meta> says it), instead of
        ``n`` generated ones."""
        self.n = len(pages) if pages is not None else n
        self.latency = latency
        self.requests = 0
        self.paths: Counter = Counter()
        self._lock = threading.Lock()
        self.server = None
        self.real = pages is not None
        self.pages = pages if pages is not None else [article_page.__wrapped__(i) for i in range(n)]

    def start(self) -> str:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"   # keep-alive, as real servers do

            def log_message(self, *args):
                pass

            def do_GET(self):
                with site._lock:
                    site.requests += 1
                    site.paths[site.kind(self.path)] += 1
                if site.latency:
                    import time
                    time.sleep(site.latency)
                body, ctype = site.route(self.path)
                self.send_response(200 if body is not None else 404)
                body = body or b"not found"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.base_url

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @staticmethod
    def kind(path: str) -> str:
        if path.startswith("/news/") and path.endswith(".html"):
            return "article"
        if path in ("/sitemap.xml", "/feed.xml", "/news/"):
            return "entry"
        return path

    def clear_requests(self) -> None:
        with self._lock:
            self.requests = 0
            self.paths.clear()

    def route(self, path: str):
        if path == "/robots.txt":
            return b"User-agent: *\nAllow: /\n", "text/plain"
        if path == "/sitemap.xml":
            urls = "".join(f"<url><loc>{self.base_url}/news/{i}.html</loc><lastmod>{date_of(i)}T08:00:00Z</lastmod></url>"
                           for i in range(self.n))
            return (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"{urls}</urlset>").encode(), "application/xml"
        if path == "/feed.xml":
            items = "".join(f"<item><title>Story {i}</title><link>{self.base_url}/news/{i}.html</link>"
                            f"<pubDate>{date_of(i)}T08:00:00Z</pubDate></item>"
                            for i in range(self.n - 1, max(-1, self.n - 101), -1))
            return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>{items}'
                    "</channel></rss>").encode(), "application/rss+xml"
        if path == "/news/":
            links = "".join(f'<li><a href="/news/{i}.html">Story {i}</a></li>'
                            for i in range(self.n - 1, max(-1, self.n - 61), -1))
            return f"<html><body><ul>{links}</ul></body></html>".encode(), "text/html; charset=utf-8"
        if path.startswith("/news/") and path.endswith(".html"):
            try:
                i = int(path[6:-5])
            except ValueError:
                return None, "text/plain"
            if 0 <= i < self.n:
                return self.pages[i], "text/html" if self.real else "text/html; charset=utf-8"
        return None, "text/plain"

    def sources_toml(self, settings: str = "") -> str:
        """A sitemap source with the fast per-source settings a loopback bench may use."""
        settings = settings or ("DOWNLOAD_DELAY = 0, AUTOTHROTTLE_ENABLED = false, "
                                "CONCURRENT_REQUESTS_PER_DOMAIN = 16")
        return (f'[sources.bench]\nname = "Bench"\nkind = "sitemap"\nurls = ["{self.base_url}/sitemap.xml"]\n'
                f"settings = {{ {settings} }}\nmax_pages = {self.n + 10}\n")

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def page_sizes(n: int = 60) -> tuple[int, int, float]:
    sizes = [len(article_page(i)) for i in range(n)]
    return min(sizes), max(sizes), sum(sizes) / len(sizes)
