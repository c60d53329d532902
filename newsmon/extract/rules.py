"""The cleaning rules: which lines of trafilatura's text are page junk."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from newsmon.extract.linemodel import confirms_junk
from newsmon.extract.lines import (
    CLOSERS,
    LINK_ONLY,
    Line,
    collapse_ws,
    is_bare_label,
    is_caps_label,
    is_credit_label,
    is_label_then_link,
    is_loading,
    starts_with_symbol,
)

# Rules whose drop stands on positive evidence of its own: the line is the page's title,
# a placeholder's or a widget label's shape, the label of a link block, or repeated
# across the site's pages. The other rules guess from a line's shape, and on pages
# nobody here wrote they guess wrong half of the time (bench/extract_train.py): their
# drops stand only where the line classifier agrees (see ``confirm_drops``).
EVIDENT = frozenset({"title", "placeholder", "widget_label", "link_label", "site_line"})
PAGE_GUARD = 0.2             # shape rules may not take more than this share of a page's words ...
GUARD_FLOOR = 20             # ... beyond this many (a cookie line and a byline on a short page)
RUN_MAX = 3                  # ... nor more lines than this by one edge/heading/credit rule: that is structure
_STRUCTURE_RULES = ("edge", "empty_heading", "credit")
EDGE_MAX_WORDS = 12          # edge non-sentences up to this long are junk (bylines are <= ~10)
LINK_HEAVY = 0.6             # share of a line's characters inside <a> that makes it a link line
CANDIDATE_MAX_WORDS = 20     # lines counted for per-site learning


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


def _duplicates(lines: list[Line]) -> list[bool]:
    """Is each line a copy of an earlier one (casefolded)? One False more at the end, which
    index -1 and index len(lines) both read: neighbours need no bounds checks."""
    seen, dup = set(), []
    for ln in lines:
        norm = ln.text.casefold()
        dup.append(norm in seen)
        seen.add(norm)
    return dup + [False]


def _mark_line_rules(lines: list[Line], title: str | None, site_lines) -> None:
    """Per-line rules (b, c, d and repeats): set ``drop`` on lines that are junk anywhere."""
    title_key = line_key(title or "")
    dup = _duplicates(lines)
    for i, ln in enumerate(lines):
        key = line_key(ln.text) if site_lines or (i < 3 and title_key) else None   # costly on paragraphs
        if i < 3 and title_key and key == title_key:
            ln.drop = "title"                 # trafilatura often keeps the <h1>
        elif dup[i] and ln.words >= 3 and (dup[i - 1] or dup[i + 1] or ln.sentence):
            # a repeated block (doubled widget) or sentence (pull quote); a lone repeated
            # short line is a record's field ("Job type: Full time") or a heading a table
            # of contents listed: only the other rules judge it
            ln.drop = "repeat"
        elif site_lines and key and key in site_lines:
            ln.drop = "site_line"             # (d) learned for this site
        elif is_loading(ln.text):
            ln.drop = "placeholder"           # (c) "Loading..."
        elif starts_with_symbol(ln.text) and not ln.sentence and ln.words <= 6:
            ln.drop = "widget_label"          # (c) "🔗 View Source"
        elif ln.link_ratio >= LINK_ONLY or (ln.link_ratio >= LINK_HEAVY and not ln.sentence):
            ln.drop = "link"                  # (b) teaser headline / related link
        elif is_label_then_link(ln):
            ln.drop = "link"                  # (b) "Also Read: <a>Headline?</a>" on one line
        elif ln.kind != "head" and is_credit_label(ln.text):
            ln.drop = "credit"                # (c) "Image Source: X"


def _drop_orphan_labels(lines: list[Line], link_labels=frozenset()) -> None:
    """(b) A bare "Label:" heading a related-links block goes with the block.

    Known either from the extracted lines (the next line is a link line) or
    from the source HTML (``link_labels``: the element after the label is
    mostly anchor text), since trafilatura sometimes drops the links and
    keeps the label. ``link_labels`` may be a function that returns them:
    it is called only if a label needs them.
    """
    for i, ln in enumerate(lines):
        if ln.drop or not is_bare_label(ln.text):
            continue
        nxt = next((x for x in lines[i + 1:] if x.drop not in ("repeat", "title")), None)
        if nxt is None or nxt.drop == "link":
            ln.drop = "link_label"
            continue
        if callable(link_labels):
            link_labels = link_labels()
        if line_key(ln.text) in link_labels:
            ln.drop = "link_label"


_LABEL_TAIL = CLOSERS + "\t\r\n\f\v"


def link_block_labels(tree) -> frozenset[str]:
    """Keys of short "Label:" texts in the HTML whose next element is mostly link text."""
    labels = set()
    for node in tree.xpath("//body//text()[contains(., ':')]"):
        raw = str(node)
        if not raw.rstrip().rstrip(_LABEL_TAIL).endswith(":"):
            continue    # cheap form of the is_bare_label test below (scripts hold many ':')
        text = collapse_ws(raw).strip()
        if not text or not is_bare_label(text):
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
        nxt_text = collapse_ws(nxt[0].text_content()).strip()
        linked = sum(len(collapse_ws(a.text_content()).strip())
                     for a in nxt[0].iter("a")) if nxt[0].tag != "a" else len(nxt_text)
        if nxt_text and linked >= LINK_HEAVY * len(nxt_text):
            labels.add(line_key(text))
    return frozenset(labels)


def _is_content(ln: Line) -> bool:
    """Prose or a real list item: what a heading must introduce to be kept."""
    return ln.sentence or (ln.kind == "item" and ln.words >= 3) or ln.words >= 15


def _is_heading_like(ln: Line) -> bool:
    return ln.kind == "head" or (not ln.sentence and is_caps_label(ln.text))


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
    if starts_with_symbol(ln.text):
        return True
    if ln.sentence:
        return False
    if ln.kind == "head" and followed_by_content:
        return False
    if ln.kind == "item" and ln.words >= 5 and followed_by_content:
        return False
    return ln.words <= EDGE_MAX_WORDS or is_caps_label(ln.text)


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


def _is_evident(lines: list[Line], i: int) -> bool:
    """A drop that needs no confirmation; a repeated block of few words, not prose, too
    (a repeated line that one sentence joins to its neighbour is repeated prose)."""
    ln = lines[i]
    if ln.drop in EVIDENT:
        return True
    if ln.drop != "repeat" or ln.sentence:
        return False
    return not ((i > 0 and _runs_on(lines[i - 1], ln)) or (i + 1 < len(lines) and _runs_on(ln, lines[i + 1])))


_SENTENCE_END = frozenset(".!?…:;\"”’)]|")
# closed-class words a sentence cannot end on: a line ending on one goes on in the next
_RUNS_ON = frozenset(("and", "or", "but", "nor", "as", "the", "a", "an", "of", "to", "in", "on", "at", "by",
                      "for", "with", "from", "that", "which", "who", "is", "are", "was", "were", "its", "their"))


def _runs_on(a: Line, b: Line) -> bool:
    """Is ``b`` the rest of the sentence ``a`` breaks off (a paragraph trafilatura split at
    a link or a <br>: 'Google Reader has come to Desktop, as' + 'announced on the blog.')?"""
    if a.kind != "p" or b.kind != "p" or not a.text or not b.text or a.text[-1] in _SENTENCE_END:
        return False
    last = a.text.rsplit(None, 1)[-1].lower()
    return b.text[0].islower() or a.text[-1] == "," or last in _RUNS_ON


def _restore_run_on_sentences(lines: list[Line], guessed: list[int]) -> None:
    """A guessed drop that one sentence joins to a kept neighbour is article text."""
    pending = set(i for i in guessed if lines[i].drop)
    changed = True
    while changed and pending:
        changed = False
        for i in sorted(pending):
            before = i > 0 and not lines[i - 1].drop and _runs_on(lines[i - 1], lines[i])
            after = i + 1 < len(lines) and not lines[i + 1].drop and _runs_on(lines[i], lines[i + 1])
            if before or after:
                lines[i].drop = None
                pending.discard(i)
                changed = True


def confirm_drops(lines: list[Line], probability=None) -> None:
    """Keep the shape rules' drops the line classifier confirms, within the page guard.

    trafilatura's text wins where a rule guesses from shape alone: such a drop
    stands unless the classifier (``linemodel.confirms_junk``, or
    ``probability(lines, rows)``) finds the line content; none of an edge,
    heading or credit rule stands when it would take more than RUN_MAX lines
    (that is the page's structure: a list at the end, a gallery's captions);
    and none at all when together they would take more than PAGE_GUARD of the
    page's words (a calendar reduced to its comment-policy line, a recipe
    without its lists).
    Kept lines are what the site learns its repeated lines from.
    """
    guessed = [i for i, ln in enumerate(lines) if ln.drop and not _is_evident(lines, i)]
    if not guessed:
        return
    confirmed = (probability or confirms_junk)(lines, guessed)
    for i, ok in zip(guessed, confirmed):
        if not ok:
            lines[i].drop = None
    _restore_run_on_sentences(lines, guessed)
    for reason in _STRUCTURE_RULES:   # a list at the edge, a gallery's headings, a memo's header
        hits = [i for i in guessed if lines[i].drop == reason]
        if len(hits) > RUN_MAX:
            for i in hits:
                lines[i].drop = None
    total = sum(ln.words for ln in lines)
    guessed_words = sum(lines[i].words for i in guessed if lines[i].drop)
    if guessed_words > max(GUARD_FLOOR, PAGE_GUARD * total):
        for i in guessed:
            lines[i].drop = None


def mark_rules(lines: list[Line], title: str | None = None, site_lines=None,
               link_labels=frozenset()) -> list[Line]:
    """Every rule's verdict, unconfirmed: sets ``drop`` on the lines a rule calls junk."""
    _mark_line_rules(lines, title, site_lines)
    _drop_orphan_labels(lines, link_labels)
    _drop_empty_headings(lines)
    _strip_edges(lines)
    _drop_empty_headings(lines)              # a heading left before stripped tail junk
    return lines


def clean_lines(lines: list[Line], title: str | None = None, site_lines=None,
                link_labels=frozenset(), probability=None) -> list[Line]:
    """Apply every rule, then ``confirm_drops``; returns the same lines with ``drop`` set
    on the junk. ``probability``: see ``confirm_drops`` (None: the shipped classifier)."""
    mark_rules(lines, title, site_lines, link_labels)
    confirm_drops(lines, probability)
    return lines


def render(lines: list[Line]) -> str:
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


def site_line_candidates(lines: list[Line]) -> list[str]:
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
