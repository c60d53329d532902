"""A generated news site of N article pages, served on 127.0.0.1, for benchmarks.

Pages are realistic in size and shape (20-120 KB, nav, ticker, related-link
blocks, footer, scripts, JSON-LD, three templates), with deterministic
prose so figures are repeatable. Entry points: /sitemap.xml (urlset of
every article) and /feed.xml (the newest 100).
"""

from __future__ import annotations

import random
import threading
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORDS = ("the council minister said government report market city police court election "
         "budget health school energy price water climate inflation workers union strike "
         "hospital transport railway airport parliament vote agreement talks officials "
         "according statement spokesperson analysts expected percent million year week "
         "residents local national company investors growth plan proposal decision public "
         "meeting reporters told warned added noted cited sources data survey results").split()
NAMES = ["Anna Kowalski", "David Osei", "Maria Lopez", "Chen Wei", "Sara Haddad", "Tom Becker"]


def paragraph(rng: random.Random, sentences: int) -> str:
    out = []
    for _ in range(sentences):
        words = [rng.choice(WORDS) for _ in range(rng.randint(12, 28))]
        sentence = " ".join(words).capitalize() + "."
        if rng.random() < 0.2:
            sentence = f"“{sentence[:-1]},” {rng.choice(NAMES)} said."
        out.append(sentence)
    return " ".join(out)


def chrome(rng: random.Random, n_links: int) -> str:
    links = "".join(f'<li><a href="/section/{i}">Section {i} {rng.choice(WORDS)}</a></li>' for i in range(n_links))
    return f'<nav class="menu"><ul>{links}</ul></nav><div class="ticker">Loading headlines...</div>'


@lru_cache(maxsize=256)
def article_page(i: int) -> bytes:
    rng = random.Random(i)
    template = i % 3
    title = " ".join(rng.choice(WORDS) for _ in range(8)).title()
    date = f"2026-{1 + i % 10:02d}-{1 + i % 27:02d}"
    paras = "".join(f"<p>{paragraph(rng, rng.randint(3, 6))}</p>" for _ in range(rng.randint(6, 18)))
    related = "".join(f'<li><a href="/news/{(i * 7 + k) % 1000}.html">{" ".join(rng.choice(WORDS) for _ in range(7)).title()}</a></li>' for k in range(6))
    # padding that real pages carry: inline scripts, styles, menus
    script = "<script>var cfg = {" + ",".join(f'"k{k}": "{rng.random()}"' for k in range(rng.randint(200, 2500))) + "};</script>"
    body = (f'<article><h1>{title}</h1><p class="byline">By {rng.choice(NAMES)}</p>'
            f'<time datetime="{date}T08:00:00Z">{date}</time>{paras}'
            f'<aside class="related"><h3>Also Read:</h3><ul>{related}</ul></aside></article>')
    jsonld = (f'<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle",'
              f'"headline":"{title}","datePublished":"{date}T08:00:00Z"}}</script>')
    wrappers = [("<main>", "</main>"), ('<div id="content"><div class="story">', "</div></div>"),
                ('<section class="page">', "</section>")][template]
    html = (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{title}</title>{jsonld}"
            f"<style>{'.c{color:red}' * rng.randint(50, 600)}</style></head><body>"
            f"{chrome(rng, rng.randint(20, 80))}{wrappers[0]}{body}{wrappers[1]}"
            f"<footer>© 2026 Bench News. All rights reserved.</footer>{script}</body></html>")
    return html.encode()


class BenchSite:
    def __init__(self, n: int, latency: float = 0.0):
        self.n = n
        self.latency = latency
        self.requests = 0
        self._lock = threading.Lock()
        self.server = None

    def start(self) -> str:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                with site._lock:
                    site.requests += 1
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.base_url

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def route(self, path: str):
        if path == "/robots.txt":
            return b"User-agent: *\nAllow: /\n", "text/plain"
        if path == "/sitemap.xml":
            urls = "".join(f"<url><loc>{self.base_url}/news/{i}.html</loc></url>" for i in range(self.n))
            return (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"{urls}</urlset>").encode(), "application/xml"
        if path.startswith("/news/") and path.endswith(".html"):
            try:
                i = int(path[6:-5])
            except ValueError:
                return None, "text/plain"
            if 0 <= i < self.n:
                return article_page(i), "text/html; charset=utf-8"
        return None, "text/plain"

    def sources_toml(self) -> str:
        return (f'[sources.bench]\nname = "Bench"\nkind = "sitemap"\nurls = ["{self.base_url}/sitemap.xml"]\n'
                'settings = { DOWNLOAD_DELAY = 0, AUTOTHROTTLE_ENABLED = false, '
                'CONCURRENT_REQUESTS_PER_DOMAIN = 32, CONCURRENT_REQUESTS = 32 }\n'
                f"max_pages = {self.n + 10}\n")

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def page_sizes(n: int = 50) -> tuple[int, int, float]:
    sizes = [len(article_page(i)) for i in range(n)]
    return min(sizes), max(sizes), sum(sizes) / len(sizes)
