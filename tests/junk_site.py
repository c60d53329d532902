"""A generated news site on 127.0.0.1 whose page junk is drawn at random on every run.

Three templates, ``per_template`` articles each, listed in one RSS feed. Every
article of a template carries the same junk lines inside its article body
(where trafilatura keeps them): a call to action at the top, a sentence-shaped
widget line between paragraphs, a promo in reported speech (a claim, if it
were kept) and a linked line at the bottom. The junk's words are made up
afresh for each site (``random.SystemRandom``), so no phrase list can know them:
only their repetition across the site's pages gives them away. The article
paragraphs are unique per article.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler

from newsmon.demo.site import LoopbackHTTPServer

TEMPLATES = ("plain", "magazine", "portal")
WORDS = ("council budget harbour ferry school minister report river bridge market police court election "
         "weather rail hospital library farmers union strike museum festival water energy housing tax "
         "district mayor plan vote workers prices shops transport airport factory tourism coast").split()
VERBS = "approved delayed rejected announced expanded reviewed funded opened closed debated".split()


def _made_up_word(rng) -> str:
    return "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(2, 4)))


def _junk_phrase(rng, words: int) -> str:
    return " ".join(_made_up_word(rng) for _ in range(words)).capitalize()


class JunkSite:
    def __init__(self, per_template: int = 20):
        self.per_template = per_template
        rng = random.SystemRandom()
        self.junk: dict[str, dict[str, str]] = {}
        for template in TEMPLATES:
            self.junk[template] = {
                "cta": _junk_phrase(rng, 4),                            # "Zumo belika ..." (a call to action)
                "widget": _junk_phrase(rng, 9) + ".",                    # sentence-shaped, mid-body
                "promo": _junk_phrase(rng, 3),                           # a claim the site runs everywhere
                "promo_by": _made_up_word(rng).capitalize() + " " + _made_up_word(rng).capitalize(),
                "link": _junk_phrase(rng, 5),                            # a linked line at the bottom
            }
        self.articles = [(template, i) for template in TEMPLATES for i in range(per_template)]
        self.base = ""

    # -- content ---------------------------------------------------------------
    def promo_line(self, template: str) -> str:
        j = self.junk[template]
        return f"{j['promo_by']} said that {j['promo'].lower()} is the best way to follow the news every day."

    def junk_lines(self) -> list[str]:
        """Every junk line as a reader would see it in stored text."""
        out = []
        for template, j in self.junk.items():
            out += [j["cta"], j["widget"], self.promo_line(template), j["link"]]
        return out

    def paragraphs(self, template: str, i: int) -> list[str]:
        rng = random.Random(f"{template}-{i}")
        paras = []
        for _ in range(5):
            sentences = []
            for _ in range(3):
                words = rng.sample(WORDS, 6)
                sentences.append(f"The {words[0]} {rng.choice(VERBS)} the {words[1]} {words[2]} plan after the "
                                 f"{words[3]} and {words[4]} {words[5]} talks ended on day {rng.randint(2, 28)}.")
            paras.append(" ".join(sentences))
        return paras

    def title(self, template: str, i: int) -> str:
        words = random.Random(f"title-{template}-{i}").sample(WORDS, 4)
        return f"{words[0].capitalize()} {words[1]} plan {i} divides {words[2]} and {words[3]}"

    def path(self, template: str, i: int) -> str:
        return f"/{template}/2026/11/{1 + i % 27:02d}/story-{i}.html"

    def published(self, i: int) -> datetime:
        return datetime(2026, 11, 1, 8, tzinfo=UTC) + timedelta(hours=i)

    def article_html(self, template: str, i: int) -> str:
        j = self.junk[template]
        paras = self.paragraphs(template, i)
        body = [f"<p><strong>{escape(j['cta'])}</strong></p>"]
        for n, para in enumerate(paras):
            body.append(f"<p>{escape(para)}</p>")
            if n == 1:
                body.append(f"<p>{escape(j['widget'])}</p>")
            if n == 3:
                body.append(f"<p>{escape(self.promo_line(template))}</p>")
        body.append(f'<p><a href="/{template}/promo.html">{escape(j["link"])}</a></p>')
        title = escape(self.title(template, i))
        chrome = {
            "plain": ("<header><a href='/'>Home</a></header>", "<footer>All rights reserved.</footer>"),
            "magazine": ("<nav class='menu'><a href='/'>Front</a> <a href='/world'>World</a></nav>",
                         "<footer class='site-footer'><p>Magazine footer.</p></footer>"),
            "portal": ("<div id='topbar'><a href='/'>Portal</a></div>", "<div class='footer'>Portal footer</div>"),
        }[template]
        return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
                f"<meta property='article:published_time' content='{self.published(i).isoformat()}'></head>"
                f"<body>{chrome[0]}<main><article class='{template}-story'><h1>{title}</h1>"
                + "".join(body) + f"</article></main>{chrome[1]}</body></html>")

    def feed(self) -> str:
        items = "".join(
            f"<item><title>{escape(self.title(t, i))}</title><link>{self.base}{self.path(t, i)}</link>"
            f"<pubDate>{format_datetime(self.published(i))}</pubDate></item>" for t, i in self.articles)
        return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Junk News</title>"
                f"<link>{self.base}/</link><description>d</description>{items}</channel></rss>")

    def sources_toml(self) -> str:
        return (f'[sources.junk]\nname = "Junk News"\nkind = "feed"\nurls = ["{self.base}/feed.xml"]\n'
                'settings = { DOWNLOAD_DELAY = 0, AUTOTHROTTLE_ENABLED = false, CONCURRENT_REQUESTS_PER_DOMAIN = 16 }\n')

    # -- serving ---------------------------------------------------------------
    def _answer(self, path: str) -> tuple[int, str, str]:
        if path == "/robots.txt":
            return 200, "text/plain", "User-agent: *\nAllow: /\n"
        if path == "/feed.xml":
            return 200, "application/rss+xml", self.feed()
        for template, i in self.articles:
            if path == self.path(template, i):
                return 200, "text/html; charset=utf-8", self.article_html(template, i)
        return 404, "text/plain", "not found"

    def start(self) -> str:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                status, ctype, body = site._answer(self.path.split("?")[0])
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self.base

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
