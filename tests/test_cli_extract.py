"""`newsmon extract URL|FILE`: one page as `newsmon crawl` stores it, fetched with
a crawl's safety rules (issue 21, item 5); and the README's Python API runs."""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import ROOT, fast_sources_toml, run_newsmon

SOURCE = "metro-post"


@pytest.fixture
def crawled(site, tmp_path):
    """The metro-post source of the fixture site, crawled into a database."""
    import tomlkit

    doc = tomlkit.parse(fast_sources_toml(site.sources_toml()))
    for source_id in list(doc["sources"]):
        if source_id != SOURCE:
            del doc["sources"][source_id]
    config = tmp_path / "sources.toml"
    config.write_text(tomlkit.dumps(doc), encoding="utf-8")
    db = tmp_path / "news.db"
    proc = run_newsmon("crawl", SOURCE, "--config", config, "--db", db)
    assert proc.returncode == 0, proc.stderr[-3000:]
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    yield site, conn
    conn.close()


def extract_json(*args):
    proc = run_newsmon("extract", *args, "--json")
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc, json.loads(proc.stdout) if proc.stdout.strip() else None


@pytest.mark.slow
def test_extract_gives_what_the_crawl_stored(crawled):
    site, db = crawled
    articles = db.execute("SELECT * FROM articles WHERE duplicate_of IS NULL").fetchall()
    assert len(articles) >= 5
    for row in articles:
        proc, result = extract_json(row["url"])
        assert proc.returncode == 0 and result["stored"], proc.stdout + proc.stderr
        article = result["article"]
        assert article["text"] == row["text"] and article["title"] == row["title"]
        assert article["published_at"] == row["published_at"]
        stored_claims = db.execute("SELECT quote, speaker FROM claims WHERE article_id = ? ORDER BY id",
                                   [row["id"]]).fetchall()
        assert [(c["quote"], c["speaker"]) for c in result["claims"]] == [tuple(c) for c in stored_claims]
    # the pages the crawl dropped get the same verdict
    dropped = db.execute("SELECT url, drop_reason FROM pages WHERE drop_reason IS NOT NULL").fetchall()
    assert dropped
    for page in dropped:
        proc, result = extract_json(page["url"])
        assert proc.returncode == 1 and not result["stored"]
        assert result["drop_reason"] == page["drop_reason"], (page["url"], result["drop_reason"])


@pytest.mark.slow
def test_extract_of_a_file_and_the_text_output(crawled, tmp_path):
    site, db = crawled
    row = db.execute("SELECT url, text, title FROM articles WHERE duplicate_of IS NULL ORDER BY id").fetchone()
    page = tmp_path / "page.html"
    with urllib.request.urlopen(row["url"]) as response:
        page.write_bytes(response.read())
    proc, result = extract_json(page, "--url", row["url"])
    assert proc.returncode == 0 and result["article"]["text"] == row["text"]
    text = run_newsmon("extract", page)
    assert text.returncode == 0
    assert f"  title:     {row['title']}" in text.stdout
    assert "  verdict:   an article: a crawl stores it" in text.stdout
    assert row["text"].split("\n")[0] in text.stdout and re.search(r"^claims: \d+$", text.stdout, re.M)


class Hostile:
    """Pages a crawl would refuse or drop, on 127.0.0.1."""

    def __init__(self, other_port: int):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", f"http://127.0.0.1:{other_port}/private")
                    self.end_headers()
                    return
                if self.path == "/huge":
                    body, headers = b"<p>" + b"x" * (5 * 1024 * 1024), {"Content-Type": "text/html"}
                elif self.path == "/bomb":
                    body = gzip.compress(b"<p>" + b" " * (64 * 1024 * 1024))
                    headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
                elif self.path == "/report.pdf":
                    body, headers = b"%PDF-1.7 " + b"0" * 5000, {"Content-Type": "application/pdf"}
                else:
                    body, headers = b"nope", {"Content-Type": "text/plain"}
                    self.send_response(404)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.send_response(200)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hostile(site):
    h = Hostile(other_port=int(site.base.rsplit(":", 1)[1]))
    yield h
    h.close()


@pytest.mark.slow
def test_extract_fetches_with_the_crawls_safety_rules(hostile):
    proc = run_newsmon("extract", hostile.base + "/redirect")
    assert proc.returncode != 0 and "refused (private address)" in proc.stderr, proc.stderr
    for path, reason in (("/huge", "too_large"), ("/bomb", "too_large"), ("/report.pdf", "not_html")):
        proc, result = extract_json(hostile.base + path)
        assert proc.returncode == 1 and result["drop_reason"] == reason, (path, proc.stdout, proc.stderr)
    proc = run_newsmon("extract", hostile.base + "/missing")
    assert proc.returncode != 0 and "HTTP 404" in proc.stderr
    assert len([ln for ln in proc.stderr.splitlines() if ln.strip()]) == 1
    proc = run_newsmon("extract", "http://127.0.0.1:9/story.html")
    assert proc.returncode != 0 and "cannot fetch" in proc.stderr and "Traceback" not in proc.stderr


def test_the_readme_python_api_runs(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"## Python API.*?```python\n(.*?)```", readme, re.S).group(1)
    (tmp_path / "page.html").write_text((ROOT / "tests/data/extract/harbor_1.html").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert "Ferry fares to rise" in out.getvalue()
