"""newsmon's Datasette pages (newsmon/web/), in-process: the templates and plugin that
`newsmon serve` passes to Datasette, on a small database built through ingest.

tests/test_browser.py opens the same pages in a real headless Chromium.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import lxml.html
import pytest
import yaml

from newsmon import dedupe
from newsmon.analysis import analyze_page
from newsmon.store.db import open_db
from newsmon.store.ingest import ingest_pages
from newsmon.web import PLUGINS_DIR, TEMPLATES_DIR, pages
from tests.conftest import ROOT
from tests.schema_snapshot import PARAGRAPHS

URL = "http://127.0.0.1:1/2026/11/01/budget.html"
COPY_URL = "http://127.0.0.1:2/wire/budget.html"
NASTY_URL = "http://127.0.0.1:1/2026/11/02/markup.html"
NASTY = [
    "Readers wrote in about the markup <b>bold</b> and </mark><script>alert(1)</script> in the city's "
    "budget documents, which the council published on Monday after a week of delays.",
    "“We will fix the <i>formatting</i> before the next release,” council clerk Omar Haddad said on Tuesday.",
    "The clerk's office said the corrected documents would be posted online by the end of the month, with "
    "an index of every change made to the earlier drafts.",
    "Several residents had complained that the tables in the appendix could not be read on a phone, and "
    "that the totals for each district were printed twice in the summary section of the report.",
    "The council has promised a plain-text version of every budget document from next year, alongside the "
    "printed copies that remain available at the public library and at the town hall reception desk.",
]


def _page(title: str, paragraphs: list[str], author: str = "Ann Keller") -> str:
    from html import escape

    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
                     "datePublished": "2026-11-01T08:00:00Z", "author": {"@type": "Person", "name": author}})
    return (f"<html><head><title>{escape(title)}</title><meta name='author' content='{author}'>"
            f"<script type='application/ld+json'>{ld}</script>"
            f"</head><body><article><h1>{escape(title)}</h1>"
            + "".join(f"<p>{escape(p)}</p>" for p in paragraphs) + "</article></body></html>")


def _record(url: str, html: str, fetched_at: str, source_id: str) -> dict:
    return {"url": url, "final_url": url, "source_id": source_id, "fetched_at": fetched_at, "status": 200,
            "html": html, **analyze_page(html, url)}


@pytest.fixture(scope="module")
def news_db(tmp_path_factory) -> Path:
    """A story (edited once: 'nine votes to four' became 'ten votes to three'), a wire copy of it from
    another source, and a story whose text holds markup-like characters."""
    path = tmp_path_factory.mktemp("web") / "news.db"
    db = open_db(path)
    db["sources"].insert_all([
        {"id": "herald", "name": "Daily Herald", "kind": "feed", "urls": "[]", "schedule": "every 1h", "enabled": 1},
        {"id": "wire", "name": "City Wire", "kind": "feed", "urls": "[]", "schedule": "every 1h", "enabled": 1},
    ])
    index = dedupe.NearDuplicateIndex(db.conn)
    title = "Council approves transit budget"
    edited = [p.replace("nine votes to four", "ten votes to three") for p in PARAGRAPHS]
    batches = [
        [_record(URL, _page(title, PARAGRAPHS), "2026-11-01T10:00:00Z", "herald")],
        [_record(URL, _page(title, edited), "2026-11-02T10:00:00Z", "herald")],
        [_record(COPY_URL, _page(title, edited, "Tom Baird"), "2026-11-02T11:00:00Z", "wire"),
         _record(NASTY_URL, _page("Budget files <b>fixed</b>", NASTY), "2026-11-02T12:00:00Z", "herald")],
    ]
    outcomes = [r["outcome"] for batch in batches for r in ingest_pages(db, index, batch)]
    assert outcomes == ["new", "updated", "duplicate", "new"], outcomes
    db.conn.close()
    return path


@pytest.fixture(scope="module")
def get(news_db):
    from datasette.app import Datasette

    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    ds = Datasette([str(news_db)], metadata=metadata, template_dir=str(TEMPLATES_DIR),
                   plugins_dir=str(PLUGINS_DIR), immutables=[])
    loop = asyncio.new_event_loop()
    loop.run_until_complete(ds.invoke_startup())

    def fetch(path: str):
        response = loop.run_until_complete(ds.client.get(path))
        assert response.status_code == 200, (path, response.status_code, response.text[:2000])
        return response.text

    yield fetch
    loop.close()


def _doc(html: str):
    return lxml.html.fromstring(html)


def _text(node) -> str:
    return " ".join(node.text_content().split())


def _article_id(news_db, url=URL) -> int:
    import sqlite3

    with sqlite3.connect(news_db) as conn:
        return conn.execute("SELECT id FROM articles WHERE url = ?", [url]).fetchone()[0]


def test_the_article_page_reads_like_an_article(get, news_db):
    doc = _doc(get(f"/news/articles/{_article_id(news_db)}"))
    assert _text(doc.cssselect("h1.nm-title")[0]) == "Council approves transit budget"
    assert _text(doc.cssselect(".nm-source")[0]) == "Daily Herald"
    assert doc.cssselect("time.nm-date")[0].get("datetime").startswith("2026-11-01")
    assert _text(doc.cssselect(".nm-authors")[0]) == "Ann Keller"
    paragraphs = [_text(p) for p in doc.cssselect(".nm-text p")]
    assert len(paragraphs) == len(PARAGRAPHS)
    assert paragraphs[-1].startswith("The budget passed by ten votes to three")
    # its claims: marked in the text and listed, with the speaker and how the article named them
    marked = doc.cssselect(".nm-text mark.nm-claim")
    assert any("biggest expansion of public transport" in _text(m) for m in marked)
    claims = doc.cssselect("#claims li.nm-claim-item")
    ortiz = next(c for c in claims if "Lena Ortiz" in _text(c))
    assert "Mayor Lena Ortiz" in _text(ortiz.cssselect(".nm-mention")[0])
    reporters = ortiz.cssselect("a.nm-reporters")[0]
    assert re.search(r"/news/claim_reporters\?claim_group_id=\d+$", reporters.get("href"))
    assert "2 articles" in _text(reporters)  # the wire copy reports it too
    # its versions, the edit as a diff with the changed words marked
    versions = doc.cssselect("#versions .nm-version")
    assert [_text(v.cssselect("h3")[0]).split()[:2] for v in versions] == [["Version", "2"], ["Version", "1"]]
    assert [_text(x) for x in versions[0].cssselect(".nm-diff del")] == ["nine", "four"]
    assert [_text(x) for x in versions[0].cssselect(".nm-diff ins")] == ["ten", "three"]
    # the copy run by another outlet, and the publisher's page as an outbound link
    assert any(_text(a) == "wire" for a in doc.cssselect(".nm-note a"))
    assert doc.cssselect("a.nm-publisher")[0].get("href") == URL


def test_a_copy_points_to_the_first_seen_story(get, news_db):
    doc = _doc(get(f"/news/articles/{_article_id(news_db, COPY_URL)}"))
    note = _text(doc.cssselect(".nm-note")[0])
    assert note.startswith("A copy of Council approves transit budget")
    assert _text(doc.cssselect(".nm-authors")[0]) == "Tom Baird"


def test_text_that_looks_like_markup_is_shown_not_run(get, news_db):
    html = get(f"/news/articles/{_article_id(news_db, NASTY_URL)}")
    assert "<script>alert(1)</script>" not in html and "<b>bold</b>" not in html
    doc = _doc(html)
    assert any("<b>bold</b> and </mark><script>alert(1)</script>" in _text(p) for p in doc.cssselect(".nm-text p"))
    assert not doc.cssselect(".nm-text script, .nm-text b")


def test_claims_link_to_their_stored_article_and_who_reported_them(get, news_db):
    article_id = _article_id(news_db)
    for path in ("/news/latest_claims", "/news/claims_by_speaker?speaker=Ortiz", "/news/claims_view"):
        doc = _doc(get(path))
        titles = doc.cssselect("td.col-article_title a")
        assert titles, path
        assert all(re.fullmatch(r"/news/articles/\d+(#claim-\d+)?", a.get("href")) for a in titles), path
        assert any(a.get("href").startswith(f"/news/articles/{article_id}") for a in titles), path
        groups = doc.cssselect("td.col-claim_group_id a")
        assert groups and all(re.fullmatch(r"/news/claim_reporters\?claim_group_id=\d+", a.get("href"))
                              for a in groups), path
        # speaker_mention beside the speaker
        headers = [_text(th) for th in doc.cssselect("th")]
        assert headers.index("speaker_mention") == headers.index("speaker") + 1, (path, headers)
    href = _doc(get("/news/claims_by_speaker?speaker=Ortiz")).cssselect("td.col-claim_group_id a")[0].get("href")
    reporters = _doc(get(href))
    assert reporters.cssselect("input[name=claim_group_id]")[0].get("value").isdigit()
    assert {_text(td) for td in reporters.cssselect("td.col-source_id")} == {"herald", "wire"}
    assert all(a.get("href").startswith("/news/articles/") for a in reporters.cssselect("td.col-title a"))


def test_a_claims_row_leads_to_the_article_and_who_reported_it(get, news_db):
    import sqlite3

    with sqlite3.connect(news_db) as conn:
        claim_id, group_id = conn.execute(
            "SELECT id, claim_group_id FROM claims WHERE speaker = 'Lena Ortiz' AND article_id = ? ORDER BY id DESC",
            [_article_id(news_db)]).fetchone()
    doc = _doc(get(f"/news/claims/{claim_id}"))
    links = {_text(li).split(":")[0]: li.cssselect("a")[0].get("href") for li in doc.cssselect(".nm-links li")}
    assert links["In the article"] == f"/news/articles/{_article_id(news_db)}#claim-{claim_id}"
    assert links["Who reported it"] == f"/news/claim_reporters?claim_group_id={group_id}"
    doc = _doc(get(f"/news/claim_groups/{group_id}"))
    assert any(a.get("href") == f"/news/claim_reporters?claim_group_id={group_id}" for a in doc.cssselect(".nm-links a"))


def test_full_text_results_show_a_highlighted_snippet(get):
    doc = _doc(get("/news/search_articles?search=fare+increase"))
    snippets = doc.cssselect("td.col-snippet")
    assert snippets
    assert [_text(m) for m in snippets[0].cssselect("mark")] == ["fare", "increase"]
    assert len(_text(snippets[0])) < 400
    # the table's own search box too: a snippet, not the whole text
    doc = _doc(get("/news/articles?_search=fare+increase"))
    cells = doc.cssselect("td.col-text")
    assert cells and all(c.cssselect("mark") for c in cells)
    assert all("first of the new lines is due to open" not in _text(c) for c in cells)
    doc = _doc(get("/news/search_claims?search=public+transport"))
    assert [_text(m) for m in doc.cssselect("td.col-snippet mark")][:2] == ["public", "transport"]
    # a search made of operators and quotes is a search for its words, not an error
    get("/news/search_articles?search=%22budget+AND+OR+NEAR(")
    get("/news/articles?_search=%22budget+AND+OR+NEAR(")


def test_edited_articles_show_their_diff(get):
    doc = _doc(get("/news/edited_articles"))
    assert [_text(x) for x in doc.cssselect("td.col-diff del")] == ["nine", "four"]
    assert [_text(x) for x in doc.cssselect("td.col-diff ins")] == ["ten", "three"]
    assert doc.cssselect("td.col-title a")[0].get("href").startswith("/news/articles/")


def test_highlighted_keeps_only_balanced_marks():
    assert pages.highlighted("a <mark>b</mark> <b>c</b>") == "a <mark>b</mark> &lt;b&gt;c&lt;/b&gt;"
    assert pages.highlighted("</mark>x<mark>y") == "x<mark>y</mark>"
    assert pages.highlighted("one\n\ntwo") == "one two"


def test_diff_html_marks_changed_words():
    diff = "--- version 1\n+++ version 2\n@@ -1,2 +1,2 @@\n same\n-old words here\n+new words here\n+added line"
    html = str(pages.diff_html(diff))
    assert "<del>old</del>" in html and "<ins>new</ins>" in html and "<ins>added line</ins>" in html
    assert "version 1" not in html
    assert pages.diff_html(None) is None
    assert str(pages.diff_html("<not a diff>")) == '<pre class="nm-diff">&lt;not a diff&gt;</pre>'


def test_paragraphs_mark_claims_where_they_stand():
    text = "First paragraph.\n\n“Quote here,” she said.\n\nAt a Glance\n\nLast one."
    start = text.index("Quote here")
    claims = [{"id": 7, "n": 1, "char_start": start, "char_end": start + 10, "quote": "Quote here", "speaker": "Ann"},
              {"id": 8, "n": 2, "char_start": 0, "char_end": 3, "quote": "not what is there", "speaker": "Bo"}]
    out = [str(p) for p in pages.paragraphs(text, claims)]
    assert len(out) == 4
    assert '<mark class="nm-claim" data-claim-id="7" title="Ann">Quote here' in out[1]
    assert 'href="#claim-7"' in out[1] and "claim-8" not in "".join(out)
    assert out[2] == '<p class="nm-subhead">At a Glance</p>'
