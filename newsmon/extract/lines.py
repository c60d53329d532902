"""trafilatura's body as lines that know their kind and link share; text-shape tests."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

LABEL_MAX_WORDS = 3          # "Image Source:", "Read more:" - labels are one to three words
CREDIT_MAX_WORDS = 12        # a "Label: value" credit line is short
LOADING_MAX_WORDS = 5        # "Loading... Loading IST..." ; real sentences with "…" are longer
LINK_ONLY = 0.9              # ... that makes it a link line even when it reads like a sentence


# sentence-shape helpers

CLOSERS = "\"'”’»)]*\u00a0 "
_TERMINAL = ".!?…"
_ELLIPSIS = re.compile(r"(\.\.\.|…)\s*$")
_WS = re.compile(r"[ \t\r\n\f\v]+")
_LABEL_COLON = re.compile(r"^(?P<label>[^\W\d_][^:]{0,40}?)\s*:\s*(?P<rest>.*)$", re.S)


def collapse_ws(text: str) -> str:
    """``_WS.sub(" ", text)``: most text has no run to collapse, and finding that out is cheaper."""
    if "  " in text or "\n" in text or "\t" in text or "\r" in text or "\f" in text or "\v" in text:
        return _WS.sub(" ", text)
    return text


# Chinese and Japanese write without spaces between words: their letters (Han
# ideographs, hiragana, katakana; not punctuation) are counted at two a word,
# about the length of a word there. Korean spaces its words and needs nothing.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
UNSPACED_CHARS_PER_WORD = 2


def count_words(text: str) -> int:
    """Words in ``text``: whitespace-separated, plus Chinese/Japanese characters at
    UNSPACED_CHARS_PER_WORD a word (a page of them would otherwise be a few "words")."""
    words = len(text.split())
    if text.isascii():
        return words
    unspaced = len(_UNSPACED.findall(text))
    return words + unspaced // UNSPACED_CHARS_PER_WORD if unspaced else words


def _has_words(text: str, n: int) -> bool:
    """``count_words(text) >= n``, without splitting all of a paragraph."""
    if len(text.split(None, n - 1)) >= n:
        return True
    return not text.isascii() and count_words(text) >= n


def is_loading(text: str) -> bool:
    """Placeholder text a page shows until its JavaScript runs ("Loading headlines...")."""
    return not _has_words(text, LOADING_MAX_WORDS + 1) and bool(_ELLIPSIS.search(text))


def is_sentence(text: str) -> bool:
    """Does the line read as prose: terminal punctuation, or a closing quote after words.

    Quote paragraphs may end in ,” or ” (the attribution follows), so a closing
    quote counts when the line has some length. A short line that ends in an
    ellipsis is a placeholder, not a sentence.
    """
    if is_loading(text):
        return False
    core = text.rstrip(CLOSERS)
    if not core:
        return False
    if core[-1] in _TERMINAL:
        return _has_words(text, 2)
    ends_in_quote = text.rstrip("\u00a0 ")[-1:] in "\"”’»"
    return ends_in_quote and _has_words(text, 6)


def starts_with_symbol(text: str) -> bool:
    """Emoji or pictograph first: widget labels ("🔦 Newsroom Feed"), never prose."""
    first = text.lstrip()[:1]
    return bool(first) and unicodedata.category(first) in ("So", "Sk", "Co", "Cs")


def is_caps_label(text: str) -> bool:
    """ALL-CAPS short line ("WORLD-EXCLUSIVE", "AGE OF MANY POWERS")."""
    if _has_words(text, 7):
        return False
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def is_field(text: str) -> bool:
    """A "Label: value" line of any length ("Author: Adam Hotz", "Description: Allows you...")."""
    m = _LABEL_COLON.match(text)
    return bool(m) and count_words(m.group("label")) <= LABEL_MAX_WORDS and bool(m.group("rest").strip())


def is_credit_label(text: str) -> bool:
    """Short "Label: value" line that is not a sentence: "Image Source: X", "Photo: AP"."""
    m = _LABEL_COLON.match(text)
    if not m or count_words(m.group("label")) > LABEL_MAX_WORDS:
        return False
    return bool(m.group("rest").strip()) and not is_sentence(text) and count_words(text) <= CREDIT_MAX_WORDS


def is_label_then_link(ln: Line) -> bool:
    """ "Read more: <a>headline</a>" on one line: a short label, not linked, then (almost) only
    link text. A line linked whole ("<a>Playlist: Stories of survival</a>") is a link line."""
    m = _LABEL_COLON.match(ln.text)
    if not m or count_words(m.group("label")) > LABEL_MAX_WORDS or not m.group("rest"):
        return False
    linked, rest = ln.link_ratio * len(ln.text), len(m.group("rest"))
    return LINK_ONLY * rest <= linked <= rest + 1


def is_bare_label(text: str) -> bool:
    """A lone "Label:" line that introduces a block ("Also Read:", "Related:")."""
    stripped = text.rstrip(CLOSERS)
    return stripped.endswith(":") and count_words(stripped) <= LABEL_MAX_WORDS + 1


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
        return count_words(self.text)

    @cached_property
    def sentence(self) -> bool:
        return is_sentence(self.text)


_BLOCKS = {"p", "head", "item", "quote", "cell", "code", "list", "table", "row",
           "div", "section", "body", "note", "label"}
_SKIP = {"graphic"}      # images


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


def _spaced_word_char(ch: str) -> bool:
    """A letter or digit of a script that spaces its words (below the CJK blocks)."""
    return ch.isalnum() and ch < "\u2e80"


def _segments_to_lines(segments, kind: str) -> list[Line]:
    """Join inline pieces into lines split at <lb/>, counting link characters."""
    lines, text, linked = [], [], 0

    def flush():
        collapsed = collapse_ws("".join(text))
        clean = collapsed.strip(" \u00a0\u200b\ufeff")
        if clean:
            ratio = min(1.0, linked / max(1, len(collapsed.strip())))
            lines.append(Line(clean, kind, ratio))

    after_link = False
    for seg in segments:
        if seg is None:
            flush()
            text, linked, after_link = [], 0, False
            continue
        piece, is_link = seg
        if after_link and not is_link and text and _spaced_word_char(piece[:1]) and _spaced_word_char(text[-1][-1:]):
            # trafilatura trims the text after a link in a <div> ("[Peugeot Ion](…)were"): a word
            # ending the link and one starting its tail were two words
            text.append(" ")
        after_link = is_link
        text.append(piece)
        if is_link:
            linked += len(collapse_ws(piece).strip())
    flush()
    return lines


def _kind(tag: str) -> str:
    return {"head": "head", "item": "item"}.get(tag, "p")


def body_lines(el) -> list[Line]:
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
            out += body_lines(child)
            if child.tail:
                pending.append((child.tail, False))
        else:
            pending += list(_inline_segments(child))
    out += _segments_to_lines(pending, _kind(tag))
    return out
