"""page_drop_reason: is an extracted page an article?"""

from __future__ import annotations

import re

from newsmon.extract.html import parse_html
from newsmon.extract.lines import collapse_ws, count_words

MIN_WORDS = 80               # page_drop_reason: below this a page is 'too_short'
ERROR_PAGE_MAX_WORDS = 300   # a long text is an article even if its title says "not found"
TEASER_MIN = 5               # index page: at least this many teaser blocks ...
TEASER_MAX_WORDS = 80        # ... each a headline link with at most this much text around it


_ERROR_RE = re.compile(
    r"\b(?:404|410)\b\s*(?:error|[-–—|:!.]|page|not found|$)"
    r"|\berror\s*:?\s*404\b"
    r"|\bpage\s+(?:was\s+|is\s+)?not\s+found\b"
    r"|\b(?:page|content|article|story|file|document|url)\b[^.]{0,40}?"
    r"\b(?:can(?:no|['’])t|could\s*n[o'’]t|couldn['’]t)\s+be\s+found"
    r"|\b(?:page|article|story)\b[^.]{0,30}?\b(?:does\s+not|doesn['’]t|no\s+longer)\s+(?:exist|available)"
    r"|^\s*not\s+found\b|\bnothing\s+(?:was\s+)?found\b",
    re.I)


def _is_error_page(tree, article: dict | None) -> bool:
    """Soft 404: the <title> or an <h1> says the page is missing, and there is little text."""
    if article and (article.get("word_count") or 0) > ERROR_PAGE_MAX_WORDS:
        return False
    heads = [t.text_content() for t in tree.iter("title", "h1")]
    return any(_ERROR_RE.search(collapse_ws(h)) for h in heads if h)


_HAS_WORD = re.compile(r"[^\W_]")


def _headline_links(tree):
    """(element, text) of the <a>s that stand alone as a headline: 3+ words, not in running text.

    A link inside prose has words right before or after it in the same parent;
    a teaser's headline link is surrounded by markup or bare punctuation ("|").
    """
    has_word = _HAS_WORD.search
    for a in tree.iter("a"):      # a few hundred a page: the cheapest tests first
        if not a.get("href") or (a.tail and has_word(a.tail)):
            continue
        text = None if len(a) else (a.text or "")
        if text is not None and count_words(text) < 3:
            continue
        prev = a.getprevious()
        if prev is not None:
            before = prev.tail
        else:
            parent = a.getparent()
            if parent is None:
                continue
            before = parent.text
        if before and has_word(before):
            continue
        if text is None:
            text = a.text_content()
            if count_words(text) < 3:
                continue
        yield a, text


_SEVERAL = object()      # _teaser_blocks: an ancestor of headline links with different hrefs


def _is_blank(text: str | None) -> bool:
    return not text or text.isspace()


def _teaser_blocks(tree) -> list[str]:
    """Texts of teaser blocks: the largest ancestor of a headline link holding no other one.

    ("No other one": no headline link with another href; a card may link its
    headline twice.)
    """
    links = list(_headline_links(tree))
    # the href of the headline links below each ancestor, or _SEVERAL; an ancestor's
    # mark covers its descendants' marks, so a walk up stops where nothing changes
    href_below = {}
    for a, _ in links:
        href = a.get("href")
        for anc in a.iterancestors():
            seen = href_below.get(anc)
            if seen is None:
                href_below[anc] = href
            elif seen is _SEVERAL or seen == href:
                break
            else:
                href_below[anc] = _SEVERAL
    blocks, text_of, words_of = {}, {}, {}
    for a, text in links:
        if a not in text_of:
            text_of[a], words_of[a] = text, count_words(text)
        block = a
        for anc in a.iterancestors():
            if href_below[anc] is _SEVERAL:
                break
            if anc not in text_of:
                if len(anc) == 1 and _is_blank(anc.text) and _is_blank(block.tail):
                    # a wrapper of the block alone (<li><a>...</a></li>): its text up to
                    # blank ends, which neither the word count nor the teaser text sees
                    text_of[anc], words_of[anc] = text_of[block], words_of[block]
                else:
                    text_of[anc] = anc.text_content()
                    words_of[anc] = count_words(text_of[anc])
            if words_of[anc] > TEASER_MAX_WORDS:
                break
            block = anc
        if block not in blocks:
            blocks[block] = collapse_ws(text_of[block]).strip()
    return list(blocks.values())


def _is_index_page(tree, article: dict) -> bool:
    """Section/tag page: many teaser blocks, and more of the text sits in them than outside.

    Text "in teasers" is either an article line found inside a teaser block
    (summaries) or a teaser block's text found inside an article line (when
    the extractor ran a whole card grid together into one paragraph).
    """
    teasers = _teaser_blocks(tree)
    if len(teasers) < TEASER_MIN:
        return False
    # neither lines nor teaser texts hold a "\n": a match lies within one of them,
    # so a text longer than all of the other side cannot match
    longest_teaser = max(map(len, teasers))
    haystack = "\n".join(teasers)
    covered, total, rest = 0, 0, []
    for para in (article.get("text") or "").split("\n"):     # blank ones count for nothing
        para = collapse_ws(para.removeprefix("- ")).strip()
        words = count_words(para)
        total += words
        if words >= 3 and len(para) <= longest_teaser and para in haystack:
            covered += words
        elif para:
            rest.append(para)
    # the teaser texts in the rest, the longest first: stop once the verdict cannot change
    words_of = {t: n for t in set(teasers) if (n := count_words(t)) >= 3}
    unseen = sum(words_of.values())
    longest_rest = max(map(len, rest), default=0)
    leftover = "\n".join(rest)
    for teaser, words in sorted(words_of.items(), key=lambda item: item[1], reverse=True):
        if covered + unseen <= total - covered - unseen:
            return False        # not even with every teaser left inside the text
        unseen -= words
        if len(teaser) <= longest_rest and teaser in leftover:
            covered += words
    return covered > total - covered


def page_drop_reason(article: dict | None, html: str, url: str | None, *, tree=None) -> str | None:
    """Why a fetched page is not an article, or None to keep it.

    'error_page' (soft 404 by title/h1), 'no_article' (nothing extracted),
    'index_page' (teaser listing), 'too_short' (fewer than MIN_WORDS words).
    ``tree``: ``parse_html(html)`` when the caller has it already (not modified).
    """
    if tree is None:
        tree = parse_html(html)
    if tree is not None and _is_error_page(tree, article):
        return "error_page"
    if not article or not (article.get("text") or "").strip():
        return "no_article"
    if tree is not None and _is_index_page(tree, article):
        return "index_page"
    words = article.get("word_count") or count_words(article["text"])
    if words < MIN_WORDS:
        return "too_short"
    return None
