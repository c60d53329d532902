"""A hostile web on 127.0.0.1: one small HTTP server per case of issue #7.

Every case is its own server (its own port, so its own robots.txt and its
own download slot) and its own source in the generated sources.toml. Each
serves a few good articles (``/good/<n>.html``) next to the hostile pages,
so a test can check that the crawl finishes, stores the good articles and
counts the hostile ones under a named reason.

Cases (``CASES``): bombs, html, feeds, sitemaps, redirects, traps,
robots-disallow, robots-404, robots-500, robots-timeout, throttle, types,
xss, secrets, plus two helper servers: ``elsewhere`` (a second origin that
a redirect may reach when allowed) and ``forbidden`` (a loopback port no
source allows: nothing may ever reach it).

    site = HostileSite(); site.start()
    config.write_text(site.sources_toml(["bombs"]))
    ...
    site.stop()

Nothing here talks to any address but 127.0.0.1.
"""

from __future__ import annotations

import html
import json
import random
import threading
import time
import zlib
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from newsmon.demo.site import LoopbackHTTPServer

SERVED_CASES = (
    "bombs", "html", "feeds", "sitemaps", "redirects", "traps",
    "robots-disallow", "robots-404", "robots-500", "robots-timeout",
    "throttle", "types", "xss", "secrets", "elsewhere", "forbidden",
)
HELPERS = ("elsewhere", "forbidden")
CASES = tuple(c for c in SERVED_CASES if c not in HELPERS)
GOOD_N = 3
MiB = 1024 * 1024
BOMB_SIZE = 256 * MiB           # decompressed size of the compression bombs
BIG_SIZE = 20 * MiB             # plain oversized bodies
STALL_SECONDS = 60

WORDS = ("council minister government report market city police court election budget "
         "health school energy price water climate inflation workers union strike hospital "
         "transport railway airport parliament vote agreement talks officials statement "
         "spokesperson analysts percent million residents company investors growth plan "
         "proposal decision public meeting reporters harbour bridge ferry library museum "
         "farmers bakery river storm festival orchestra stadium teachers nurses engineers "
         "pipeline factory tunnel garden village district mayor judge jury witness").split()
NAMES = ["Anna Kowalski", "David Osei", "Maria Lopez", "Chen Wei", "Sara Haddad", "Tom Becker"]

RU_SENTENCES = [
    "Правительство объявило новые меры поддержки для фермеров региона.",
    "Министр сельского хозяйства заявил, что программа начнётся весной.",
    "Эксперты считают, что урожай пшеницы в этом году будет рекордным.",
    "Местные жители приветствовали решение о строительстве новой дороги.",
    "Городской совет обсудил бюджет на следующий год на открытом заседании.",
]
META_REFRESH_PAGES = ("/r/meta", "/r/meta-far", "/r/meta-utf16")   # their targets: /r/meta-target/<n>.html
JA_SENTENCES = [
    "東京都は新しい公園を開くと発表しました。",
    "市長は記者会見で予算案について説明しました。",
    "専門家によると今年の米の収穫量は増える見込みです。",
    "地元の住民は新しい図書館の開館を歓迎しています。",
    "鉄道会社は来月から運賃を値上げすると明らかにしました。",
]
LATIN1_SENTENCES = [
    "Le café de la gare à Zürich était fermé pour la journée, a déclaré le maire.",
    "Les élèves ont visité le musée après la rénovation de la façade.",
    "Le comité a approuvé le budget de la crèche et de la bibliothèque municipale.",
]


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def prose(seed: str, paragraphs: int = 6) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(paragraphs):
        sentences = []
        for _ in range(rng.randint(3, 5)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(12, 22))]
            sentences.append(" ".join(words).capitalize() + ".")
        out.append(" ".join(sentences))
    return out


def article_html(title: str, paragraphs: list[str], *, charset: str | None = "utf-8",
                 lang: str = "en", date: str = "2026-03-02", title_html: str | None = None) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    title_html = title_html if title_html is not None else esc(title)
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html lang=\"{lang}\"><head>{meta}<title>{title_html}</title>"
            f'<meta property="og:type" content="article"></head><body>'
            f'<header><nav><a href="/">Home</a> <a href="/world/">World</a></nav></header>'
            f"<main><article><h1>{title_html}</h1><p class=\"byline\">By {NAMES[len(title) % len(NAMES)]}</p>"
            f'<time datetime="{date}T08:00:00Z">{date}</time>{body}</article></main>'
            f"<footer>© 2026 Hostile Gazette</footer></body></html>")


def good_title(case: str, n: int) -> str:
    return f"{case.replace('-', ' ').title()} Good Story Number {n}"


def good_article(case: str, n: int) -> tuple[str, str]:
    """(title, html) of good article ``n`` of ``case``."""
    title = good_title(case, n)
    paras = prose(f"{case}-{n}")
    paras[0] = f"Key sentence of {case} story {n} about the harbour bridge. " + paras[0]
    return title, article_html(title, paras)


# -- compressed and oversized bodies (built once per process) -------------------

def _zeros_chunks(total: int, chunk: int = MiB):
    zero = bytes(chunk)
    for _ in range(total // chunk):
        yield zero


@cache
def bomb(encoding: str, size: int = BOMB_SIZE) -> bytes:
    """``size`` bytes of a zero-filled "HTML" page, compressed with ``encoding``."""
    head = b"<html><body><p>"
    if encoding in ("gzip", "deflate"):
        comp = zlib.compressobj(9, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
        out = [comp.compress(head)] + [comp.compress(c) for c in _zeros_chunks(size)]
        return b"".join(out) + comp.flush()
    if encoding == "br":
        import brotli
        comp = brotli.Compressor(quality=5)
        out = [comp.process(head)] + [comp.process(c) for c in _zeros_chunks(size)]
        return b"".join(out) + comp.finish()
    if encoding == "zstd":
        try:
            from compression import zstd  # Python 3.14
        except ImportError:
            from backports import zstd
        comp = zstd.ZstdCompressor()
        out = [comp.compress(head)] + [comp.compress(c) for c in _zeros_chunks(size)]
        return b"".join(out) + comp.flush()
    raise ValueError(encoding)


@cache
def big_html(size: int = BIG_SIZE) -> bytes:
    unit = b"<p>filler text of an enormous page</p>\n"
    return b"<html><body>" + unit * (size // len(unit)) + b"</body></html>"


def nested_html(depth: int = 100_000) -> str:
    return ("<html><head><title>Nested</title></head><body>" + "<div>" * depth
            + "<p>deep</p>" + "</div>" * depth + "</body></html>")


def slow_html(n: int = 120_000) -> str:
    # ~1 MB of tiny paragraphs: takes trafilatura minutes (measured: 300k -> 6 min)
    return ("<html><head><title>Tiny</title></head><body><article>"
            + "<p>a b</p>" * n + "</article></body></html>")


def binary_body(size: int = 200_000) -> bytes:
    rng = random.Random(7)
    return bytes(rng.getrandbits(8) for _ in range(size))


def xml_laughs(root: str) -> bytes:
    ents = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)]
    doctype = f"<!DOCTYPE {root} [{''.join(ents)}]>"
    return doctype.encode()


# -- the server -------------------------------------------------------------------

class HostileSite:
    """Start with ``start()``; ``base(case)`` is the case's origin."""

    def __init__(self, cases=SERVED_CASES):
        self.cases = tuple(cases)
        for helper in HELPERS:
            if helper not in self.cases:
                self.cases += (helper,)
        self.servers: dict[str, ThreadingHTTPServer] = {}
        self.threads: list[threading.Thread] = []
        self.refusal_latency = 0.0   # seconds the throttle case takes to answer a 429/503
        self._log: dict[str, list[dict]] = {c: [] for c in self.cases}
        self._counters: dict[tuple, int] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.aborted: list[tuple[str, str]] = []     # (case, path) whose body the client cut off

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> HostileSite:
        site = self
        for case in self.cases:
            class Handler(BaseHTTPRequestHandler):
                server_version = "Hostile/1.0"
                case_name = case

                def log_message(self, *args):
                    pass

                def do_GET(self):
                    site._handle(self.case_name, self)

            server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
            server.daemon_threads = True
            self.servers[case] = server
            thread = threading.Thread(target=server.serve_forever, name=f"hostile-{case}", daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopping.set()
        for server in self.servers.values():
            server.shutdown()
            server.server_close()
        self.servers.clear()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def port(self, case: str) -> int:
        return self.servers[case].server_address[1]

    def base(self, case: str) -> str:
        return f"http://127.0.0.1:{self.port(case)}"

    def url(self, case: str, path: str) -> str:
        return self.base(case) + path

    def requests(self, case: str) -> list[dict]:
        with self._lock:
            return list(self._log[case])

    def paths(self, case: str) -> list[str]:
        return [r["path"] for r in self.requests(case)]

    def good_urls(self, case: str) -> list[str]:
        return [self.url(case, f"/good/{n}.html") for n in range(1, GOOD_N + 1)]

    # -- config -------------------------------------------------------------------------
    def source_table(self, case: str) -> dict:
        """The sources.toml table of ``case`` (settings are added by sources_toml)."""
        b = self.base(case)
        feed = {"kind": "feed", "urls": [b + "/feed.xml"]}
        tables = {
            "bombs": feed,
            "html": feed | {"settings": {"NEWSMON_EXTRACT_TIMEOUT": 5, "NEWSMON_WORKERS": 2}},
            "feeds": {"kind": "feed", "urls": [b + p for p in (
                "/feed.xml", "/feeds/laughs.xml", "/feeds/xxe.xml", "/feeds/malformed.xml",
                "/feeds/binary.xml")]},
            "sitemaps": {"kind": "sitemap", "max_pages": 40, "urls": [b + p for p in (
                "/sitemap.xml", "/sitemaps/laughs.xml", "/sitemaps/xxe.xml", "/sitemaps/malformed.xml",
                "/sitemaps/deep/0.xml", "/sitemaps/wide.xml", "/sitemaps/million.xml",
                "/sitemaps/bomb.xml.gz", "/sitemaps/huge.xml")],
                "settings": {"NEWSMON_SITEMAP_MAXSIZE": 8 * MiB, "NEWSMON_MAX_SITEMAPS": 25}},
            "redirects": lambda: feed | {"settings": {
                "NEWSMON_ALLOW_PRIVATE_HOSTS": [f"127.0.0.1:{self.port('elsewhere')}"],
                "DEFAULT_REQUEST_HEADERS": {"Authorization": "Bearer auth-token-SECRET",
                                            "Cookie": "session=cookie-SECRET"}}},
            "traps": {"kind": "listing", "urls": [b + "/listing.html"], "max_pages": 30,
                      "article_patterns": ["/good/", "/calendar/", "/search", "/story/"]},
            "robots-disallow": feed, "robots-404": feed, "robots-500": feed,
            "robots-timeout": feed | {"settings": {"DOWNLOAD_TIMEOUT": 2, "RETRY_ENABLED": False}},
            "throttle": feed | {"settings": {"DOWNLOAD_TIMEOUT": 2, "RETRY_TIMES": 2}},
            "types": feed,
            "xss": feed,
            "secrets": lambda: feed | {"settings": {
                "NEWSMON_PROXY": f"http://proxyuser:proxy-PASSWORD-SECRET@127.0.0.1:{self.port('secrets')}",
                "DEFAULT_REQUEST_HEADERS": {"Authorization": "Bearer header-token-SECRET"},
                "NEWSMON_API_KEY": "apikey-SECRET",
                # a Scrapy setting: Scrapy itself logs it under "Overridden settings"
                "AWS_SECRET_ACCESS_KEY": "aws-key-SECRET"}},
        }
        table = tables[case]
        return {"name": f"Hostile {case}"} | (table() if callable(table) else table)

    def sources_toml(self, cases=None, settings: dict | None = None, options: dict | None = None) -> str:
        """sources.toml for ``cases`` (default: all). ``settings`` adds per-source
        Scrapy settings to every source (e.g. the fast loopback settings)."""
        out = []
        if options:
            out.append("[newsmon]")
            out += [f"{k} = {json.dumps(v)}" for k, v in options.items()]
            out.append("")
        for case in cases or CASES:
            table = self.source_table(case)
            merged = dict(settings or {}) | table.get("settings", {})
            out.append(f'[sources."{case}"]')
            for key, value in table.items():
                if key != "settings":
                    out.append(f"{key} = {json.dumps(value)}")
            if merged:
                out.append("settings = " + _toml_inline(merged))
            out.append("")
        return "\n".join(out)

    # -- entries per case ---------------------------------------------------------------------
    def entries(self, case: str) -> list[str]:
        good = [f"/good/{n}.html" for n in range(1, GOOD_N + 1)]
        hostile = {
            "bombs": ["/bomb/gzip.html", "/bomb/deflate.html", "/bomb/br.html", "/bomb/zstd.html",
                      "/big/length.html", "/big/nolength.html"],
            "html": ["/html/nested.html", "/html/slow.html", "/html/nul.html", "/html/binary.html",
                     "/html/cp1251.html", "/html/sjis.html", "/html/latin1.html", "/html/huge.html"],
            "redirects": ["/r/loop-a", "/r/chain/0", "/r/file", "/r/data", "/r/ftp", "/r/private",
                          "/r/cross", "/r/same", *META_REFRESH_PAGES],
            "robots-disallow": ["/private/secret.html"],
            "throttle": ["/t/429.html", "/t/503.html", "/t/stall.html", "/t/drip.html"],
            "types": ["/files/report.pdf", "/files/photo.jpg", "/files/clip.mp4", "/files/data.bin"],
            "xss": ["/x/script.html"],
        }.get(case, [])
        return good + hostile

    # -- request handling -------------------------------------------------------------------------
    def _count(self, case: str, key: str) -> int:
        with self._lock:
            n = self._counters.get((case, key), 0) + 1
            self._counters[(case, key)] = n
            return n

    def _handle(self, case: str, req: BaseHTTPRequestHandler) -> None:
        raw = req.path
        via_proxy = raw.startswith("http://")
        parts = urlsplit(raw)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        with self._lock:
            self._log[case].append({"path": path, "headers": dict(req.headers.items()),
                                    "time": time.monotonic(), "via_proxy": via_proxy})
        try:
            self._route(case, req, path)
        except (BrokenPipeError, ConnectionResetError):
            with self._lock:
                self.aborted.append((case, path))

    def _send(self, req, status: int, body: bytes | str = b"", ctype: str = "text/html; charset=utf-8",
              headers: dict | None = None, length: bool = True) -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        req.send_response(status)
        if ctype:
            req.send_header("Content-Type", ctype)
        if length:
            req.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            req.send_header(k, v)
        req.end_headers()
        view = memoryview(body)
        for i in range(0, len(body), 256 * 1024):
            req.wfile.write(view[i:i + 256 * 1024])
        req.wfile.flush()

    def _redirect(self, req, location: str, status: int = 302) -> None:
        self._send(req, status, b"", headers={"Location": location})

    def _wait(self, seconds: float) -> bool:
        """Sleep unless the site is stopping; True if stopping."""
        return self._stopping.wait(seconds)

    def _route(self, case: str, req, path: str) -> None:
        b = self.base(case)
        if path == "/robots.txt":
            return self._robots(case, req)
        if path.startswith("/good/") and path.endswith(".html"):
            try:
                n = int(path[6:-5])
            except ValueError:
                return self._send(req, 404, "<h1>Not found</h1>")
            title, page = good_article(case, n)
            return self._send(req, 200, page)
        if path == "/feed.xml":
            return self._send(req, 200, self._rss(case, self.entries(case)), "application/rss+xml")
        if path == "/sitemap.xml":
            return self._send(req, 200, self._urlset([b + p for p in self.entries(case)]), "application/xml")
        handler = getattr(self, "_case_" + case.replace("-", "_"), None)
        if handler is not None and handler(req, path) is not False:
            return None
        return self._send(req, 404, "<html><head><title>Not found</title></head><body><h1>Not found</h1></body></html>")

    def _robots(self, case: str, req) -> None:
        if case == "robots-404":
            return self._send(req, 404, "not here", "text/plain")
        if case == "robots-500":
            return self._send(req, 500, "oops", "text/plain")
        if case == "robots-timeout":
            self._wait(STALL_SECONDS)
            return None
        if case == "robots-disallow":
            return self._send(req, 200, "User-agent: *\nDisallow: /private/\n", "text/plain")
        return self._send(req, 200, "User-agent: *\nAllow: /\n", "text/plain")

    def _rss(self, case: str, paths: list[str], extra_head: str = "") -> str:
        items = "".join(
            f"<item><title>Entry {i}</title><link>{esc(self.url(case, p))}</link>"
            f"<pubDate>Mon, 02 Mar 2026 08:00:00 GMT</pubDate></item>" for i, p in enumerate(paths))
        return (f'<?xml version="1.0" encoding="utf-8"?>{extra_head}<rss version="2.0"><channel>'
                f"<title>Hostile {case}</title><link>{self.base(case)}/</link>{items}</channel></rss>")

    @staticmethod
    def _urlset(urls, extra_head: str = "") -> str:
        body = "".join(f"<url><loc>{esc(u)}</loc></url>" for u in urls)
        return (f'<?xml version="1.0" encoding="utf-8"?>{extra_head}'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>')

    @staticmethod
    def _index(urls) -> str:
        body = "".join(f"<sitemap><loc>{esc(u)}</loc></sitemap>" for u in urls)
        return (f'<?xml version="1.0" encoding="utf-8"?>'
                f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>')

    # 1. compression bombs, oversized bodies
    def _case_bombs(self, req, path):
        if path.startswith("/bomb/"):
            enc = path[6:-5]
            return self._send(req, 200, bomb(enc), headers={"Content-Encoding": enc})
        if path == "/big/length.html":
            return self._send(req, 200, big_html())
        if path == "/big/nolength.html":
            # HTTP/1.0 style: no Content-Length, the body ends when the connection closes
            return self._send(req, 200, big_html(), length=False)
        return False

    # 2. pathological HTML and encodings
    def _case_html(self, req, path):
        if path == "/html/nested.html":
            return self._send(req, 200, nested_html())
        if path == "/html/slow.html":
            return self._send(req, 200, slow_html())
        if path == "/html/nul.html":
            title = "Null Bytes Story About The Harbour Ferry"
            paras = prose("nul-page")
            page = article_html(title, paras).replace("<p>", "<p>\x00", 3).replace("harbour", "har\x00bour")
            return self._send(req, 200, page)
        if path == "/html/binary.html":
            return self._send(req, 200, binary_body())
        if path == "/html/huge.html":
            return self._send(req, 200, big_html())
        if path == "/html/cp1251.html":
            paras = [" ".join(RU_SENTENCES[i:] + RU_SENTENCES[:i]) * 2 for i in range(5)]
            page = article_html("Новости региона: поддержка фермеров", paras, charset=None, lang="ru")
            return self._send(req, 200, page.encode("cp1251", "xmlcharrefreplace"), "text/html")
        if path == "/html/sjis.html":
            # Japanese as it is written: no spaces between words or sentences
            paras = ["".join((JA_SENTENCES[i:] + JA_SENTENCES[:i]) * 2) for i in range(5)]
            page = article_html("東京の新しい公園", paras, charset=None, lang="ja")
            return self._send(req, 200, page.encode("shift_jis", "xmlcharrefreplace"), "text/html")
        if path == "/html/latin1.html":
            paras = [" ".join(LATIN1_SENTENCES * 3) for _ in range(4)]
            page = article_html("Café fermé à Zürich", paras, charset="utf-8", lang="fr")
            return self._send(req, 200, page.encode("latin-1", "xmlcharrefreplace"), "text/html; charset=utf-8")
        return False

    # 3. feeds and sitemaps
    def _case_feeds(self, req, path):
        if path == "/feeds/laughs.xml":
            body = (b'<?xml version="1.0"?>' + xml_laughs("rss")
                    + b'<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title>'
                    + f"<link>{self.url('feeds', '/good/1.html')}</link>".encode()
                    + b"<description>&lol9;</description></item></channel></rss>")
            return self._send(req, 200, body, "application/rss+xml")
        if path == "/feeds/xxe.xml":
            body = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                    '<rss version="2.0"><channel><title>&xxe;</title><item><title>&xxe;</title>'
                    f"<link>{self.url('feeds', '/good/2.html')}</link><description>&xxe;</description>"
                    "</item></channel></rss>")
            return self._send(req, 200, body, "application/rss+xml")
        if path == "/feeds/malformed.xml":
            return self._send(req, 200, "<rss version='2.0'><channel><item><title>broken<<</ti", "application/rss+xml")
        if path == "/feeds/binary.xml":
            return self._send(req, 200, binary_body(20_000), "application/rss+xml")
        return False

    def _case_sitemaps(self, req, path):
        b = self.base("sitemaps")
        good = [b + p for p in self.entries("sitemaps")]
        if path == "/sitemaps/laughs.xml":
            body = (b'<?xml version="1.0"?>' + xml_laughs("urlset")
                    + b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>'
                    + (b + "/good/1.html").encode() + b"</loc><lastmod>&lol9;</lastmod></url></urlset>")
            return self._send(req, 200, body, "application/xml")
        if path == "/sitemaps/xxe.xml":
            body = ('<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<url><loc>{b}/good/2.html</loc><lastmod>&xxe;</lastmod></url>"
                    f"<url><loc>{b}/leak?&xxe;</loc></url></urlset>")
            return self._send(req, 200, body, "application/xml")
        if path == "/sitemaps/malformed.xml":
            return self._send(req, 200, '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc', "application/xml")
        if path.startswith("/sitemaps/deep/"):
            n = int(path.rsplit("/", 1)[1][:-4])
            return self._send(req, 200, self._index([f"{b}/sitemaps/deep/{n + 1}.xml"]), "application/xml")
        if path == "/sitemaps/wide.xml":
            return self._send(req, 200, _wide_index(b), "application/xml")
        if path.startswith("/sitemaps/child/"):
            return self._send(req, 200, self._urlset([]), "application/xml")
        if path == "/sitemaps/million.xml":
            # the good articles first, then more URLs than one sitemap may hold
            return self._send(req, 200, _million_urlset(b, tuple(good)), "application/xml")
        if path == "/sitemaps/bomb.xml.gz":
            return self._send(req, 200, _gzip_sitemap_bomb(), "application/x-gzip")
        if path == "/sitemaps/huge.xml":
            return self._send(req, 200, _huge_sitemap(b), "application/xml")
        if path.startswith("/m/"):
            return self._send(req, 404, "<h1>Not found</h1>")
        return False

    # 4. redirects
    def _case_redirects(self, req, path):
        b = self.base("redirects")
        if path == "/r/loop-a":
            return self._redirect(req, "/r/loop-b")
        if path == "/r/loop-b":
            return self._redirect(req, "/r/loop-a")
        if path.startswith("/r/chain/"):
            n = int(path.rsplit("/", 1)[1])
            return self._redirect(req, f"/r/chain/{n + 1}")
        if path == "/r/file":
            return self._redirect(req, "file:///etc/passwd")
        if path == "/r/data":
            return self._redirect(req, "data:text/html,<h1>injected</h1>")
        if path == "/r/ftp":
            return self._redirect(req, "ftp://127.0.0.1/pub/file.html")
        if path == "/r/private":
            return self._redirect(req, self.url("forbidden", "/internal/admin"))
        if path == "/r/cross":
            return self._redirect(req, self.url("elsewhere", "/good/7.html"))
        if path == "/r/same":
            return self._redirect(req, b + "/good/4.html", 301)
        # <meta http-equiv="refresh"> redirects: plain; after 1,500 three-byte characters
        # (inside the first 4,096 characters Scrapy reads, past the first 4,096 bytes);
        # in UTF-16, whose bytes never spell "refresh"
        if path in META_REFRESH_PAGES:
            n = META_REFRESH_PAGES.index(path) + 1
            filler = f'<meta name="description" content="{"€" * 1500}">' if path == "/r/meta-far" else ""
            page = (f'<!DOCTYPE html><html><head><title>Moved</title>{filler}'
                    f'<meta http-equiv="refresh" content="0; url=/r/meta-target/{n}.html"></head>'
                    f'<body><p>This story has moved.</p></body></html>')
            if path == "/r/meta-utf16":
                return self._send(req, 200, page.encode("utf-16"), "text/html; charset=utf-16")
            return self._send(req, 200, page)
        if path.startswith("/r/meta-target/"):
            n = int(path.rsplit("/", 1)[1].split(".")[0])
            return self._send(req, 200, good_article("redirects", 80 + n)[1])
        return False

    # 5. crawler traps
    def _case_traps(self, req, path):
        if path == "/listing.html":
            links = [f"/good/{n}.html" for n in range(1, GOOD_N + 1)]
            links += [f"/calendar/2026/{1 + d // 28:02d}/{1 + d % 28:02d}/" for d in range(300)]
            links += [f"/search?q=news&page={i}" for i in range(300)]
            links += ["/story/" + "a" * 3000 + f"-{i}.html" for i in range(5)]
            body = "".join(f'<li><a href="{esc(link)}">Link {i}</a></li>' for i, link in enumerate(links))
            return self._send(req, 200, f"<html><head><title>News</title></head><body><ul>{body}</ul></body></html>")
        if path.startswith(("/calendar/", "/search")):
            # each page links one more day / one more page: endless
            nxt = path + "x"
            return self._send(req, 200, f'<html><head><title>Calendar</title></head><body><a href="{esc(nxt)}">next</a></body></html>')
        if path.startswith("/story/"):
            return self._send(req, 200, good_article("traps", 99)[1])
        return False

    # 6. robots.txt: handled by _robots; the disallowed page itself
    def _case_robots_disallow(self, req, path):
        if path == "/private/secret.html":
            return self._send(req, 200, good_article("robots-disallow", 66)[1])
        return False

    # 7. throttling, slow and stalled servers
    def _case_throttle(self, req, path):
        if path == "/t/429.html":
            if self._count("throttle", path) <= 2:
                self._wait(self.refusal_latency)
                return self._send(req, 429, "slow down", "text/plain", headers={"Retry-After": "1"})
            return self._send(req, 200, good_article("throttle", 429)[1])
        if path == "/t/503.html":
            if self._count("throttle", path) <= 1:
                self._wait(self.refusal_latency)
                return self._send(req, 503, "busy", "text/plain", headers={"Retry-After": "1"})
            return self._send(req, 200, good_article("throttle", 503)[1])
        if path == "/t/stall.html":
            self._wait(STALL_SECONDS)
            return None
        if path == "/t/drip.html":
            req.send_response(200)
            req.send_header("Content-Type", "text/html; charset=utf-8")
            req.end_headers()
            for ch in b"<html><body><p>drip drip drip drip drip drip drip drip drip drip drip drip":
                req.wfile.write(bytes([ch]))
                req.wfile.flush()
                if self._wait(0.5):
                    break
            return None
        return False

    # 8. non-HTML content
    def _case_types(self, req, path):
        types = {"/files/report.pdf": "application/pdf", "/files/photo.jpg": "image/jpeg",
                 "/files/clip.mp4": "video/mp4", "/files/data.bin": "application/octet-stream"}
        if path in types:
            body = (b"%PDF-1.7\n" if path.endswith(".pdf") else b"") + bytes(BIG_SIZE)
            return self._send(req, 200, body, types[path], length=not path.endswith(".mp4"))
        return False

    # 13. stored XSS and SQL text
    def _case_xss(self, req, path):
        if path == "/x/script.html":
            title = "<script>alert(1)</script> Council'; DROP TABLE articles; --"
            paras = prose("xss-page")
            paras[0] = "The council said <img src=x onerror=alert(2)> was only text. " + paras[0]
            return self._send(req, 200, article_html(title, paras))
        return False

    def _case_elsewhere(self, req, path):
        return False

    def _case_forbidden(self, req, path):
        return False

    # 15. the secrets source crawls through this server as its proxy: good articles only
    def _case_secrets(self, req, path):
        return False


@cache
def _wide_index(base: str, n: int = 100_000) -> bytes:
    return HostileSite._index(f"{base}/sitemaps/child/{i}.xml" for i in range(n)).encode()


@cache
def _million_urlset(base: str, good: tuple, n: int = 60_000) -> bytes:
    return HostileSite._urlset(list(good) + [f"{base}/m/{i}.html" for i in range(n)]).encode()


@cache
def _huge_sitemap(base: str, size: int = 10 * MiB) -> bytes:
    unit = f"<url><loc>{base}/m/huge.html</loc></url>"
    return HostileSite._urlset([f"{base}/m/huge.html"] * (size // len(unit))).encode()


@cache
def _gzip_sitemap_bomb(size: int = 200 * MiB) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><!--'
    out = [comp.compress(head)] + [comp.compress(b" " * MiB) for _ in range(size // MiB)]
    return b"".join(out) + comp.flush()


def _toml_inline(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_inline(v)}" for k, v in value.items()) + " }"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_inline(v) for v in value) + "]"
    return json.dumps(value)


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").isalnum() else json.dumps(key)


def main() -> None:  # pragma: no cover - manual use
    site = HostileSite().start()
    print(site.sources_toml())
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        site.stop()


if __name__ == "__main__":
    main()
