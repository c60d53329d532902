"""Article extraction: trafilatura plus the residual boilerplate removal newsmon adds.

Pure module (no Scrapy): ``pipelines.analyze`` calls it in worker processes and
``newsmon reprocess`` re-runs it on stored HTML.

Public API
----------
``extract_article(html, url=None, *, site_lines=None, feed_published=None)``
    -> dict | None, see its docstring for the keys.
``page_drop_reason(article, html, url)`` -> None or 'no_article' | 'too_short'
    | 'index_page' | 'error_page'.
``line_key(line)`` -> the normalised form of a line used for learned site lines.

How the text is cleaned
-----------------------
trafilatura finds the main content well but keeps what a CMS renders *inside*
the article container: loading placeholders, widget labels, "Also Read:" link
blocks, image credits, the byline and date. We take trafilatura's structured
output (its XML tree: <head>, <p>, <list>/<item>, <ref> for links, <lb/>
for line breaks), turn it into lines that remember their kind (heading, list
item, paragraph) and how much of their text was link text, and drop:

(a) edge junk: at the start and end of the text, lines that are not sentences
    and are short (bylines, dates, "WORLD-EXCLUSIVE", "Font Replacer Active");
(b) link lines: lines that are (almost) all anchor text and not sentences of
    prose ("Also Read:" headlines), and the bare "Label:" line that heads them;
(c) placeholders, emoji-led widget labels and short "Label: value" credit lines
    ("Loading...", "🔗 View Source", "Image Source: X") anywhere;
(d) lines the site repeats on many pages (``site_lines``, learned per site by
    the store from ``site_line_candidates``);
plus the title repeated as the first line, repeated paragraphs, and headings
that no longer introduce any content. Real headings (followed by prose or list
items) and list items are kept.
"""

from __future__ import annotations

import json
import re
import types
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import cache, cached_property, lru_cache
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml.etree import XPath
from trafilatura.utils import load_html

try:   # the pieces of bare_extraction, to skip the outputs newsmon never reads (see _bare_extraction)
    from copy import copy as _copy
    from html import unescape as _unescape

    from lxml import etree as _etree
    from lxml import html as _lhtml
    from lxml.etree import strip_tags as _strip_tags

    from trafilatura import core as _tcore
    from trafilatura import external as _texternal
    from trafilatura import main_extractor as _tmain
    from trafilatura import metadata as _tmeta
    from trafilatura import utils as _tutils
    from trafilatura.settings import Document as _Document
    from trafilatura.settings import Extractor as _Extractor
    from trafilatura.utils import line_processing as _line_processing
    from trafilatura.xml import delete_element as _delete_element
    _FAST_TRAFILATURA = trafilatura.__version__ == "2.3.1"    # the version the fast path was checked against
except ImportError:    # pragma: no cover - other trafilatura versions use bare_extraction itself
    _FAST_TRAFILATURA = False

__all__ = ["extract_article", "page_drop_reason", "line_key", "parse_html"]

# ---------------------------------------------------------------------------
# tunables (why each value: see the rule that uses it)

EDGE_MAX_WORDS = 12          # edge non-sentences up to this long are junk (bylines are <= ~10)
LABEL_MAX_WORDS = 3          # "Image Source:", "Read more:" - labels are one to three words
CREDIT_MAX_WORDS = 12        # a "Label: value" credit line is short
LOADING_MAX_WORDS = 5        # "Loading... Loading IST..." ; real sentences with "…" are longer
LINK_HEAVY = 0.6             # share of a line's characters inside <a> that makes it a link line
LINK_ONLY = 0.9              # ... that makes it a link line even when it reads like a sentence
CANDIDATE_MAX_WORDS = 20     # lines counted for per-site learning
DATE_AGREE = timedelta(days=2)
MIN_WORDS = 80               # page_drop_reason: below this a page is 'too_short'
ERROR_PAGE_MAX_WORDS = 300   # a long text is an article even if its title says "not found"
TEASER_MIN = 5               # index page: at least this many teaser blocks ...
TEASER_MAX_WORDS = 80        # ... each a headline link with at most this much text around it

# ---------------------------------------------------------------------------
# line_key


_LETTERS = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1 << 14)     # template lines repeat across a site's pages
def line_key(line: str) -> str:
    """Normalise a line so the same template line matches across pages.

    NFKC + casefold, digits and punctuation/symbols (emoji included) removed,
    whitespace collapsed: "Loading IST 10:32..." and "Loading IST 09:05" share
    a key, so do "Call 555-0137" variants.
    """
    text = unicodedata.normalize("NFKC", line or "").casefold()
    return " ".join(_LETTERS.findall(text))


# ---------------------------------------------------------------------------
# sentence-shape helpers

_CLOSERS = "\"'”’»)]*\u00a0 "
_TERMINAL = ".!?…"
_ELLIPSIS = re.compile(r"(\.\.\.|…)\s*$")
_WS = re.compile(r"[ \t\r\n\f\v]+")
_LABEL_COLON = re.compile(r"^(?P<label>[^\W\d_][^:]{0,40}?)\s*:\s*(?P<rest>.*)$", re.S)


def _collapse_ws(text: str) -> str:
    """``_WS.sub(" ", text)``: most text has no run to collapse, and finding that out is cheaper."""
    if "  " in text or "\n" in text or "\t" in text or "\r" in text or "\f" in text or "\v" in text:
        return _WS.sub(" ", text)
    return text


# Chinese and Japanese write without spaces between words: their letters (Han
# ideographs, hiragana, katakana; not punctuation) are counted at two a word,
# about the length of a word there. Korean spaces its words and needs nothing.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
UNSPACED_CHARS_PER_WORD = 2


def _words(text: str) -> int:
    """Words in ``text``: whitespace-separated, plus Chinese/Japanese characters at
    UNSPACED_CHARS_PER_WORD a word (a page of them would otherwise be a few "words")."""
    words = len(text.split())
    if text.isascii():
        return words
    unspaced = len(_UNSPACED.findall(text))
    return words + unspaced // UNSPACED_CHARS_PER_WORD if unspaced else words


def _has_words(text: str, n: int) -> bool:
    """``_words(text) >= n``, without splitting all of a paragraph."""
    if len(text.split(None, n - 1)) >= n:
        return True
    return not text.isascii() and _words(text) >= n


def _is_loading(text: str) -> bool:
    """Placeholder text a page shows until its JavaScript runs ("Loading headlines...")."""
    return not _has_words(text, LOADING_MAX_WORDS + 1) and bool(_ELLIPSIS.search(text))


def is_sentence(text: str) -> bool:
    """Does the line read as prose: terminal punctuation, or a closing quote after words.

    Quote paragraphs may end in ,” or ” (the attribution follows), so a closing
    quote counts when the line has some length. A short line that ends in an
    ellipsis is a placeholder, not a sentence.
    """
    if _is_loading(text):
        return False
    core = text.rstrip(_CLOSERS)
    if not core:
        return False
    if core[-1] in _TERMINAL:
        return _has_words(text, 2)
    ends_in_quote = text.rstrip("\u00a0 ")[-1:] in "\"”’»"
    return ends_in_quote and _has_words(text, 6)


def _starts_with_symbol(text: str) -> bool:
    """Emoji or pictograph first: widget labels ("🔦 Newsroom Feed"), never prose."""
    first = text.lstrip()[:1]
    return bool(first) and unicodedata.category(first) in ("So", "Sk", "Co", "Cs")


def _is_caps_label(text: str) -> bool:
    """ALL-CAPS short line ("WORLD-EXCLUSIVE", "AGE OF MANY POWERS")."""
    if _has_words(text, 7):
        return False
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _credit_label(text: str) -> bool:
    """Short "Label: value" line that is not a sentence: "Image Source: X", "Photo: AP"."""
    m = _LABEL_COLON.match(text)
    if not m or _words(m.group("label")) > LABEL_MAX_WORDS:
        return False
    return bool(m.group("rest").strip()) and not is_sentence(text) and _words(text) <= CREDIT_MAX_WORDS


def _label_then_link(ln: "Line") -> bool:
    """ "Read more: <a>headline</a>" on one line: a short label, then (almost) only link text."""
    m = _LABEL_COLON.match(ln.text)
    if not m or _words(m.group("label")) > LABEL_MAX_WORDS or not m.group("rest"):
        return False
    return ln.link_ratio * len(ln.text) >= LINK_ONLY * len(m.group("rest"))


def _bare_label(text: str) -> bool:
    """A lone "Label:" line that introduces a block ("Also Read:", "Related:")."""
    stripped = text.rstrip(_CLOSERS)
    return stripped.endswith(":") and _words(stripped) <= LABEL_MAX_WORDS + 1


# ---------------------------------------------------------------------------
# trafilatura body -> lines


@dataclass
class Line:
    """One line of the article text with what we know about it from the HTML."""
    text: str
    kind: str               # 'head', 'item' or 'p'
    link_ratio: float       # share of characters inside <a> (trafilatura <ref>)
    drop: str | None = None  # why it is removed, None when kept

    # asked for by several rules each; the text does not change
    @cached_property
    def words(self) -> int:
        return _words(self.text)

    @cached_property
    def sentence(self) -> bool:
        return is_sentence(self.text)


_BLOCKS = {"p", "head", "item", "quote", "cell", "code", "list", "table", "row",
           "div", "section", "body", "note", "label"}
_SKIP = {"graphic", "del"}      # images; struck-through text


def _inline_segments(el, in_link=False, with_tail=True):
    """Yield (text, in_link) pieces and None for a line break, in document order."""
    tag = el.tag if isinstance(el.tag, str) else ""
    link = in_link or tag == "ref"
    if tag == "lb":
        yield None
    elif tag not in _SKIP:
        if el.text:
            yield el.text, link
        for child in el:
            yield from _inline_segments(child, link)
    if with_tail and el.tail:
        yield el.tail, in_link


def _segments_to_lines(segments, kind: str) -> list[Line]:
    """Join inline pieces into lines split at <lb/>, counting link characters."""
    lines, text, linked = [], [], 0

    def flush():
        collapsed = _collapse_ws("".join(text))
        clean = collapsed.strip(" \u00a0\u200b\ufeff")
        if clean:
            ratio = min(1.0, linked / max(1, len(collapsed.strip())))
            lines.append(Line(clean, kind, ratio))

    for seg in segments:
        if seg is None:
            flush()
            text, linked = [], 0
            continue
        piece, is_link = seg
        text.append(piece)
        if is_link:
            linked += len(_collapse_ws(piece).strip())
    flush()
    return lines


def _kind(tag: str) -> str:
    return {"head": "head", "item": "item"}.get(tag, "p")


def _body_lines(el) -> list[Line]:
    """Flatten trafilatura's body tree into lines, blocks and containers alike."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _SKIP:
        return []
    children = [c for c in el if isinstance(c.tag, str)]
    if not any(c.tag in _BLOCKS for c in children):
        # a leaf block (<p>, <head>, <item>, <cell>): its inline content, split at <lb/>
        return _segments_to_lines(_inline_segments(el, with_tail=False), _kind(tag))
    # a container: loose inline content between block children forms its own lines
    out, pending = [], []
    if el.text:
        pending.append((el.text, False))
    for child in el:
        ctag = child.tag if isinstance(child.tag, str) else ""
        if ctag in _BLOCKS:
            out += _segments_to_lines(pending, _kind(tag))
            pending = []
            out += _body_lines(child)
            if child.tail:
                pending.append((child.tail, False))
        else:
            pending += list(_inline_segments(child))
    out += _segments_to_lines(pending, _kind(tag))
    return out


# ---------------------------------------------------------------------------
# the cleaning rules


def _mark_line_rules(lines: list[Line], title: str | None, site_lines) -> None:
    """Per-line rules (b, c, d and repeats): set ``drop`` on lines that are junk anywhere."""
    seen = set()
    title_key = line_key(title or "")
    for i, ln in enumerate(lines):
        key = line_key(ln.text) if site_lines or (i < 3 and title_key) else None   # costly on paragraphs
        norm = ln.text.casefold()
        if i < 3 and title_key and key == title_key:
            ln.drop = "title"                 # trafilatura often keeps the <h1>
        elif norm in seen and ln.words >= 3:
            ln.drop = "repeat"                # repeated block (pull quote, doubled widget)
        elif site_lines and key and key in site_lines:
            ln.drop = "site_line"             # (d) learned for this site
        elif _is_loading(ln.text):
            ln.drop = "placeholder"           # (c) "Loading..."
        elif _starts_with_symbol(ln.text) and not ln.sentence and ln.words <= 6:
            ln.drop = "widget_label"          # (c) "🔗 View Source"
        elif ln.link_ratio >= LINK_ONLY or (ln.link_ratio >= LINK_HEAVY and not ln.sentence):
            ln.drop = "link"                  # (b) teaser headline / related link
        elif _label_then_link(ln):
            ln.drop = "link"                  # (b) "Also Read: <a>Headline?</a>" on one line
        elif ln.kind != "head" and _credit_label(ln.text):
            ln.drop = "credit"                # (c) "Image Source: X"
        seen.add(norm)


def _drop_orphan_labels(lines: list[Line], link_labels=frozenset()) -> None:
    """(b) A bare "Label:" heading a related-links block goes with the block.

    Known either from the extracted lines (the next line is a link line) or
    from the source HTML (``link_labels``: the element after the label is
    mostly anchor text), since trafilatura sometimes drops the links and
    keeps the label. ``link_labels`` may be a function that returns them:
    it is called only if a label needs them.
    """
    for i, ln in enumerate(lines):
        if ln.drop or not _bare_label(ln.text):
            continue
        nxt = next((x for x in lines[i + 1:] if x.drop not in ("repeat", "title")), None)
        if nxt is None or nxt.drop == "link":
            ln.drop = "link_label"
            continue
        if callable(link_labels):
            link_labels = link_labels()
        if line_key(ln.text) in link_labels:
            ln.drop = "link_label"


_LABEL_TAIL = _CLOSERS + "\t\r\n\f\v"


def link_block_labels(tree) -> frozenset[str]:
    """Keys of short "Label:" texts in the HTML whose next element is mostly link text."""
    labels = set()
    for node in tree.xpath("//body//text()[contains(., ':')]"):
        raw = str(node)
        if not raw.rstrip().rstrip(_LABEL_TAIL).endswith(":"):
            continue    # cheap form of the _bare_label test below (scripts hold many ':')
        text = _collapse_ws(raw).strip()
        if not text or not _bare_label(text):
            continue
        owner = node.getparent()
        if owner is None:
            continue
        # the first element with text after the label, in document order: for an
        # element's own text that may be its first child ("<p>Also Read: <a>..")
        nxt = owner.xpath("(descendant::*[normalize-space()] | following::*[normalize-space()])[1]"
                          if node.is_text else "following::*[normalize-space()][1]")
        if not nxt:
            continue
        nxt_text = _collapse_ws(nxt[0].text_content()).strip()
        linked = sum(len(_collapse_ws(a.text_content()).strip())
                     for a in nxt[0].iter("a")) if nxt[0].tag != "a" else len(nxt_text)
        if nxt_text and linked >= LINK_HEAVY * len(nxt_text):
            labels.add(line_key(text))
    return frozenset(labels)


def _is_content(ln: Line) -> bool:
    """Prose or a real list item: what a heading must introduce to be kept."""
    return ln.sentence or (ln.kind == "item" and ln.words >= 3) or ln.words >= 15


def _is_heading_like(ln: Line) -> bool:
    return ln.kind == "head" or (not ln.sentence and _is_caps_label(ln.text))


def _drop_empty_headings(lines: list[Line]) -> None:
    """Headings survive only if content follows before the next heading."""
    kept = [ln for ln in lines if not ln.drop]
    for i, ln in enumerate(kept):
        if _is_heading_like(ln) and not _introduces_content(kept[i + 1:]):
            ln.drop = "empty_heading"


def _introduces_content(following: list[Line]) -> bool:
    """Is there content before the next heading (or the end)?"""
    for nxt in following:
        if _is_heading_like(nxt):
            return False
        if _is_content(nxt):
            return True
    return False


def _is_edge_junk(ln: Line, followed_by_content: bool) -> bool:
    """(a) Junk at the start/end of the text: a short non-sentence that introduces nothing.

    A symbol-led line ("© 2026 Press Ltd. All rights reserved.") is junk at an
    edge even when it is a sentence: prose does not start with a pictograph.
    """
    if _starts_with_symbol(ln.text):
        return True
    if ln.sentence:
        return False
    if ln.kind == "head" and followed_by_content:
        return False
    if ln.kind == "item" and ln.words >= 5 and followed_by_content:
        return False
    return ln.words <= EDGE_MAX_WORDS or _is_caps_label(ln.text)


def _strip_edges(lines: list[Line]) -> None:
    """(a) Remove edge junk from the start and the end of the kept lines."""
    kept = [ln for ln in lines if not ln.drop]
    for i, ln in enumerate(kept):            # start: a heading may introduce what follows
        nxt = kept[i + 1] if i + 1 < len(kept) else None
        if not _is_edge_junk(ln, nxt is not None and _is_content(nxt)):
            break
        ln.drop = "edge"
    for ln in reversed([x for x in kept if not x.drop]):   # end: nothing follows
        if (ln.kind == "item" and ln.words >= 5) or not _is_edge_junk(ln, False):
            break   # a real closing list survives; related-link lists went by rule (b)
        ln.drop = "edge"


def clean_lines(lines: list[Line], title: str | None = None, site_lines=None,
                link_labels=frozenset()) -> list[Line]:
    """Apply every rule; returns the same lines with ``drop`` set on the junk."""
    _mark_line_rules(lines, title, site_lines)
    _drop_orphan_labels(lines, link_labels)
    _drop_empty_headings(lines)
    _strip_edges(lines)
    _drop_empty_headings(lines)              # a heading left before stripped tail junk
    return lines


def _render(lines: list[Line]) -> str:
    """Paragraphs separated by a blank line; items of one list on consecutive lines."""
    out: list[str] = []
    prev_item = False
    for ln in lines:
        if ln.drop:
            continue
        if ln.kind == "item":
            piece = "- " + ln.text
            if prev_item:
                out[-1] += "\n" + piece
            else:
                out.append(piece)
        else:
            out.append(ln.text)
        prev_item = ln.kind == "item"
    return "\n\n".join(out)


def _site_line_candidates(lines: list[Line]) -> list[str]:
    """Keys of the short lines kept by the general rules (or learned already).

    Lines with quotation marks are left out: quotes are article content, and a
    story the site publishes three times must not teach us its own quotes.
    """
    keys = []
    for ln in lines:
        if ln.drop not in (None, "site_line") or ln.words > CANDIDATE_MAX_WORDS:
            continue
        if any(q in ln.text for q in "“”\"«»"):
            continue
        key = line_key(ln.text)
        if len(key) >= 3 and key not in keys:
            keys.append(key)
    return keys


# ---------------------------------------------------------------------------
# metadata from the page: JSON-LD, meta tags, canonical, language

_ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle",
                  "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle",
                  "blogposting", "liveblogposting", "socialmediaposting", "report",
                  "scholarlyarticle", "techarticle", "posting"}
_COLLECTION_TYPES = {"collectionpage", "itemlist", "searchresultspage"}


def _jsonld_objects(tree) -> list[dict]:
    """All JSON-LD objects of the page, @graph and lists flattened."""
    out = []
    for script in tree.xpath('//script[contains(translate(@type,"LDJSON","ldjson"),"ld+json")]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            try:   # common breakage: trailing commas, raw newlines in strings
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", raw.replace("\n", " ")), strict=False)
            except ValueError:
                continue
        stack = [data]
        while stack:
            obj = stack.pop()
            if isinstance(obj, list):
                stack.extend(obj)
            elif isinstance(obj, dict):
                out.append(obj)
                if "@graph" in obj:
                    stack.append(obj["@graph"])
    return out


def _types(obj: dict) -> set[str]:
    t = obj.get("@type") or []
    return {str(x).casefold() for x in (t if isinstance(t, list) else [t])}


def _jsonld_article(objs: list[dict]) -> dict:
    """The article object of the page's JSON-LD, or {}."""
    for obj in objs:
        if _types(obj) & _ARTICLE_TYPES:
            return obj
    for obj in objs:                           # a WebPage with dates is next best
        if "datePublished" in obj:
            return obj
    return {}


_PUBLISHED_META = ("article:published_time", "og:article:published_time", "og:published_time",
                   "datepublished", "pubdate", "publishdate", "publish-date", "publish_date",
                   "publication_date", "date", "dc.date", "dc.date.issued", "dcterms.issued",
                   "dcterms.created", "sailthru.date", "parsely-pub-date", "article.published",
                   "rnews:datepublished", "cxenseparse:recs:publishtime", "article_date_original")
_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified",
                  "last-modified", "article.updated", "lastmod")


def _meta_map(tree) -> dict[str, str]:
    """First value of each <meta> name/property/itemprop (lowercased)."""
    out: dict[str, str] = {}
    for m in tree.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or m.get("http-equiv") or "")
        key = key.strip().casefold()
        val = (m.get("content") or "").strip()
        if key and val and key not in out:
            out[key] = val
    return out


def _meta_date(tree, meta: dict, names) -> str | None:
    for name in names:
        if meta.get(name):
            return meta[name]
    prop = "datePublished" if names is _PUBLISHED_META else "dateModified"
    for el in tree.xpath(f'//@itemprop[. = "{prop}"]/..'):    # = //*[@itemprop=..], twice as fast
        val = el.get("datetime") or el.get("content")
        if val:
            return val.strip()
    return None


def _abs_http(href: str | None, base: str | None) -> str | None:
    """Absolute http(s) URL or None."""
    if not href:
        return None
    try:
        full = urljoin(base or "", href.strip())
        parts = urlsplit(full)
    except ValueError:
        return None
    return full if parts.scheme in ("http", "https") and parts.netloc else None


def _canonical_url(tree, meta: dict, url: str | None) -> str | None:
    """rel=canonical (resolved against the page URL), else og:url."""
    for link in tree.iter("link"):
        rels = (link.get("rel") or "").casefold().split()
        if "canonical" in rels:
            found = _abs_http(link.get("href"), url)
            if found:
                return found
    return _abs_http(meta.get("og:url"), url)


def _language(tree, meta: dict, ld: dict, fallback: str | None) -> str | None:
    """Primary language subtag from JSON-LD, <html lang>, content-language or og:locale."""
    lang = ld.get("inLanguage") if isinstance(ld.get("inLanguage"), str) else None
    for cand in (lang, tree.get("lang"), tree.get("xml:lang"), meta.get("content-language"),
                 meta.get("og:locale"), fallback):
        if cand:
            sub = re.split(r"[-_,;\s]", cand.strip())[0].casefold()
            if re.fullmatch(r"[a-z]{2,3}", sub):
                return sub
    return None


# ---------------------------------------------------------------------------
# dates

_URL_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[/_-](0?[1-9]|1[0-2])[/_-](0?[1-9]|[12]\d|3[01])(?!\d)")
_URL_DATE_COMPACT = re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])/")


def parse_date(value) -> tuple[datetime, bool] | None:
    """(aware UTC datetime, has_time) from ISO 8601, RFC 2822 or a bare date; None if unusable.

    A timestamp without an offset is taken as UTC (we cannot know better).
    Dates before 1990 or more than two days in the future are rejected as junk.
    """
    if isinstance(value, datetime):
        dt, has_time = value, True
    elif isinstance(value, date):
        dt, has_time = datetime(value.year, value.month, value.day), False
    elif isinstance(value, str) and value.strip():
        dt, has_time = _parse_date_str(value.strip())
        if dt is None:
            return None
    else:
        return None
    dt = dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
    now = datetime.now(timezone.utc)
    if dt.year < 1990 or dt > now + timedelta(days=2):
        return None
    return dt, has_time


def _parse_date_str(s: str) -> tuple[datetime | None, bool]:
    iso = s.replace(" ", "T", 1) if re.match(r"\d{4}-\d{2}-\d{2} \d", s) else s
    iso = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", iso)      # +0530 -> +05:30
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
            return datetime.fromisoformat(iso), False
        if re.fullmatch(r"\d{8}", iso):
            return datetime.strptime(iso, "%Y%m%d"), False
        return datetime.fromisoformat(iso), True
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(s), True
    except (TypeError, ValueError, IndexError):
        return None, False


def format_date(parsed: tuple[datetime, bool]) -> str:
    dt, has_time = parsed
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ") if has_time else dt.strftime("%Y-%m-%d")


def _url_date(*urls: str | None) -> str | None:
    for url in urls:
        if not url:
            continue
        path = urlsplit(url).path
        m = _URL_DATE.search(path) or _URL_DATE_COMPACT.search(path)
        if m:
            y, mo, d = (int(x) for x in m.groups())
            try:
                return date(y, mo, d).isoformat()
            except ValueError:
                continue
    return None


_DATE_PRIORITY = ("jsonld", "meta", "feed", "url")


_DATE_GROUP = {"jsonld": "page", "meta": "page", "feed": "feed", "url": "url"}


def choose_published(candidates: dict[str, str | None]) -> tuple[str | None, str | None]:
    """Pick the publication date from the sources; returns (iso, source).

    Policy: jsonld, meta, feed and url dates are witnesses; JSON-LD and meta
    tags count as one witness (the page: one CMS usually writes both). The
    winner is the date backed by the most independent witnesses agreeing
    within two days; ties go to precedence jsonld > meta > feed > url. So the
    page's structured data (more precise: it has a time) wins whenever the feed
    or the URL agrees with it, and also when it stands alone against the feed;
    a stale template date in the page loses when the feed and the URL agree on
    another day. trafilatura's guess (htmldate reads any date on the page, a
    copyright year included) is used only when none of the four exists.
    """
    parsed = {src: parse_date(candidates.get(src)) for src in _DATE_PRIORITY}
    parsed = {k: v for k, v in parsed.items() if v}
    if not parsed:
        fallback = parse_date(candidates.get("trafilatura"))
        return (format_date(fallback), "trafilatura") if fallback else (None, None)

    def support(src: str) -> int:
        mine = parsed[src][0]
        return len({_DATE_GROUP[o] for o, (when, _) in parsed.items() if abs(mine - when) <= DATE_AGREE})

    best = max(parsed, key=lambda s: (support(s), -_DATE_PRIORITY.index(s)))
    return format_date(parsed[best]), best


# ---------------------------------------------------------------------------
# authors

_ROLE_WORDS = {
    "staff", "reporter", "reporters", "correspondent", "correspondents", "writer", "writers",
    "editor", "editors", "editorial", "desk", "team", "bureau", "news", "newsroom", "agency",
    "agencies", "service", "contributor", "contributors", "columnist", "email", "e-mail",
    "author", "authors", "admin", "administrator", "online", "digital", "web", "press", "wire",
    "updated", "published", "posted", "share", "follow", "guest", "senior", "special", "chief",
    "media", "network", "the", "by", "of", "more", "view", "all", "articles", "posts", "profile",
    "twitter", "facebook", "linkedin", "instagram", "read", "and", "photo", "photos", "video",
}
_PARTICLES = {"de", "da", "del", "della", "der", "den", "di", "do", "dos", "das", "du", "la",
              "le", "van", "von", "ter", "bin", "binti", "al", "el", "y", "e", "st."}
_BY_PREFIX = re.compile(r"^\s*(?:(?:written|reported|words|posted|compiled|edited)\s+)?by\s*:?\s+", re.I)
_SPLIT_NAMES = re.compile(r"\s*(?:[;,|/•·]|\band\b|&|\bwith\b|\n)\s*", re.I)


def _is_person_name(name: str) -> bool:
    """2-5 capitalised words (name particles allowed), no digits, no role words."""
    tokens = name.split()
    if not 2 <= len(tokens) <= 5:
        return False
    if any(ch.isdigit() or ch in "@:/()[]" for ch in name):
        return False
    capitals = 0
    for tok in tokens:
        bare = tok.strip(".,'’-")
        if bare.casefold() in _ROLE_WORDS:
            return False
        if bare.casefold() in _PARTICLES:
            continue
        if not bare or not bare[0].isupper():
            return False
        capitals += 1
    return capitals >= 2


def clean_authors(raw_values) -> list[str]:
    """Person names from raw author strings: splits "A and B", drops roles, bylines, emails."""
    names: list[str] = []
    for raw in raw_values:
        if not raw or not isinstance(raw, str):
            continue
        raw = re.sub(r"\S+@\S+|https?://\S+", " ", raw)
        for part in _SPLIT_NAMES.split(raw):
            part = _BY_PREFIX.sub("", part.strip()).strip(" .-–—:")
            part = _collapse_ws(part)
            if _is_person_name(part) and part not in names:
                names.append(part)
    return names


def _jsonld_authors(ld: dict) -> list[str] | None:
    """Author strings of the JSON-LD article (Person entries only); None when absent."""
    authors = ld.get("author") or ld.get("creator")
    if not authors:
        return None
    out = []
    for a in authors if isinstance(authors, list) else [authors]:
        if isinstance(a, str):
            out.append(a)
        elif isinstance(a, dict) and not (_types(a) - {"person"}) and isinstance(a.get("name"), str):
            out.append(a["name"])
    return out


def _authors(ld: dict, meta: dict, traf_author: str | None) -> list[str]:
    """JSON-LD Person authors, else meta author tags, else trafilatura's byline guess."""
    for raw in (_jsonld_authors(ld),
                [meta.get(k) for k in ("author", "article:author", "parsely-author",
                                       "sailthru.author", "byl", "dc.creator")
                 if meta.get(k) and not meta[k].startswith("http")],
                [traf_author.replace(";", ",")] if traf_author else None):
        names = clean_authors(raw or [])
        if names:
            return names
    return []


# ---------------------------------------------------------------------------
# extract_article


# NUL and other C0 controls make lxml reject the whole document (tab, LF and CR are fine)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20)])


def _to_text(html) -> str:
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not isinstance(html, str):
        return ""
    # pages rarely hold any: look for them in UTF-8 (bytes.translate is several times
    # faster than a regex scan), whose multi-byte sequences have no byte below 0x80
    encoded = html.encode("utf-8", "surrogatepass")
    if len(encoded.translate(None, _CONTROL_BYTES)) == len(encoded):
        return html
    return _CONTROL_CHARS.sub("", html)


def _parse(html: str):
    """lxml tree via trafilatura's tolerant loader, or None for non-HTML input."""
    if not html.strip():
        return None
    try:
        tree = _load_html(html)
    except Exception:   # noqa: BLE001 - any parser failure means "no page"
        return None
    return tree if tree is not None and len(tree) else None


if _FAST_TRAFILATURA:
    # trafilatura's parser settings, with the element classes picked in C: lxml.html's
    # own lookup calls back into Python for every element Python touches (about
    # 1,000 a page); the form-field classes it adds are never used here
    _HTML_PARSER = _lhtml.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                                     remove_comments=True, remove_pis=True)
    _HTML_PARSER.set_element_class_lookup(_etree.ElementDefaultClassLookup(
        element=_lhtml.HtmlElement, comment=_lhtml.HtmlComment,
        pi=_lhtml.HtmlProcessingInstruction, entity=_lhtml.HtmlEntity))


def _load_html(html: str):
    """``trafilatura.utils.load_html(html)`` for ``_to_text``'s output (no C0 control
    characters): the same repairs, then libxml2 reads the page's UTF-8
    (a third faster than a Python str), with ``_HTML_PARSER``."""
    beginning, page = html[:50].lower(), html
    if not _FAST_TRAFILATURA or "\ufffe" in html or "\uffff" in html:
        return load_html(page)
    # repair_faulty_html, whose INVALID_XML_CHARS are already gone
    if "doctype" in beginning:
        firstline, _, rest = html.partition("\n")
        html = _tutils.DOCTYPE_TAG.sub("", firstline, count=1) + "\n" + rest
    for line in html[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            html = _tutils.FAULTY_HTML.sub(r"\1>", html, count=1)
            break
    try:
        data = html.encode("utf-8")
    except UnicodeEncodeError:   # lone surrogates: trafilatura's way
        return load_html(page)
    try:
        tree = _lhtml.fromstring(data, parser=_HTML_PARSER)
    except Exception:   # noqa: BLE001 - trafilatura's fallbacks decide
        return load_html(page)
    if tree is None or len(tree) < 1:
        return load_html(page)
    if "html" not in beginning and len(tree) < 2:     # trafilatura's dubious-HTML check
        return None
    return tree


def parse_html(html) -> object | None:
    """The page's lxml tree (as ``extract_article`` parses it), or None for non-HTML input.

    Parse once and pass it as ``tree=`` to ``extract_article`` and
    ``page_drop_reason``: neither modifies it.
    """
    return _parse(_to_text(html))


class _Doc:
    """What newsmon reads of trafilatura's Document: the body tree and some metadata.

    ``date`` (htmldate's guess, a fallback only) is computed on first use.
    """
    __slots__ = ("body", "title", "author", "sitename", "description", "language", "_date_args")

    @property
    def date(self) -> str | None:
        tree, date_config = self._date_args
        try:
            value = _tmeta.find_date(tree, **date_config)
        except Exception:   # noqa: BLE001 - a failed guess is no date
            return None
        if isinstance(value, str):          # Document.clean_and_trim, as for the other fields
            value = _line_processing(_unescape(value if len(value) <= 10000 else value[:9999] + "…"))
        return value


def _metadata(tree, url: str | None, date_params: dict) -> "tuple[_Document, dict]":
    """trafilatura.metadata.extract_metadata(tree, url, date_params, ...) without the parts
    newsmon never reads (categories, tags, license); the date is left for later: returns
    the metadata and the arguments for htmldate's find_date."""
    m = _tmeta
    date_config = {**date_params}
    metadata = m.examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = m.extract_meta_json(tree, metadata)
    except Exception:   # noqa: BLE001 - as trafilatura: bugs in json_metadata.py
        pass
    if not metadata.title:
        metadata.title = m.extract_title(tree)
    if not metadata.author:
        metadata.author = m.extract_author(tree)
    if not metadata.url:
        metadata.url = m.extract_url(tree, url)
    if metadata.url:
        metadata.hostname = m.extract_domain(metadata.url, fast=True)
    date_config["url"] = metadata.url
    if not metadata.sitename:
        metadata.sitename = m.extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        mymatch = m.META_URL.match(metadata.url)
        if mymatch:
            metadata.sitename = mymatch[1]
    metadata.clean_and_trim()
    return metadata, date_config


_TRAF_KWARGS = dict(with_metadata=True, include_comments=False, include_links=True,
                    include_tables=True, include_images=False, deduplicate=False)


# elements whose text libxml2 keeps verbatim (entities not decoded) when it re-parses
# readability's output, so there the text can grow (its <iframe>s hold "VIDEO" by then)
_RAW_TEXT_ON_REPARSE = ("xmp", "noembed", "noframes", "plaintext")
_VIDEO_SIZE = 7      # what readability's "VIDEO" in an <iframe> can add: its size, 6, and a word split

# libxml2 measures the text without handing it to Python
_NORMALIZED_LENGTH = XPath("string-length(normalize-space())")


def _text_size(el) -> int:
    """Non-space characters plus words of ``el``'s text, 0 if blank.

    White space here is XML's (space, tab, CR, LF); treating the other Unicode
    spaces as letters only adds, so this is at least ``len(trim(text)) + 1``
    (trafilatura's length measure, which splits at any Unicode space).
    """
    length = int(_NORMALIZED_LENGTH(el))
    return length + 1 if length else 0


def _readability_bound(raw_tree) -> int | None:
    """The most ``_text_size`` readability's text can have for this page, None if unknown.

    Readability drops elements (script and style first) and regroups the rest
    in page order, and re-parsing its output keeps their text: its text is the
    page's with parts left out, and leaving text out never adds to the size.
    Leaving out a script's text takes the script's size off, less the (at most
    two) words it may join at its ends. It writes "VIDEO" into the video
    <iframe>s it keeps. Unknown when the page has elements whose text libxml2
    keeps verbatim on re-parsing.
    """
    if next(raw_tree.iter(*_RAW_TEXT_ON_REPARSE), None) is not None:
        return None
    bound = _text_size(raw_tree)
    for el in raw_tree.iter("script", "style", "iframe"):
        if el.tag == "iframe":
            bound += _VIDEO_SIZE
        elif el.text:
            bound -= _text_size(el) - 2
    return bound


def _readability_may_win(bound: int | None, body, len_text: int, options) -> bool:
    """Could trafilatura's compare_extraction prefer readability's text to ``body``'s?

    With the balanced focus it does only when the own text is empty, when
    readability's text is over twice as long, or (when that is longer than
    2 * MIN_EXTRACTED_SIZE) when ``body`` has no <p> text or more tables than <p>s.
    ``bound`` (``_readability_bound``) settles that for most article pages.
    """
    if options.focus != "balanced" or len_text == 0 or bound is None or bound > 2 * len_text:
        return True
    if bound <= 2 * options.min_extracted_size:
        return False
    return not body.xpath(".//p//text()") or len(body.findall(".//table")) > len(body.findall(".//p"))


def _compare_extraction(cleaned_tree, raw_tree, body, text: str, options, readability_bound):
    """``compare_extraction(cleaned_tree, copy(raw_tree()), body, text, options)`` of
    trafilatura.external, minus readability (and its copy of the page) where its
    text cannot be preferred: then only the justext check of an unclean or short
    body remains."""
    ext = _texternal
    if _readability_may_win(readability_bound, body, len(text), options):
        return ext.compare_extraction(cleaned_tree, _copy(raw_tree()), body, text, options)
    len_text = len(text)
    unclean = bool(body.xpath(ext.SANITIZED_XPATH))
    if unclean or len_text < options.min_extracted_size:
        body2, text2 = ext.justext_rescue(cleaned_tree, options)
        len_text2 = len(text2)
        if unclean:
            accept = len_text <= ext.JUSTEXT_OVERRIDE_RATIO * len_text2 and (
                len_text2 > len_text or not options.images or body.find(".//graphic") is None)
        else:
            accept = len_text < len_text2
        if text2 and accept:
            body, text = body2, text2
    return body, text


# trafilatura.xpaths' raw-tree prunes (RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH)
# as Python tests: their re:test() is re.search on the attribute ("" when absent), called
# back from libxml2 for every element of the page, several times slower than a loop here
_SCROLL_POSTS = re.compile(r"mvp-post-add-(?:box|wrap)|infinite-?scroll")
_APPENDED_POSTS = re.compile(r"mvp-post-add-(?:box|wrap)")
_COMMENTS_ID_OR_THREAD = re.compile(r"^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)")
_COMMENTS_ID = re.compile(r"^(?:[Cc]omment(?!ary)|comol)")
_COMMENTS_CLASS = re.compile(r"^[Cc]omment(?!ary)|(?:article|post)-comments")


def _prune_raw_tree(tree, is_forum: bool) -> None:
    """prune_unwanted_nodes(tree, RAW_TREE_PRUNE_XPATH), then, unless ``is_forum``,
    prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH): each expression's
    matches, found before any is deleted, deleted in document order (tails kept)."""
    def containers():       # (element, id, class); one walk, again only after a deletion
        return [(el, el.get("id") or "", el.get("class") or "") for el in
                tree.iterdescendants("div", "section", "aside", "list", "details", "ol", "ul")]

    def prune(matches) -> bool:
        for el in matches:
            _delete_element(el)
        return bool(matches)

    found = containers()
    # infinite-scroll containers of appended articles, unless holding the <h1> (then only
    # recognisably appended ones); Elementor share bars
    if prune([el for el, el_id, el_class in found if el.tag in ("div", "section", "aside")
              and (_SCROLL_POSTS.search(el_id) or _SCROLL_POSTS.search(el_class))
              and (el.find(".//h1") is None
                   or _APPENDED_POSTS.search(el_id) or _APPENDED_POSTS.search(el_class))]):
        found = containers()
    if prune([el for el, _, el_class in found if el.tag in ("div", "section", "aside")
              and "elementor-share-buttons" in el_class]):
        found = containers()
    if not is_forum:     # comment sections, and ol/ul comment lists
        prune([el for el, el_id, el_class in found if el.tag != "aside"
               and (_COMMENTS_ID_OR_THREAD.search(el_id) or _COMMENTS_CLASS.search(el_class))
               and (el.tag not in ("ol", "ul")
                    or _COMMENTS_ID.search(el_id) or _COMMENTS_CLASS.search(el_class))])


def _first_of(el, a: str, b: str, value_a, value_b):
    """XPath's string(@a|@b): the value of whichever of the two is written first."""
    if value_a is None or value_b is None:
        return value_b if value_a is None else value_a
    return value_a if next(k for k in el.keys() if k in (a, b)) == a else value_b


_SECTION_TAGS = frozenset(("div", "item", "list", "p", "section", "span"))


def _discarded_sections(tree) -> list:
    """``OVERALL_DISCARD_XPATH[0](tree)``: navigation, sharing, ads, bylines... frames."""
    out = []
    for el in tree.iterdescendants(_SECTION_TAGS):
        get = el.get
        el_id, el_class = get("id"), get("class")
        if ((el_id is not None or el_class is not None) and (
                (el_id is not None and _SECTION_ID.search(el_id))
                or (el_class is not None and _SECTION_CLASS.search(el_class))
                or _COOKIE.search(_first_of(el, "id", "class", el_id, el_class)))
                or get("data-lp-replacement-content") is not None
                or "nav" in (get("role") or "").replace("N", "n")
                or "MostPopularStories" in (get("data-component") or "")):
            out.append(el)
    return out


def _discarded_hidden(tree) -> list:
    """``OVERALL_DISCARD_XPATH[1](tree)``: hidden elements, reply and comment titles."""
    out = []
    for el in tree.iterdescendants(_etree.Element):
        get = el.get
        el_id, el_class, style = get("id"), get("class"), get("style")
        if (el_id is not None or el_class is not None or style is not None) and (
                el_class == "comments-title"
                or (el_id is not None or el_class is not None)
                and _first_of(el, "id", "class", el_id, el_class).startswith("reply-")
                or _HIDDEN.search(_first_of(el, "id", "style", el_id, style) or "")
                or style is not None and ("display:none" in style or "display: none" in style)
                or el_id is not None and _HIDDEN_ID.search(el_id)
                or el_class is not None and _HIDDEN_CLASS.search(el_class)) \
                or get("aria-hidden") == "true":
            out.append(el)
    return out


def _rebound(function, **names):
    """``function`` with some of its module's globals replaced, for newsmon's calls
    only: trafilatura's own module is left as it is."""
    return types.FunctionType(function.__code__, {**function.__globals__, **names},
                              function.__name__, function.__defaults__, function.__closure__)


if _FAST_TRAFILATURA:
    # the patterns of trafilatura.xpaths.OVERALL_DISCARD_XPATH's re:test() calls, by argument
    _DISCARD_PATTERNS = [{m[1]: re.compile(m[2]) for m in re.finditer(r"re:test\(([@\w|-]+), '([^']*)'\)", x.path)}
                         for x in _tmain.OVERALL_DISCARD_XPATH]
    _COOKIE, _SECTION_ID, _SECTION_CLASS = (_DISCARD_PATTERNS[0][k] for k in ("@id|@class", "@id", "@class"))
    _HIDDEN, _HIDDEN_ID, _HIDDEN_CLASS = (_DISCARD_PATTERNS[1][k] for k in ("@id|@style", "@id", "@class"))
    # trafilatura.main_extractor.extract_content, whose main pass prunes each candidate
    # frame with OVERALL_DISCARD_XPATH, here tested in Python: its re:test() calls back
    # from libxml2 into Python for every element, four times slower (0.3 ms a page)
    _extract_content = _rebound(_tmain.extract_content, _extract=_rebound(
        _tmain._extract, prune_unwanted_sections=_rebound(
            _tmain.prune_unwanted_sections, OVERALL_DISCARD_XPATH=[_discarded_sections, _discarded_hidden])))


def _pruned_copy(tree, is_forum: bool):
    """A copy of the page as trafilatura_sequence prunes it: the raw tree of its stages."""
    page = _copy(tree)
    _prune_raw_tree(page, is_forum)
    return page


def _trafilatura_sequence(tree, options, url: str | None):
    """trafilatura.core.trafilatura_sequence(copy(tree), options, url)[:2] for newsmon's
    options (no comments, balanced focus, fallbacks on): the same stages, with the
    readability comparison of ``_compare_extraction``. ``tree`` is not modified."""
    core = _tcore
    is_forum = core._forum_thread_page(tree)
    # trafilatura prunes a copy of the page (the raw tree its fallbacks read) and cleans a
    # copy of that; here the first copy is cleaned, and a fallback makes the raw tree again
    cleaned_tree = _pruned_copy(tree, is_forum)
    readability_bound = _readability_bound(cleaned_tree)
    raw_tree = cache(lambda: _pruned_copy(tree, is_forum))
    cleaned_tree = core.tree_cleaning(cleaned_tree, options)      # _prepare_tree's steps
    cleaned_tree_backup = _copy(cleaned_tree)
    cleaned_tree = core.convert_tags(cleaned_tree, options, url)
    # 1-2. main extractor, then the comparison with readability / justext
    body, text = _extract_content(cleaned_tree, options)
    body, text = _compare_extraction(cleaned_tree_backup, raw_tree, body, text, options, readability_bound)
    # 3. rescue: baseline on the uncleaned tree, if it adds text
    if len(text) < options.min_extracted_size:
        b_body, b_text, b_len = core.baseline(raw_tree())
        if b_len > len(text):
            body, text = b_body, b_text
    # 4. recall escalation: a short text covering little of the page
    if (0 < len(text) < core.ESCALATION_MAX_LENGTH
            and len(text) < core.ESCALATION_PAGE_SHARE * len(core.html2txt(raw_tree()))):
        r_options = _copy(options)
        r_options.focus = "recall"
        r_text = j_text = ""
        try:
            r_body, r_text = core._recall_retry(raw_tree(), r_options, url)
        except Exception as err:   # noqa: BLE001 - as trafilatura
            core.LOGGER.warning("recall retry failed: %s %s", err, url)
        try:
            j_body, j_text = core.justext_rescue(_copy(raw_tree()), options)
        except Exception as err:   # noqa: BLE001 - as trafilatura
            core.LOGGER.warning("justext candidate failed: %s %s", err, url)
        len_text, r_len, j_len = len(text), len(r_text), len(j_text)
        if j_len > r_len and j_len > core.ESCALATION_JUSTEXT_RATIO * len_text:
            body, text = j_body, j_text
        elif r_len >= options.min_extracted_size and r_len > core.ESCALATION_ACCEPT_RATIO * len_text:
            body, text = r_body, r_text
    return body, text


def _bare_extraction(tree, url: str | None):
    """``trafilatura.bare_extraction(tree, url=url, **_TRAF_KWARGS)``, same body and metadata,
    minus the work whose output newsmon ignores: categories, tags, license, the
    plain-text rendering of the body, the copy for metadata, resolving the body's
    link targets, htmldate unless the date is asked for, and readability where it
    cannot win (``_trafilatura_sequence``). ``tree`` is not modified. None when
    trafilatura finds no text.
    """
    if not _FAST_TRAFILATURA:
        return trafilatura.bare_extraction(tree, url=url, **_TRAF_KWARGS)
    options = _Extractor(output_format="python", comments=False, links=True, images=False,
                         tables=True, dedup=False, url=url, with_metadata=True)
    try:
        metadata, date_config = _metadata(tree, options.url, options.date_params)
        # no page URL: <ref> targets stay as written, not resolved (newsmon reads none of them)
        postbody, temp_text = _trafilatura_sequence(tree, options, None)
    except (TypeError, ValueError):
        return None
    if options.max_tree_size and len(postbody) > options.max_tree_size:   # MAX_TREE_SIZE in its config
        _strip_tags(postbody, "hi")
        if len(postbody) > options.max_tree_size:
            return None
    if len(temp_text) < options.min_output_size and 0 < options.min_output_comm_size:   # comments: ""
        return None
    doc = _Doc()
    doc.body = postbody
    doc.title, doc.author, doc.sitename = metadata.title, metadata.author, metadata.sitename
    doc.description, doc.language = metadata.description, getattr(metadata, "language", None)
    doc._date_args = (tree, date_config)
    return doc


def _clean_title(title: str | None, sitename: str | None) -> str | None:
    """Drop a trailing " | Site Name" trafilatura may keep from <title>."""
    if not title:
        return None
    title = _collapse_ws(title).strip()
    if sitename:
        title = re.sub(r"\s*(?:[|–—:»-]|::)\s*" + re.escape(sitename) + r"\s*$", "", title, flags=re.I)
    return title or None


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
    try:
        doc = _bare_extraction(tree, url)
    except Exception:   # noqa: BLE001 - trafilatura raises assorted errors on odd pages
        doc = None
    if doc is None or doc.body is None:
        return None

    meta = _meta_map(tree)
    ld = _jsonld_article(_jsonld_objects(tree))
    sitename = doc.sitename or meta.get("og:site_name")
    title = _clean_title(doc.title, sitename)

    lines = clean_lines(_body_lines(doc.body), title, site_lines, lambda: link_block_labels(tree))
    text = _render(lines)
    if not text.strip():
        return None

    canonical = _canonical_url(tree, meta, url)
    witnesses = {
        "jsonld": ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None,
        "meta": _meta_date(tree, meta, _PUBLISHED_META),
        "feed": feed_published,
        "url": _url_date(url, canonical),
    }
    published, source = choose_published(witnesses)
    if source is None:      # trafilatura's date only counts when no witness has one (htmldate is slow)
        published, source = choose_published({**witnesses, "trafilatura": doc.date})
    modified = parse_date(ld.get("dateModified") if isinstance(ld.get("dateModified"), str)
                          else _meta_date(tree, meta, _MODIFIED_META))
    return {
        "title": title,
        "text": text,
        "authors": _authors(ld, meta, doc.author),
        "published_at": published,
        "published_at_source": source,
        "modified_at": format_date(modified) if modified else None,
        "sitename": sitename,
        "language": _language(tree, meta, ld, getattr(doc, "language", None)),
        "description": doc.description or meta.get("description"),
        "canonical_url": canonical,
        "word_count": _words(text),
        "site_line_candidates": _site_line_candidates(lines),
    }


# ---------------------------------------------------------------------------
# page_drop_reason

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
    return any(_ERROR_RE.search(_collapse_ws(h)) for h in heads if h)


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
        if text is not None and _words(text) < 3:
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
            if _words(text) < 3:
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
            text_of[a], words_of[a] = text, _words(text)
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
                    words_of[anc] = _words(text_of[anc])
            if words_of[anc] > TEASER_MAX_WORDS:
                break
            block = anc
        if block not in blocks:
            blocks[block] = _collapse_ws(text_of[block]).strip()
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
        para = _collapse_ws(para.removeprefix("- ")).strip()
        words = _words(para)
        total += words
        if words >= 3 and len(para) <= longest_teaser and para in haystack:
            covered += words
        elif para:
            rest.append(para)
    # the teaser texts in the rest, the longest first: stop once the verdict cannot change
    words_of = {t: n for t in set(teasers) if (n := _words(t)) >= 3}
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
    words = article.get("word_count") or _words(article["text"])
    if words < MIN_WORDS:
        return "too_short"
    return None
