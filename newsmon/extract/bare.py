"""trafilatura's bare_extraction, minus the outputs newsmon never reads (the fast path)."""

from __future__ import annotations

import re
import types
from functools import cache

import trafilatura
from lxml.etree import XPath

CHECKED_TRAFILATURA = "2.3.1"   # pinned in pyproject.toml
_forget_trimmed = getattr(trafilatura.utils.trim, "cache_clear", lambda: None)

try:   # the pieces of bare_extraction, to skip the outputs newsmon never reads (see bare_extraction)
    from copy import copy as _copy
    from copy import deepcopy as _copy_deep
    from html import unescape as _unescape

    from justext.core import classify_paragraphs as _classify_paragraphs
    from justext.core import define_stoplist as _define_stoplist
    from justext.utils import get_stoplist as _justext_stoplist
    from justext.utils import get_stoplists as _justext_stoplists
    from lxml import etree as _etree
    from lxml.etree import strip_tags as _strip_tags
    from trafilatura import core as _tcore
    from trafilatura import external as _texternal
    from trafilatura import htmlprocessing as _tproc
    from trafilatura import main_extractor as _tmain
    from trafilatura import metadata as _tmeta
    from trafilatura.baseline import _BLOCK_ELEMS, _spaced_text
    from trafilatura.baseline import baseline as _tbaseline
    from trafilatura.settings import _COOKIE_CONSENT_RE
    from trafilatura.settings import Document as _Document
    from trafilatura.settings import Extractor as _Extractor
    from trafilatura.utils import line_processing as _line_processing
    from trafilatura.xml import delete_element as _delete_element
    # the version the fast path was checked against (tests/test_extract_fast_path.py)
    FAST_TRAFILATURA = trafilatura.__version__ == CHECKED_TRAFILATURA
except ImportError:    # pragma: no cover - other trafilatura versions use bare_extraction itself
    FAST_TRAFILATURA = False


def _trimmed(value):
    """Document.clean_and_trim of one field."""
    if isinstance(value, str):
        value = _line_processing(_unescape(value if len(value) <= 10000 else value[:9999] + "…"))
    return value


EXTENSIVE_DATE_SEARCH = False

# trafilatura.metadata.extract_author's XPaths (AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS) as Python
# tests: their re:test() calls back from libxml2 for every element, and the search prunes a
# deep copy of the whole page first (8-11 ms a page); here one walk marks what the pruning
# would delete, and only the winning element is copied, when it holds something to prune
_AUTHOR_DISCARD_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_AUTHOR_DISCARD_CLASS = re.compile(r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram"
                                   r"|article-(?:share|support)|print|category|meta-date|meta-reviewer")
_AUTHOR_CLASS_0 = re.compile(r"author-?name|AuthorName|authorName")
_AUTHOR_ID_1 = re.compile(r"author|zuozhe|bianji|xiaobian")
_AUTHOR_CLASS_1 = re.compile(r"author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name")
_AUTHOR_ID_2 = re.compile(r"[Aa]uthor")
_AUTHOR_CLASS_2 = re.compile(r"[Aa]uthor|screenname|writer|[Bb]yline")
_TAGS_0 = frozenset(("a", "address", "div", "link", "p", "span", "strong"))
# what an element's id, class or attributes must hold for any of those to match it
_AUTHOR_ID_HINT = re.compile(r"uthor|zuozhe|bianji|xiaobian")
_AUTHOR_CLASS_HINT = re.compile(r"uthor|byl|yline|username|BBL|channel-name|zuozhe|bianji|xiaobian"
                                r"|submitted-by|posted-by|journalist-name|screenname|writer")
_AUTHOR_KEYS = frozenset(("rel", "itemprop", "data-testid", "data-component"))
_TAGS_1 = frozenset(("a", "div", "h3", "h4", "p", "span"))


def _author_discarded(el, tag, el_id, el_class) -> bool:
    """Does AUTHOR_DISCARD_XPATHS match ``el`` itself?"""
    if tag in ("time", "figure"):
        return True
    if tag not in ("a", "div", "section", "span"):
        return False
    return (el_id == "comments" or el_class in ("comments", "title", "date")
            or bool(el_id and _AUTHOR_DISCARD_ID.search(el_id))
            or bool(el_class and _AUTHOR_DISCARD_CLASS.search(el_class))
            or "Figure" in (el.get("data-component") or ""))


def _author_matches(el, tag, el_id, el_class) -> tuple[bool, bool, bool]:
    """Does each of AUTHOR_XPATHS match ``el``?"""
    get = el.get
    itemprop = get("itemprop") or ""
    first = tag == "author" or (tag in _TAGS_0 and (
        get("rel") == "author" or el_id == "author" or el_class == "author" or itemprop == "author name"
        or get("data-testid") in ("AuthorCard", "AuthorURL")
        or bool(el_class and _AUTHOR_CLASS_0.search(el_class))
        or any(c.tag == "rel" and c.text_content() == "me" for c in el)))
    second = tag in _TAGS_1 and (
        el_class in ("byline", "username", "byl", "BBL") or "author" in itemprop
        or bool(el_id and _AUTHOR_ID_1.search(el_id)) or bool(el_class and _AUTHOR_CLASS_1.search(el_class)))
    third = ("Byline" in (get("data-component") or "") or "author" in itemprop
             or bool(el_id and _AUTHOR_ID_2.search(el_id)) or bool(el_class and _AUTHOR_CLASS_2.search(el_class)))
    return first, second, third


def _byline(tree) -> str | None:
    """``trafilatura.metadata.extract_author(tree)``, the same answer for less."""
    # one walk that skips what the pruning deletes (below its top-most elements, nothing is
    # tested); a <rel> child is looked for only on a page that has a <rel> (few have)
    rel_page = next(tree.iter("rel"), None) is not None
    pruned = set()              # the top-most elements the pruning deletes
    found = ([], [], [])        # the matches of each author expression, in document order
    walk = _etree.iterwalk(tree, events=("start",), tag=_etree.Element)
    for _, el in walk:
        tag = el.tag
        if not el.keys():        # most elements: only the tag tests apply
            if tag in ("time", "figure") and el.getparent() is not None:
                pruned.add(el)
                walk.skip_subtree()
            elif tag == "author" or (rel_page and tag in _TAGS_0 and any(c.tag == "rel" for c in el)):
                for matched, into in zip(_author_matches(el, tag, None, None), found):
                    if matched:
                        into.append(el)
            continue
        el_id, el_class = el.get("id"), el.get("class")
        if _author_discarded(el, tag, el_id, el_class) and el.getparent() is not None:
            pruned.add(el)
            walk.skip_subtree()
            continue
        if not (el_class and _AUTHOR_CLASS_HINT.search(el_class) or el_id and _AUTHOR_ID_HINT.search(el_id)
                or _AUTHOR_KEYS.intersection(el.keys()) or tag == "author"
                or rel_page and tag in _TAGS_0 and any(c.tag == "rel" for c in el)):
            continue             # no author expression can match it
        for matched, into in zip(_author_matches(el, tag, el_id, el_class), found):
            if matched:
                into.append(el)
    for matches in found:
        for el in matches:
            if pruned and any(d in pruned for d in el.iterdescendants()):
                el = _tmeta.prune_unwanted_nodes(_copy_deep(el), _tmeta.AUTHOR_DISCARD_XPATHS)
            content = _tmeta.trim(" ".join(el.itertext()))
            if content and 2 < len(content) < 120:
                return _tmeta.normalize_authors(None, content)
    return None


class _Doc:
    """What newsmon reads of trafilatura's Document: the body tree and some metadata.

    ``date`` (htmldate's guess) and, when the meta tags name no author,
    ``author`` (trafilatura's byline search, which copies the whole page) are
    fallbacks only: computed on first use.
    """
    __slots__ = ("body", "title", "_author", "sitename", "description", "language", "_date_args")

    @property
    def date(self) -> str | None:
        """htmldate's guess from the page's markup (time elements, headers, the URL; the
        JSON-LD and meta tags newsmon reads first). Not its extensive search of the
        page's text: ten times the cost (14 ms a page where the markup holds no date,
        2 s in each new process for dateparser's locales) for a date read from
        whatever text looks like one (a copyright year, a comment's date)."""
        tree, date_config = self._date_args
        try:
            value = _tmeta.find_date(tree, **{**date_config, "extensive_search": EXTENSIVE_DATE_SEARCH})
        except Exception:   # noqa: BLE001 - a failed guess is no date
            return None
        return _trimmed(value)

    @property
    def author(self) -> str | None:
        if callable(self._author):
            self._author = _trimmed(self._author())
        return self._author


def _metadata(tree, url: str | None, date_params: dict) -> tuple[_Document, dict]:
    """trafilatura.metadata.extract_metadata(tree, url, date_params, ...) without the parts
    newsmon never reads (categories, tags, license); the date and the byline search
    (``extract_author``, when no meta tag names an author) are left for later: returns
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


def _options(**more):
    """trafilatura's Extractor settings of _TRAF_KWARGS (the fast path's own)."""
    return _Extractor(output_format="python", comments=False, links=True, images=False,
                      tables=True, dedup=False, **more)


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


def _text_bounds(raw_tree) -> tuple[int | None, int]:
    """The most ``_text_size`` readability's text can have for this page (None if
    unknown), and the most ``len(html2txt(raw_tree))`` can be.

    Readability drops elements (script and style first) and regroups the rest
    in page order, and re-parsing its output keeps their text: its text is the
    page's with parts left out, and leaving text out never adds to the size.
    Leaving out a script's text takes the script's size off, less the (at most
    two) words it may join at its ends. It writes "VIDEO" into the video
    <iframe>s it keeps. Unknown when the page has elements whose text libxml2
    keeps verbatim on re-parsing.

    html2txt deletes elements too (scripts and styles among them, text not
    tails), then spaces the block elements' texts and tails apart and joins the
    words with single spaces: each space written in can split one word, adding
    one character.
    """
    size, iframes = _text_size(raw_tree), 0
    for el in raw_tree.iter("script", "style", "iframe"):
        if el.tag == "iframe":
            iframes += 1
        elif el.text:
            size -= _text_size(el) - 2
    page_text = size + 2 * sum(1 for _ in raw_tree.iter(*_BLOCK_ELEMS))
    if next(raw_tree.iter(*_RAW_TEXT_ON_REPARSE), None) is not None:
        return None, page_text
    return size + _VIDEO_SIZE * iframes, page_text


# trafilatura.settings.BASIC_CLEAN_XPATH as a Python test (its cookie-banner re:test() calls
# back from libxml2 twice for every element of the page): these tags, a <div> whose first
# written of class and id holds "footer", and a class or id naming a cookie banner
_BASIC_CLEAN_TAGS = frozenset(("aside", "fencedframe", "footer", "script", "style", "svg", "template"))
_COOKIE_BANNER = re.compile(_COOKIE_CONSENT_RE, re.I) if FAST_TRAFILATURA else None


def _basic_cleaning(tree):
    """``trafilatura.baseline.basic_cleaning(tree)``: BASIC_CLEAN_XPATH's matches, found
    before any is deleted, deleted in document order (tails kept)."""
    found = []
    for el in tree.iterdescendants(_etree.Element):
        if el.tag in _BASIC_CLEAN_TAGS:
            found.append(el)
            continue
        get = el.get
        el_class, el_id = get("class"), get("id")
        if el_class is None and el_id is None:
            continue
        if (el.tag == "div" and "footer" in _first_of(el, "class", "id", el_class, el_id)
                or _COOKIE_BANNER.search(el_class or "") or _COOKIE_BANNER.search(el_id or "")):
            found.append(el)
    for el in found:
        _delete_element(el)
    return tree


def _html2txt_in_place(raw_tree) -> str:
    """``html2txt(raw_tree)`` without its copy: ``raw_tree`` is spoiled."""
    body = raw_tree.find(".//body")
    return _spaced_text(_basic_cleaning(raw_tree if body is None else body))


def _readability_may_win(bound: int | None, body, len_text: int, options) -> bool:
    """Could trafilatura's compare_extraction prefer readability's text to ``body``'s?

    With the balanced focus it does only when the own text is empty, when
    readability's text is over twice as long, or (when that is longer than
    2 * MIN_EXTRACTED_SIZE) when ``body`` has no <p> text or more tables than <p>s.
    ``bound`` (``_text_bounds``) settles that for most article pages.
    """
    if options.focus != "balanced" or len_text == 0 or bound is None or bound > 2 * len_text:
        return True
    if bound <= 2 * options.min_extracted_size:
        return False
    return not body.xpath(".//p//text()") or len(body.findall(".//table")) > len(body.findall(".//p"))


def _compare_extraction(cleaned_tree, raw_tree, body, text: str, options, readability_bound):
    """``compare_extraction(cleaned_tree(), copy(raw_tree()), body, text, options)`` of
    trafilatura.external, minus readability (and its copy of the page) where its
    text cannot be preferred: then only the justext check of an unclean or short
    body remains. ``cleaned_tree`` and ``raw_tree`` make their trees when called."""
    ext = _texternal
    if _readability_may_win(readability_bound, body, len(text), options):
        # readability spoils the tree it reads: the raw tree itself, made again if asked for later
        page = raw_tree()
        raw_tree.cache_clear()
        return _lazy_compare_extraction(cleaned_tree, page, body, text, options)
    len_text = len(text)
    unclean = bool(body.xpath(ext.SANITIZED_XPATH))
    if unclean or len_text < options.min_extracted_size:
        body2, text2 = _justext_rescue(cleaned_tree(), options)
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


def _prune_raw_tree(tree, is_forum: bool) -> bool:
    """prune_unwanted_nodes(tree, RAW_TREE_PRUNE_XPATH), then, unless ``is_forum``,
    prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH): each expression's
    matches, found before any is deleted, deleted in document order (tails kept).
    Did it delete anything?"""
    def containers():       # (element, id, class); one walk, again only after a deletion
        return [(el, el.get("id") or "", el.get("class") or "") for el in
                tree.iterdescendants("div", "section", "aside", "list", "details", "ol", "ul")]

    def prune(matches) -> bool:
        for el in matches:
            _delete_element(el)
        return bool(matches)

    found, deleted = containers(), False
    # infinite-scroll containers of appended articles, unless holding the <h1> (then only
    # recognisably appended ones); Elementor share bars
    if prune([el for el, el_id, el_class in found if el.tag in ("div", "section", "aside")
              and (_SCROLL_POSTS.search(el_id) or _SCROLL_POSTS.search(el_class))
              and (el.find(".//h1") is None
                   or _APPENDED_POSTS.search(el_id) or _APPENDED_POSTS.search(el_class))]):
        found, deleted = containers(), True
    if prune([el for el, _, el_class in found if el.tag in ("div", "section", "aside")
              and "elementor-share-buttons" in el_class]):
        found, deleted = containers(), True
    if not is_forum:     # comment sections, and ol/ul comment lists
        deleted |= prune([el for el, el_id, el_class in found if el.tag != "aside"
                          and (_COMMENTS_ID_OR_THREAD.search(el_id) or _COMMENTS_CLASS.search(el_class))
                          and (el.tag not in ("ol", "ul")
                               or _COMMENTS_ID.search(el_id) or _COMMENTS_CLASS.search(el_class))])
    return deleted


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


@cache
def _all_stoplists() -> frozenset:
    """The words of trafilatura.external's JT_STOPLIST (every jusText language) as one set,
    which is also its own ``define_stoplist`` (jusText's lists are lower-case already):
    trafilatura's tuple and its lower-cased copy would hold the 150,000 words twice (12 MB
    a worker)."""
    return frozenset(word for language in _justext_stoplists() for word in _justext_stoplist(language))


def preload() -> None:
    """Load now what trafilatura loads on the first page that needs it: every jusText stop
    list (0.25 s, for a page whose main text its extractor cannot find) and the
    public-suffix list (0.2 s, for the first page's URL)."""
    _all_stoplists()
    _tmeta.extract_domain("https://www.example.co.uk/", fast=True)


_STOPLIST_SET = [None, None]      # the last stop list jusText was given, and its set


def _stoplist_set(stoplist) -> frozenset:
    """justext.core.define_stoplist(stoplist), remembered for the same list object."""
    if stoplist is _all_stoplists():
        return stoplist
    if stoplist is not _STOPLIST_SET[0]:
        _STOPLIST_SET[:] = [stoplist, _define_stoplist(stoplist)]
    return _STOPLIST_SET[1]


_FRAME_TAGS = ("article", "div", "main", "section")


def _frame_finders(xpaths) -> list:
    """trafilatura.xpaths.BODY_XPATH (where the main extractor looks for the article's
    frame, in turn) as Python tests: each of its expressions is called for its first match
    in document order only (``_extract``), and its re:test() calls back from libxml2 twice
    for every article, div, main and section element of the page. The patterns are read
    from the expressions themselves, so they are the ones trafilatura compiled."""
    tests = [[(attr[1:], re.compile(pattern, re.I if flags == "i" else 0)) for attr, pattern, flags in
              re.findall(r"re:test\((@\w+), '([^']*)'(?:, '(\w*)')?\)", x.path)] for x in xpaths]

    def first(tree, tags, match) -> list:
        for el in tree.iterdescendants(*tags):
            if match(el.get, el):
                return [el]
        return []

    def matcher(k, equal):
        """@a='v' for each (a, v) of ``equal``, or one of the k-th expression's re:test()s"""
        def match(get, _el):
            return (any(get(a) == v for a, v in equal)
                    or any(pattern.search(get(a) or "") for a, pattern in tests[k]))
        return match

    match_0 = matcher(0, (("class", "post"), ("class", "entry"), ("itemprop", "articleBody"),
                          ("id", "articleContent")))
    match_2 = matcher(2, (("role", "article"), ("id", "article"), ("id", "story"), ("class", "postarea"),
                          ("class", "art-postcontent"), ("class", "text"), ("class", "cell"), ("class", "story")))
    match_3_re = matcher(3, (("id", "content"), ("class", "content")))

    def match_3(get, el) -> bool:
        el_id, el_class = get("id") or "", get("class") or ""
        return (match_3_re(get, el) or "main-content" in el_id.replace("C", "c").replace("M", "m")
                or "main-content" in el_class.replace("C", "c").replace("M", "m")
                or "page-content" in el_class.replace("C", "c").replace("P", "p"))

    def match_4(get, el) -> bool:   # (frame starting "main")[1] | (.//main)[1], in document order
        return el.tag == "main" or any((get(a) or "").startswith("main") for a in ("class", "id", "role"))

    return [lambda tree: first(tree, _FRAME_TAGS, match_0), xpaths[1],
            lambda tree: first(tree, _FRAME_TAGS, match_2), lambda tree: first(tree, _FRAME_TAGS, match_3),
            lambda tree: first(tree, _FRAME_TAGS, match_4)]


def _outermost(matches: dict) -> list:
    """The elements of ``matches`` with no ancestor in it, in its order. Each element's
    ancestors are looked at once: a walk up stops at one already known to be below a
    match or below none (trafilatura walks every match up to the root)."""
    clear, covered, out = set(), set(), []      # ancestors below no match / below one
    for el in matches:
        path, anc = [], el.getparent()
        while anc is not None and anc not in clear:
            if anc in matches or anc in covered:
                covered.update(path)
                break
            path.append(anc)
            anc = anc.getparent()
        else:
            clear.update(path)
            out.append(el)
    return out


def _prune_unwanted_nodes(tree, nodelist, with_backup: bool = False):
    """trafilatura.htmlprocessing.prune_unwanted_nodes, its over-pruning guard's
    outermost matches found by ``_outermost``."""
    if not with_backup:
        return _tproc.prune_unwanted_nodes(tree, nodelist)
    matches = dict.fromkeys(elem for expression in nodelist for elem in expression(tree))
    outer = _outermost(matches)
    old_len = len(tree.text_content())
    if old_len - sum(len(elem.text_content()) for elem in outer) > old_len / 7:
        for elem in outer:
            _delete_element(elem)
    return tree


def _rebound(function, **names):
    """``function`` with some of its module's globals replaced, for newsmon's calls
    only: trafilatura's own module is left as it is."""
    return types.FunctionType(function.__code__, {**function.__globals__, **names},
                              function.__name__, function.__defaults__, function.__closure__)


if FAST_TRAFILATURA:
    # the patterns of trafilatura.xpaths.OVERALL_DISCARD_XPATH's re:test() calls, by argument
    _DISCARD_PATTERNS = [{m[1]: re.compile(m[2]) for m in re.finditer(r"re:test\(([@\w|-]+), '([^']*)'\)", x.path)}
                         for x in _tmain.OVERALL_DISCARD_XPATH]
    _COOKIE, _SECTION_ID, _SECTION_CLASS = (_DISCARD_PATTERNS[0][k] for k in ("@id|@class", "@id", "@class"))
    _HIDDEN, _HIDDEN_ID, _HIDDEN_CLASS = (_DISCARD_PATTERNS[1][k] for k in ("@id|@style", "@id", "@class"))
    # trafilatura.main_extractor.extract_content, whose main pass prunes each candidate
    # frame with OVERALL_DISCARD_XPATH, here tested in Python: its re:test() calls back
    # from libxml2 into Python for every element, four times slower (0.3 ms a page)
    # (and in its wild-text recovery, which prunes the whole page with them when the frame
    # found little text), with the over-pruning guard's search for the outermost matches
    # walked once per element (_prune_unwanted_nodes)
    _BODY_XPATH = _frame_finders(_tmain.BODY_XPATH)
    _prune_unwanted_sections = _rebound(
        _tmain.prune_unwanted_sections, OVERALL_DISCARD_XPATH=[_discarded_sections, _discarded_hidden],
        prune_unwanted_nodes=_prune_unwanted_nodes)
    _extract_content = _rebound(
        _tmain.extract_content,
        _extract=_rebound(_tmain._extract, prune_unwanted_sections=_prune_unwanted_sections, BODY_XPATH=_BODY_XPATH),
        recover_wild_text=_rebound(_tmain.recover_wild_text, prune_unwanted_sections=_prune_unwanted_sections))

    # jusText (the fallbacks' and the escalation's candidate): its classify_paragraphs
    # lower-cases the stop list into a set on every call, for trafilatura's list of all
    # languages 15 ms a call; here once, kept while trafilatura passes the same list
    _try_justext = _rebound(_texternal.try_justext, jt_stoplist_init=_all_stoplists,
                            classify_paragraphs=_rebound(_classify_paragraphs, define_stoplist=_stoplist_set))
    _justext_rescue = _rebound(_texternal.justext_rescue, try_justext=_try_justext, basic_cleaning=_basic_cleaning)
    # the rescue on the uncleaned page, its cleaning as above
    _baseline = _rebound(_tbaseline, basic_cleaning=_basic_cleaning)
    # the recall escalation's retry: the same main extractor and jusText as above
    _recall_retry = _rebound(_tcore._recall_retry, _extract_and_compare=_rebound(
        _tcore._extract_and_compare, extract_content=_extract_content, compare_extraction=_rebound(
            _texternal.compare_extraction, justext_rescue=_justext_rescue)))
    # compare_extraction taking the cleaned tree as a function, called only for jusText
    _lazy_compare_extraction = _rebound(_texternal.compare_extraction, justext_rescue=(
        lambda cleaned_tree, options: _justext_rescue(cleaned_tree(), options)))


HIDDEN_SHARE_MAX = 0.8     # _pruned_copy: hidden elements holding more of the page's text stay


def _pruned_copy(tree, is_forum: bool, prune: bool = True):
    """A copy of the page as trafilatura_sequence prunes it: the raw tree of its stages.
    ``prune=False``: the page is known to hold nothing the pruning deletes. Unlike
    trafilatura, the fallbacks' tree loses the hidden elements its main extractor
    discards too (``_discarded_hidden``: a video player's dialogs, collapsed menus), unless
    they hold most of the page's text (a page saved with a dialog open hides it all).
    On the dev sets that raised 13 pages and lowered none."""
    page = _copy(tree)
    if prune:
        _prune_raw_tree(page, is_forum)
    hidden = _outermost(dict.fromkeys(_discarded_hidden(page)))
    if hidden and sum(map(_text_size, hidden)) <= HIDDEN_SHARE_MAX * _text_size(page):
        for el in hidden:
            _delete_element(el)
    return page


# trafilatura's recall escalation takes jusText's text when it is twice as long as its own;
# newsmon only when its own text is a fragment of it (under an eighth). jusText keeps the
# page's boilerplate around the article: on the dev sets (bench/extract_dev.py) the 33 pages
# where it was 2-5 times as long all lost precision, by 0.3-0.7 F1 each (reprint notices,
# sidebars, teasers); the two where it was 9-13 times as long found the article.
JUSTEXT_ESCALATION_RATIO = 8.0
JUSTEXT_PAGE_SLACK = 1.1    # jusText's text against the page's (html2txt): its separators may add a little


def _trafilatura_sequence(tree, options, url: str | None):
    """trafilatura.core.trafilatura_sequence(copy(tree), options, url)[:2] for newsmon's
    options (no comments, balanced focus, fallbacks on): the same stages, with the
    readability comparison of ``_compare_extraction`` and newsmon's bar for jusText's
    escalation (JUSTEXT_ESCALATION_RATIO). ``tree`` is not modified."""
    core = _tcore
    is_forum = core._forum_thread_page(tree)
    # trafilatura prunes a copy of the page (the raw tree its fallbacks read) and cleans a
    # copy of that; here the first copy is cleaned, and a fallback makes the raw tree again
    cleaned_tree = _copy(tree)
    # the same page prunes the same: its later copies are pruned only if this one was
    # (most pages hold nothing to prune; the search costs half a copy)
    pruned = _prune_raw_tree(cleaned_tree, is_forum)
    readability_bound, page_text_bound = _text_bounds(cleaned_tree)
    raw_tree = cache(lambda: _pruned_copy(tree, is_forum, pruned))
    # _prepare_tree's steps; its copy of the cleaned tree before convert_tags (read only by
    # the fallbacks of _compare_extraction, on a few pages) is made again when asked for
    cleaned_tree_backup = cache(lambda: core.tree_cleaning(_pruned_copy(tree, is_forum, pruned), options))
    cleaned_tree = core.tree_cleaning(cleaned_tree, options)
    cleaned_tree = core.convert_tags(cleaned_tree, options, url)
    # 1-2. main extractor, then the comparison with readability / justext
    body, text = _extract_content(cleaned_tree, options)
    body, text = _compare_extraction(cleaned_tree_backup, raw_tree, body, text, options, readability_bound)
    # 3. rescue: baseline on the uncleaned tree, if it adds text
    if len(text) < options.min_extracted_size:
        b_body, b_text, b_len = _baseline(raw_tree())
        if b_len > len(text):
            body, text = b_body, b_text
    # 4. recall escalation: a short text covering little of the page (the page's text measured
    # only when its bound allows that, on the raw tree itself, made again if needed below)
    page_len = 0
    if 0 < len(text) < core.ESCALATION_MAX_LENGTH and len(text) < core.ESCALATION_PAGE_SHARE * page_text_bound:
        page_len = len(_html2txt_in_place(raw_tree()))
        raw_tree.cache_clear()
    if options.focus == "balanced" and len(text) < core.ESCALATION_PAGE_SHARE * page_len:
        r_options = _copy(options)
        r_options.focus = "recall"
        r_text = j_text = ""
        justext_ratio = max(core.ESCALATION_JUSTEXT_RATIO, JUSTEXT_ESCALATION_RATIO)
        try:
            r_body, r_text = _recall_retry(raw_tree(), r_options, url)
        except Exception as err:   # noqa: BLE001 - as trafilatura
            core.LOGGER.warning("recall retry failed: %s %s", err, url)
        # jusText's text is a part of the page's: it cannot pass the bar when the page is too short
        if justext_ratio * len(text) < JUSTEXT_PAGE_SLACK * page_len:
            try:
                j_body, j_text = _justext_rescue(_copy(raw_tree()), options)
            except Exception as err:   # noqa: BLE001 - as trafilatura
                core.LOGGER.warning("justext candidate failed: %s %s", err, url)
        len_text, r_len, j_len = len(text), len(r_text), len(j_text)
        if j_len > r_len and j_len > justext_ratio * len_text:
            body, text = j_body, j_text
        elif r_len >= options.min_extracted_size and r_len > core.ESCALATION_ACCEPT_RATIO * len_text:
            body, text = r_body, r_text
    return body, text


def readability_body(tree):
    """The body trafilatura makes of readability's text of the page (its readability
    fallback: ``try_readability`` then ``sanitize_tree``), or None. ``tree`` is not modified."""
    try:
        found = _texternal.try_readability(_copy(tree))
        if found is None or not len(found):
            return None
        return _texternal.sanitize_tree(found, _options())[0]
    except Exception:   # noqa: BLE001 - readability raises assorted errors on odd pages
        return None


def bare_extraction(tree, url: str | None):
    """``trafilatura.bare_extraction(tree, url=url, **_TRAF_KWARGS)``, same body and metadata,
    minus the work whose output newsmon ignores: categories, tags, license, the
    plain-text rendering of the body, the copy for metadata, resolving the body's
    link targets, htmldate unless the date is asked for, and readability where it
    cannot win (``_trafilatura_sequence``); jusText's escalation text is taken only
    past JUSTEXT_ESCALATION_RATIO. ``tree`` is not modified. None when trafilatura
    finds no text.
    """
    try:
        return _bare_extraction(tree, url)
    finally:
        # trafilatura's trim() keeps its last 1,024 arguments, among them each page's whole
        # text: up to 50 MB a worker of pages never seen again
        _forget_trimmed()


def _bare_extraction(tree, url: str | None):
    if not FAST_TRAFILATURA:
        return trafilatura.bare_extraction(tree, url=url, **_TRAF_KWARGS)
    options = _options(url=url, with_metadata=True)
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
    doc.title, doc.sitename = metadata.title, metadata.sitename
    doc._author = metadata.author or (lambda: _byline(tree))
    doc.description, doc.language = metadata.description, getattr(metadata, "language", None)
    doc._date_args = (tree, date_config)
    return doc
