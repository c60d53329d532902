"""Layout of an article's text: paragraphs, quoted segments, sentences, and the text with quotes masked."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from newsmon.claims.vocabulary import ABBREVIATIONS, MONTHS_ALSO_NAMES

QUOTE_CHAR_RE = re.compile(r'[“”"]')
WORD_RE = re.compile(r"\S+")
# "[.!?…][.!?…]*" is "[.!?…]+" written so that the pattern opens with a character
# class: the regex engine then skips to candidate positions instead of trying each one.
SENT_END_RE = re.compile(r'[.!?…][.!?…]*["”’)]*\s+(?=[“"‘(\[]?[A-Z0-9À-Þ])')
BULLET_RE = re.compile(r"^[\s•·*\-–—►▪●]+")
# BULLET_RE for .match(text, pos): there "^" would never match past the text's start
BULLET_PREFIX_RE = re.compile(r"[\s•·*\-–—►▪●]+")


def _is_word_char(ch: str) -> bool:
    """What the regex \\w matches (str patterns): alphanumerics and '_'."""
    return ch.isalnum() or ch == "_"


def ends_with_word(text: str, words: tuple[str, ...]) -> bool:
    """re.search(r"\\b(?:w1|w2|…)\\s*$", text) without scanning the whole text."""
    core = text.rstrip()
    if not core.endswith(words):
        return False  # the common case, in one call
    for w in words:
        if core.endswith(w) and (len(core) == len(w) or not _is_word_char(core[-len(w) - 1])):
            return True
    return False


def ends_with_closed_quote(text: str) -> bool:
    """re.search(r'[”"]\\s*,?\\s*$', text) without scanning the whole text."""
    core = text.rstrip()
    if core.endswith(","):
        core = core[:-1].rstrip()
    return core.endswith(("”", '"'))
MASK = "_"


@dataclass
class Segment:
    """One quoted span (inner offsets) inside a single paragraph."""
    start: int
    end: int
    para: int
    closed: bool          # closing mark found in this paragraph
    chain: int            # multi-paragraph quotes share a chain id
    sent: int = -1


SINGLE_OPEN_RE = re.compile(r"(?:(?<=^)|(?<=[\s(\[—–-]))‘(?=\S)", re.M)


def single_to_double_quotes(text: str) -> str:
    """British style: ‘…’ quotes written as “…” (same length, so offsets hold).

    Only in paragraphs with no double quote marks (there ‘…’ is a quote inside a
    quote). The closing mark is the first ’ after the opening that ends a word and
    is not an apostrophe: one after , . ! ? or one followed by a blank or
    punctuation and not ending a plural ("workers’ union") when a later one does.
    """
    if "‘" not in text:
        return text
    out = list(text)
    for ps, pe in paragraph_spans(text):
        if text.find("“", ps, pe) >= 0 or text.find('"', ps, pe) >= 0:
            continue
        pos = ps
        while True:
            m = SINGLE_OPEN_RE.search(text, pos, pe)
            if not m:
                break
            close = _single_close(text, m.end(), pe)
            if close is None:
                break
            out[m.start()] = "“"
            out[close] = "”"
            pos = close + 1
    return "".join(out)


def _single_close(text: str, a: int, pe: int) -> int | None:
    fallback = None
    i = text.find("’", a, pe)
    while i >= 0:
        nxt = text[i + 1:i + 2]
        if not nxt.isalnum():  # not "don’t"
            if text[i - 1] in ",.!?":
                return i
            if text[i - 1] != "s":
                return i
            if fallback is None:
                fallback = i
        if text.find("‘", a, i) >= 0 and fallback is None:
            break  # another quote opens before any close: leave this one
        i = text.find("’", i + 1, pe)
    return fallback


TWO_APOSTROPHES_RE = re.compile(r"''")


def two_apostrophes_to_quotes(text: str) -> str:
    """''…'' (two apostrophes for a quote mark, as some archives write) as “…” (same length:
    the mark goes next to the word, a space where the other apostrophe was)."""
    if "''" not in text:
        return text
    out = list(text)
    for m in TWO_APOSTROPHES_RE.finditer(text):
        a = m.start()
        before, after = text[a - 1:a] if a else "", text[a + 2:a + 3]
        if (not before or before.isspace() or before in "([—–-") and after and not after.isspace():
            out[a], out[a + 1] = " ", "“"      # opening: ''Word -> " “Word"
        else:
            out[a], out[a + 1] = "”", " "      # closing: word,'' -> "word,” "
    return "".join(out)


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line; news text uses a line per paragraph."""
    out, pos = [], 0
    for line in text.split("\n"):
        end = pos + len(line)
        if line.strip():
            out.append((pos, end))
        pos = end + 1
    return out


def quote_segments(text: str, paras: list[tuple[int, int]]) -> list[Segment]:
    """Find quoted spans paragraph by paragraph, linking multi-paragraph quotes.

    A quote still open at the end of a paragraph is continued by the next
    paragraph when that one starts with an opening mark (news convention).
    """
    segs: list[Segment] = []
    chain_id, carry = 0, False
    for pi, (ps, pe) in enumerate(paras):
        open_at, open_ch = None, None
        starts_with_quote = text[ps:pe].lstrip()[:1] in ("“", '"')
        if not (carry and starts_with_quote):
            chain_id += 1
        carry = False
        for m in QUOTE_CHAR_RE.finditer(text, ps, pe):
            ch, i = m.group(), m.start()
            if open_at is None:
                if ch == "”":
                    continue  # stray closing mark
                open_at, open_ch = i, ch
            elif ch == "”" or (ch == '"' and open_ch == '"') or (ch == '"' and open_ch == "“"):
                segs.append(Segment(open_at + 1, i, pi, True, chain_id))
                open_at = None
                chain_id += 1
            else:  # a second opening mark while open: restart the quote here
                open_at, open_ch = i, ch
        if open_at is not None:
            end = pe
            while end > open_at + 1 and text[end - 1].isspace():
                end -= 1
            segs.append(Segment(open_at + 1, end, pi, False, chain_id))
            carry = True
    return segs


INITIALS_RE = re.compile(r"(?:[a-z]\.)+[a-z]")


def _is_abbrev(text: str, dot: int) -> bool:
    """True when the '.' at `dot` ends an abbreviation or an initial (U.S., Dr.)."""
    if dot >= 5 and text[dot - 5:dot].isalpha():
        return False  # five letters: longer than any abbreviation, and not initials
    j = dot
    while j > 0 and not text[j - 1].isspace():
        j -= 1
    word = text[j:dot].lower().lstrip("(“\"")
    if word in ABBREVIATIONS:
        return True
    if word in MONTHS_ALSO_NAMES:   # "since Jan. 1, 2015": a date, where "Jan." could end a sentence
        return text[dot + 1:dot + 3].strip()[:1].isdigit()
    if len(word) == 1 and word.isalpha():
        return True
    return bool(INITIALS_RE.fullmatch(word))


def sentence_spans(text: str, paras, segs) -> list[tuple[int, int, int]]:
    """Quote-aware sentence spans (start, end, para index)."""
    # segments are disjoint and in text order: only the last one starting
    # before a position can contain it
    seg_starts = [s.start for s in segs]
    seg_ends = [s.end for s in segs]
    out = []
    for pi, (ps, pe) in enumerate(paras):
        start = ps
        for m in SENT_END_RE.finditer(text, ps, pe):
            cut = m.end()
            if m.group()[0] == "." and _is_abbrev(text, m.start()):
                continue
            k = bisect_left(seg_starts, cut - 1) - 1
            if k >= 0 and cut - 1 < seg_ends[k]:
                continue  # the sentence end is inside a quote
            out.append((start, cut, pi))
            start = cut
        if start < pe:
            out.append((start, pe, pi))
    return out


def mask_quotes(text: str, segs) -> str:
    """Text with quote interiors blanked, so cue words inside quotes never fire."""
    if not segs:
        return text
    parts, last = [], 0
    for s in segs:
        parts.append(text[last:s.start])
        parts.append(MASK * (s.end - s.start))
        last = s.end
    parts.append(text[last:])
    return "".join(parts)
