"""Small single-site servers on 127.0.0.1 for the add-source tests.

Each serves one source of the fixture news site (newsmon.demo.site) as if
it were a whole site of its own: the source's front page at ``/``, its own
pages under its prefix, a robots.txt of its own, and 404 for everything
else. So each one offers exactly one way in:

- ``feed_site()``     The Metro Post: ``<link rel="alternate" type="application/rss+xml">``
                      on the page; no sitemap
- ``sitemap_site()``  The Daily Herald: no feed; robots.txt ``Sitemap:`` -> sitemap
                      index -> Google News sitemap
- ``listing_site()``  Riverside Courier: neither; article links on the front page
- ``NotNewsSite``     a small company site: pages, short product pages, no articles
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from newsmon.demo.site import FixtureSite, LoopbackHTTPServer


class _Server:
    def start(self) -> str:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "AddSourceFixture/1.0"

            def log_message(self, *args):
                pass

            def do_GET(self):
                owner.handle(self, head=False)

            def do_HEAD(self):
                owner.handle(self, head=True)

        self.server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.requests: list[str] = []
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self.base

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def url(self, path: str = "/") -> str:
        return self.base + path

    @staticmethod
    def send(req, status: int, body: str | bytes, ctype: str = "text/html; charset=utf-8", head=False):
        if isinstance(body, str):
            body = body.encode("utf-8")
        req.send_response(status)
        req.send_header("Content-Type", ctype)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        if not head:
            req.wfile.write(body)


class SingleSourceSite(_Server):
    """One source of the fixture site served as a site of its own."""

    def __init__(self, source_id: str, robots_sitemaps: bool = False):
        self.fixture = FixtureSite()
        self.source = self.fixture.sources[source_id]
        self.robots_sitemaps = robots_sitemaps

    def start(self) -> str:
        base = super().start()
        self.fixture.base = base   # absolute URLs in feeds and sitemaps point here
        return base

    def manifest_urls(self) -> set[str]:
        return {a["url"] for a in self.fixture.manifest()["articles"] if a["source_id"] == self.source.id}

    def handle(self, req, head: bool) -> None:
        self.requests.append(req.path)
        path = urlsplit(req.path).path
        if path == "/":
            return self.send(req, 200, self.fixture._front(self.source), head=head)
        if path == "/robots.txt":
            lines = ["User-agent: *", "Allow: /", ""]
            if self.robots_sitemaps:
                lines += [f"Sitemap: {self.url(p)}" for p in self.source.conf.get("robots_sitemaps", [])]
            return self.send(req, 200, "\n".join(lines) + "\n", "text/plain; charset=utf-8", head=head)
        if path == self.source.prefix or path.startswith(self.source.prefix + "/"):
            return self.fixture._handle(req, head)   # the fixture site's own routing
        return self.send(req, 404, "<html><head><title>404 Not Found</title></head>"
                                   "<body><h1>Not Found</h1></body></html>", head=head)


def feed_site() -> SingleSourceSite:
    return SingleSourceSite("metro-post")


def sitemap_site() -> SingleSourceSite:
    return SingleSourceSite("herald", robots_sitemaps=True)


def listing_site() -> SingleSourceSite:
    return SingleSourceSite("courier")


_COMPANY_PAGES = {
    "/": ("Acme Garden Supplies", "Quality tools for every garden since 1998."),
    "/about": ("About us", "We are a family business based in Harbourton."),
    "/contact": ("Contact", "Call us on 555-0137 or write to hello@acme.example."),
    "/services": ("Services", "Delivery, installation and repairs."),
    "/pricing": ("Pricing", "Ask for a quote."),
    "/products/garden-hose-reel-pro": ("Garden hose reel Pro", "A sturdy reel for 30 m of hose. In stock."),
    "/products/cordless-hedge-trimmer-x2": ("Cordless hedge trimmer X2", "Light, quiet, 45 minutes per charge."),
    "/products/raised-bed-cedar-kit": ("Raised bed cedar kit", "Untreated cedar, easy to assemble."),
    "/products/compost-bin-deluxe-330l": ("Compost bin deluxe 330 l", "Made from recycled plastic."),
}


class NotNewsSite(_Server):
    """A small company site: no feed, no sitemap, no articles (short product pages)."""

    def handle(self, req, head: bool) -> None:
        self.requests.append(req.path)
        path = urlsplit(req.path).path
        if path == "/robots.txt":
            return self.send(req, 200, "User-agent: *\nAllow: /\n", "text/plain", head=head)
        page = _COMPANY_PAGES.get(path)
        if page is None:
            return self.send(req, 404, "<html><head><title>404 Not Found</title></head>"
                                       "<body><h1>Not Found</h1></body></html>", head=head)
        title, text = page
        nav = "".join(f'<li><a href="{p}">{t}</a></li>' for p, (t, _) in _COMPANY_PAGES.items())
        html = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} | Acme"
                f"</title></head><body><header><nav><ul>{nav}</ul></nav></header><main><h1>{title}</h1>"
                f"<p>{text}</p></main><footer><p>© 2026 Acme Garden Supplies Ltd.</p></footer></body></html>")
        return self.send(req, 200, html, head=head)
