"""newsmon.extract.bare (trafilatura's bare_extraction minus the outputs newsmon never
reads, several times cheaper) against trafilatura.bare_extraction itself.

The fast path reuses trafilatura's internals, so it is only valid for the version
it was checked against: that version is pinned in pyproject.toml, and the first
test fails when another one is installed (check the fast path against it, then
move the pin and CHECKED_TRAFILATURA together).
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
import trafilatura
from lxml import etree
from trafilatura.metadata import extract_author
from trafilatura.settings import set_date_params

from newsmon import extract_article
from newsmon.extract import bare
from newsmon.extract.html import parse_html

PAGES = sorted((Path(__file__).resolve().parent / "data" / "extract").glob("*.html"))


def test_installed_trafilatura_is_the_checked_version():
    assert trafilatura.__version__ == bare.CHECKED_TRAFILATURA, (
        f"trafilatura {trafilatura.__version__} is installed; newsmon's fast path was checked against "
        f"{bare.CHECKED_TRAFILATURA} (pyproject.toml pins it)")
    assert bare.FAST_TRAFILATURA


def _pages():
    from newsmon.demo.site import FixtureSite
    from tests.generated_site import article_page

    pages = [(f"http://bench.example/news/{i}.html", article_page.__wrapped__(i).decode()) for i in range(40)]
    pages += [(f"http://extract.example/{p.stem}.html", p.read_text(encoding="utf-8", errors="replace"))
             for p in PAGES]
    with FixtureSite() as site:
        for path in sorted(site._build_routes()):
            try:
                body = urllib.request.urlopen(site.url(path), timeout=10).read()
            except OSError:
                continue
            if b"<html" in body[:500].lower():
                pages.append((site.url(path), body.decode("utf-8", errors="replace")))
    return pages


def _text(body) -> str:
    return " ".join("".join(body.itertext()).split())


@pytest.fixture
def newsmons_escalation_bar(monkeypatch):
    """trafilatura with newsmon's bar for its jusText escalation (bare.JUSTEXT_ESCALATION_RATIO):
    the one place where the fast path means to differ from it."""
    from trafilatura import core
    monkeypatch.setattr(core, "ESCALATION_JUSTEXT_RATIO",
                        max(core.ESCALATION_JUSTEXT_RATIO, bare.JUSTEXT_ESCALATION_RATIO))


def test_fast_path_gives_trafilaturas_body_and_metadata(newsmons_escalation_bar):
    pages = _pages()
    assert len(pages) > 80
    for url, html in pages:
        tree = parse_html(html)
        ours = bare.bare_extraction(tree, url)
        # the date from the page's markup only (bare._Doc.date: no search of the text)
        theirs = trafilatura.bare_extraction(tree, url=url, **bare._TRAF_KWARGS,
                                             date_extraction_params=set_date_params(False))
        assert (ours is None) == (theirs is None), url
        if ours is None:
            continue
        assert _text(ours.body) == _text(theirs.body), url
        # the same elements in the same order (link targets are left unresolved by the fast path)
        assert [el.tag for el in ours.body.iter()] == [el.tag for el in theirs.body.iter()], url
        for field in ("title", "author", "sitename", "description", "date"):
            assert getattr(ours, field) == getattr(theirs, field), (url, field)


BYLINES = [
    # the byline holds a <time> (pruned: its text goes, the tail stays)
    '<div class="byline">By <a rel="author">Ann Lee</a><time>May 1</time>, Staff</div><p>Text.</p>',
    # an author class inside a comment section (pruned) and one outside
    '<div id="comments"><span class="author">Troll</span></div><p class="author-name">Bo Kim</p>',
    '<section class="sidebar"><span itemprop="author">Side Bar</span></section>'
    '<span data-component="Byline">By Cy Dee<figure>photo</figure> in Paris</span>',
    '<div><p id="xiaobian">Zhang Wei</p><h4 class="writer">Long Writer Name</h4></div>',
    '<author>Ed Fox</author><link rel="author" href="/ed">',
    '<p>No byline at all, only prose about an author.</p>',
]


def test_byline_search_gives_trafilaturas_author():
    """bare._byline is trafilatura's extract_author without its XPaths' callbacks and its copy of the page."""
    pages = [html for _, html in _pages()] + [f"<html><body>{b}</body></html>" for b in BYLINES]
    found = 0
    for html in pages:
        tree = parse_html(html)
        if tree is None:
            continue
        theirs = extract_author(tree)
        assert bare._byline(tree) == theirs, html[:300]
        found += bool(theirs)
    assert found >= len(BYLINES) - 1


@pytest.mark.parametrize("html", ["<html><body></body></html>", "<p>short</p>"])
def test_fast_path_and_trafilatura_agree_on_empty_pages(html):
    tree = parse_html(html)
    if tree is None:
        return
    ours = bare.bare_extraction(tree, None)
    theirs = trafilatura.bare_extraction(tree, **bare._TRAF_KWARGS)
    assert (ours is None) == (theirs is None or not _text(theirs.body))
    assert etree  # lxml is what both trees are


def _short_article_among_promos() -> str:
    """A short article on a page of links and promo paragraphs, the shape where
    trafilatura's recall escalation swaps its text for jusText's."""
    article = "".join(f"<p>The harbour board met on Tuesday to discuss the {w} plan, and members said the work"
                      " would start in spring after the survey of the old quay.</p>"
                      for w in ("dredging", "lighting", "mooring"))
    promos = "".join(f"<div class='promo'><p>Our {w} newsletter brings you the stories that matter every"
                     " morning, with analysis from our writers and the best of the week in one place for you.</p>"
                     "</div>" for w in ("morning", "evening", "weekend", "sports", "business", "culture", "travel",
                                        "food"))
    menu = "<div class='menu'>" + " ".join(f"<a href='/s{i}'>Section {i}</a>" for i in range(200)) + "</div>"
    return (f"<html><head><title>Harbour</title></head><body>{menu}<div class='wrap'><article>"
            f"<h1>Harbour board meets</h1>{article}</article></div>{promos}</body></html>")


def test_jusText_escalation_does_not_bring_the_page_around_a_short_article():
    html = _short_article_among_promos()
    assert "newsletter" in trafilatura.extract(html)        # trafilatura takes jusText's text
    text = extract_article(html)["text"]
    assert text.count("The harbour board met") == 3
    assert "newsletter" not in text


# markup for the Python spellings of trafilatura's XPaths: each case of their tests, and near misses
CLEANING_CASES = [
    '<div class="site-footer">Footer</div><div id="footer" class="wrap">Kept: class is written first</div>',
    '<div class="wrap" id="footer">Kept</div><div id="footer-links" class="x">Gone</div>',
    '<span class="CookieBanner">Cookies</span><p id="onetrust-banner-sdk">Consent</p><p class="cookies">Kept</p>',
    '<aside>Side<script>x()</script></aside>tail<svg><text>icon</text></svg><template>t</template>'
    '<footer>f</footer><fencedframe>ad</fencedframe><style>p{}</style>',
]
FRAME_CASES = [
    '<div class="post">p</div>', '<section itemprop="articleBody">b</section>', '<div id="article-content">c</div>',
    '<article>a</article>', '<main class="story-content">s</main>', '<div class="FullText">f</div>',
    '<div id="primary">p</div>', '<div role="article">r</div>', '<div id="Main-Content">m</div>',
    '<div class="page-Content">c</div>', '<div class="PAGE-content">no</div>', '<section role="main">m</section>',
    '<div class="mainbar">m</div>', '<main>m</main>', '<span class="post">no</span>',
]


def test_python_spellings_of_trafilaturas_xpaths_find_the_same_elements():
    """bare._basic_cleaning (BASIC_CLEAN_XPATH), bare._BODY_XPATH (BODY_XPATH, first match)
    and bare._outermost (the over-pruning guard's outer matches) against trafilatura's own."""
    from copy import copy

    from trafilatura.baseline import basic_cleaning
    from trafilatura.xpaths import BODY_XPATH, OVERALL_DISCARD_XPATH

    cases = CLEANING_CASES + FRAME_CASES + ["".join(FRAME_CASES[::-1]), "".join(FRAME_CASES)]
    pages = [html for _, html in _pages()] + [f"<html><body><div>{c}</div></body></html>" for c in cases]
    found = cleaned = 0
    for html in pages:
        tree = parse_html(html)
        if tree is None:
            continue
        ours, theirs = bare._basic_cleaning(copy(tree)), basic_cleaning(copy(tree))
        assert etree.tostring(ours) == etree.tostring(theirs), html[:300]
        cleaned += len(etree.tostring(ours)) < len(etree.tostring(tree))
        for finder, expression in zip(bare._BODY_XPATH, BODY_XPATH):
            first = [el for el in expression(tree) if el is not None][:1]
            assert finder(tree)[:1] == first, (expression.path, html[:300])
            found += bool(first)
        matches = dict.fromkeys(el for expression in OVERALL_DISCARD_XPATH for el in expression(tree))
        assert bare._outermost(matches) == [el for el in matches
                                            if not any(a in matches for a in el.iterancestors())], html[:300]
    assert cleaned >= len(CLEANING_CASES) and found >= len(FRAME_CASES)
