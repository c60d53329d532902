"""Page input: bytes or text to the lxml tree that extraction reads (trafilatura's loader, faster)."""

from __future__ import annotations

import re
from itertools import islice

from lxml import etree as _etree
from lxml import html as _lhtml
from trafilatura import utils as _tutils
from trafilatura.utils import load_html

from newsmon.extract.bare import FAST_TRAFILATURA

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
    if tree is None or not len(tree):
        return None
    _unwrap_named_anchors(tree)
    return tree


def _unwrap_named_anchors(tree) -> None:
    """An <a> without href marks a place (Blogger's <a name='more'> after a post's first
    paragraph), it links nowhere: its text and tail stay, the element goes. In trafilatura's
    link mode an empty one takes the text after it for a link and loses the paragraph before."""
    for anchor in [a for a in tree.iter("a") if a.get("href") is None]:
        anchor.drop_tag()


if FAST_TRAFILATURA:
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
    if not FAST_TRAFILATURA or "\ufffe" in html or "\uffff" in html:
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
    if "html" not in beginning and len(tree) < 2 and not _holds_a_page(tree):   # trafilatura's
        return None                                                               # dubious-HTML check
    return tree


PAGE_ELEMENTS = 20      # a lone wrapper holding this many HTML layout elements is a page
_LAYOUT = ("div", "p", "table", "td", "a", "span", "br", "li", "img")   # not a feed's or XML's tags


def _holds_a_page(tree) -> bool:
    """Is a root with one child a page all the same: a fragment without <html> (an archived
    page's body in a wrapper of its own, one <div> or <table> holding the rest)?
    trafilatura's check takes it for non-HTML input and finds no text at all."""
    if len(tree) != 1:
        return False
    return next(islice(tree[0].iter(*_LAYOUT), PAGE_ELEMENTS - 1, None), None) is not None


def parse_html(html) -> object | None:
    """The page's lxml tree (as ``extract_article`` parses it), or None for non-HTML input.

    Parse once and pass it as ``tree=`` to ``extract_article`` and
    ``page_drop_reason``: neither modifies it.
    """
    return _parse(_to_text(html))
