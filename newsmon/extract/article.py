"""extract_article: a page's clean text and metadata."""

from __future__ import annotations

import re

from newsmon.extract.bare import bare_extraction, readability_body
from newsmon.extract.dates import choose_published, format_date, parse_date, url_date
from newsmon.extract.html import parse_html
from newsmon.extract.lines import body_lines, collapse_ws, count_words
from newsmon.extract.metadata import (
    MODIFIED_META,
    PUBLISHED_META,
    find_canonical_url,
    jsonld_article,
    jsonld_objects,
    meta_date,
    meta_map,
    page_language,
    pick_authors,
)
from newsmon.extract.rules import (
    clean_lines,
    link_block_labels,
    render,
    site_line_candidates,
)


def _clean_title(title: str | None, sitename: str | None) -> str | None:
    """Drop a trailing " | Site Name" trafilatura may keep from <title>."""
    if not title:
        return None
    title = collapse_ws(title).strip()
    if sitename:
        title = re.sub(r"\s*(?:[|–—:»-]|::)\s*" + re.escape(sitename) + r"\s*$", "", title, flags=re.I)
    return title or None


def _extraction(tree, url: str | None):
    """trafilatura's document of the page, its meta tags and its clean title; None without a body."""
    try:
        doc = bare_extraction(tree, url)
    except Exception:   # noqa: BLE001 - trafilatura raises assorted errors on odd pages
        doc = None
    if doc is None or doc.body is None:
        return None
    meta = meta_map(tree)
    sitename = doc.sitename or meta.get("og:site_name")
    return doc, meta, sitename, _clean_title(doc.title, sitename)


LINK_PAGE = 0.5     # trafilatura's text this much link text (by words) took a link column, not the article
PROSE_LINKS = 0.2   # readability's text replaces it only when it reads as prose: this much link text at most


def _link_share(lines) -> float:
    words = sum(ln.words for ln in lines)
    return sum(ln.words * ln.link_ratio for ln in lines) / words if words else 0.0


def _body_lines(body, tree) -> list:
    """The lines of trafilatura's body; where at least LINK_PAGE of its words are link text
    (it took a sidebar's headlines for the article: 'Link Love' lists on recipe and gift-guide
    pages of dragnet), readability's text of the page instead, when that reads as prose (at
    most PROSE_LINKS link text) and is not much shorter (at least half the words). On the dev
    sets 5 of 1,612 pages switch (bench/extract_dev.py), each from F1 0 to above 0.8; a short
    page whose links are its content stays (readability's text of it is a third links)."""
    lines = body_lines(body)
    share = _link_share(lines)
    if share < LINK_PAGE:
        return lines
    other = readability_body(tree)
    if other is None:
        return lines
    alt = body_lines(other)
    if alt and _link_share(alt) <= PROSE_LINKS and 2 * sum(ln.words for ln in alt) >= sum(ln.words for ln in lines):
        return alt
    return lines


def candidate_lines(tree, url: str | None = None) -> tuple[list, str | None] | None:
    """The lines of trafilatura's text before any rule, and the page's title (None: no text).
    What the rules and the line classifier read (bench/extract_train.py trains on them)."""
    got = _extraction(tree, url)
    return (_body_lines(got[0].body, tree), got[3]) if got else None


def extract_article(html: str, url: str | None = None, *, site_lines=None,
                    feed_published: str | None = None, tree=None) -> dict | None:
    """Extract the article of a page; None when the page holds no article text.

    Returns a dict with exactly these keys:

    - ``title``, ``text`` (paragraphs separated by a blank line; items of one
      list on consecutive lines prefixed "- "; headings as plain lines),
      ``word_count``;
    - ``authors``: person names only (JSON-LD Person > meta author > byline);
    - ``published_at`` ('YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM:SSZ', UTC) and
      ``published_at_source`` ('jsonld', 'meta', 'feed', 'url' or
      'trafilatura'): see ``choose_published`` for the policy (witnesses
      that agree within two days outvote; ties go jsonld > meta > feed > url);
    - ``modified_at`` (same format, or None), ``sitename``, ``language``
      (ISO 639-1 subtag), ``description``;
    - ``canonical_url``: absolute rel=canonical or og:url, or None;
    - ``site_line_candidates``: ``line_key`` keys of this page's short lines,
      to count per site; keys seen on enough pages come back as ``site_lines``
      (a set of keys) and those lines are removed.

    ``tree``: the page already parsed by ``parse_html(html)`` (then ``html``
    is not parsed again); it is not modified.
    """
    if tree is None:
        tree = parse_html(html)
    if tree is None:
        return None
    got = _extraction(tree, url)
    if got is None:
        return None
    doc, meta, sitename, title = got
    ld = jsonld_article(jsonld_objects(tree))

    lines = clean_lines(_body_lines(doc.body, tree), title, site_lines, lambda: link_block_labels(tree))
    text = render(lines)
    if not text.strip():
        return None

    canonical = find_canonical_url(tree, meta, url)
    witnesses = {
        "jsonld": ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None,
        "meta": meta_date(tree, meta, PUBLISHED_META),
        "feed": feed_published,
        "url": url_date(url, canonical),
    }
    published, source = choose_published(witnesses)
    if source is None:      # trafilatura's date only counts when no witness has one (htmldate is slow)
        published, source = choose_published({**witnesses, "trafilatura": doc.date})
    modified = parse_date(ld.get("dateModified") if isinstance(ld.get("dateModified"), str)
                          else meta_date(tree, meta, MODIFIED_META))
    return {
        "title": title,
        "text": text,
        "authors": pick_authors(ld, meta, lambda: doc.author),
        "published_at": published,
        "published_at_source": source,
        "modified_at": format_date(modified) if modified else None,
        "sitename": sitename,
        "language": page_language(tree, meta, ld, getattr(doc, "language", None)),
        "description": doc.description or meta.get("description"),
        "canonical_url": canonical,
        "word_count": count_words(text),
        "site_line_candidates": site_line_candidates(lines),
    }
