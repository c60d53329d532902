"""The cleaning rules: which lines of trafilatura's text are page junk."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from newsmon.extract.linemodel import confirms_junk
from newsmon.extract.lines import (
    CLOSERS,
    LABEL_MAX_WORDS,
    LINK_ONLY,
    Line,
    collapse_ws,
    is_bare_label,
    is_caps_label,
    is_credit_label,
    is_field,
    is_label_then_link,
    is_loading,
    starts_with_symbol,
)

# Rules whose drop stands on positive evidence of its own: a placeholder's or a widget
# label's shape, the label of a link block (or "Label: <a>link</a>" on one line), a short
# line above the headline, or repeated across the site's pages; and shape drops that evident
# junk encloses (``_evident_rows``). The other rules guess from a line's shape, and on pages
# nobody here wrote they guess wrong half of the time (bench/extract_train.py): their
# drops stand only where the line classifier finds the line junk surely enough (see
# ``confirm_drops``; the thresholds per rule are in the model file).
EVIDENT = frozenset({"placeholder", "widget_label", "link_label", "site_line", "above_title"})
PAGE_GUARD = 0.2             # shape rules may not take more than this share of a page's words ...
GUARD_FLOOR = 20             # ... beyond this many (a cookie line and a byline on a short page)
RUN_MAX = 3                  # ... nor more lines than this by one edge/heading/credit rule: that is structure
_STRUCTURE_RULES = ("edge", "empty_heading", "credit")
EDGE_MAX_WORDS = 12          # edge non-sentences up to this long are junk (bylines are <= ~10)
LINK_HEAVY = 0.6             # share of a line's characters inside <a> that makes it a link line
FIELD_RUN = 3                # "Label: value" lines in a row that make a record, not credits
SHORT_PAGE_SHARE = 0.4       # shape rules never take more than this share of a page, floor or not
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


def title_lines(lines: list[Line], title: str | None) -> set[int]:
    """``id`` of the lines among the first three that repeat the page's title. They are kept:
    the headline is the article's first line in the labelled texts nobody here wrote (dragnet,
    cleanportal: 9 in 10 such lines), and the edge and heading rules start after it."""
    title_key = line_key(title or "")
    if not title_key:
        return set()
    return {id(ln) for ln in lines[:3] if line_key(ln.text) == title_key}


def _field_runs(lines: list[Line]) -> list[bool]:
    """Is each line one of FIELD_RUN or more "Label: value" lines in a row: a record's
    fields ("Name: ...", "Author: ...", "Description: ..."; a memo's FROM/TO/DATE/RE), not credits?"""
    fields = [is_field(ln.text) for ln in lines]
    out = [False] * len(lines)
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and fields[j]:
            j += 1
        if j - i >= FIELD_RUN:
            out[i:j] = [True] * (j - i)
        i = j + 1
    return out


def _mark_line_rules(lines: list[Line], site_lines, titles=frozenset()) -> None:
    """Per-line rules (b, c, d and repeats): set ``drop`` on lines that are junk anywhere."""
    dup = _duplicates(lines)
    record = None
    for i, ln in enumerate(lines):
        if id(ln) in titles:
            continue                          # the headline (a link to itself on many sites)
        elif dup[i] and ln.words >= 3 and (dup[i - 1] or dup[i + 1] or ln.sentence):
            # a repeated block (doubled widget) or sentence (pull quote); a lone repeated
            # short line is a record's field ("Job type: Full time") or a heading a table
            # of contents listed: only the other rules judge it
            ln.drop = "repeat"
        elif site_lines and line_key(ln.text) in site_lines:
            ln.drop = "site_line"             # (d) learned for this site
        elif is_loading(ln.text):
            ln.drop = "placeholder"           # (c) "Loading..."
        elif starts_with_symbol(ln.text) and not ln.sentence and ln.words <= 6:
            ln.drop = "widget_label"          # (c) "🔗 View Source"
        elif is_label_then_link(ln):
            ln.drop = "link_label"            # (b) "Also Read: <a>Headline?</a>": label and block on one line
        elif ln.link_ratio >= LINK_ONLY or (ln.link_ratio >= LINK_HEAVY and not ln.sentence):
            ln.drop = "link"                  # (b) teaser headline / related link
        elif ln.kind != "head" and is_credit_label(ln.text):
            record = _field_runs(lines) if record is None else record
            if not record[i]:
                ln.drop = "credit"            # (c) "Image Source: X"


def _keep_lone_links(lines: list[Line]) -> None:
    """A link line alone between two paragraphs of prose is part of the narrative (a sentence
    that is mostly its link, a linked heading of a section), and so is one between a section's
    prose and the next heading (the section's "Learn more about X"); link junk comes in blocks,
    or at the edges of the text."""
    for i in range(1, len(lines) - 1):
        prev, ln, nxt = lines[i - 1], lines[i], lines[i + 1]
        if ln.drop == "link" and not prev.drop and not nxt.drop and _is_content(prev) and (
                _is_content(nxt) or nxt.kind == "head"):
            ln.drop = None


def _drop_above_title(lines: list[Line], titles) -> None:
    """Short non-sentences above the headline are the page's chrome (a nav bar, a breadcrumb)."""
    first = next((i for i, ln in enumerate(lines) if id(ln) in titles), 0)
    for ln in lines[:first]:
        if ln.drop not in EVIDENT and not ln.sentence and ln.words <= EDGE_MAX_WORDS:
            ln.drop = "above_title"


def _labelled_line(lines: list[Line], i: int) -> int | None:
    """The line a label at ``i`` heads: the next one not dropped as a repeat (None: none)."""
    return next((k for k in range(i + 1, len(lines)) if lines[k].drop != "repeat"), None)


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
        nxt = _labelled_line(lines, i)
        if nxt is None or lines[nxt].drop == "link":
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


def _drop_empty_headings(lines: list[Line], titles=frozenset()) -> None:
    """Headings survive only if content follows before the next heading (the title always)."""
    kept = [ln for ln in lines if not ln.drop]
    for i, ln in enumerate(kept):
        if id(ln) not in titles and _is_heading_like(ln) and not _introduces_content(kept[i + 1:]):
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


def _strip_edges(lines: list[Line], titles=frozenset()) -> None:
    """(a) Remove edge junk from the start and the end of the kept lines; the start is after
    the headline, if the text begins with it."""
    kept = [ln for ln in lines if not ln.drop]
    for i, ln in enumerate(kept):            # start: a heading may introduce what follows
        if id(ln) in titles:
            continue
        nxt = kept[i + 1] if i + 1 < len(kept) else None
        if not _is_edge_junk(ln, nxt is not None and _is_content(nxt)):
            break
        ln.drop = "edge"
    for ln in reversed([x for x in kept if not x.drop]):   # end: nothing follows
        if id(ln) in titles or (ln.kind == "item" and ln.words >= 5) or not _is_edge_junk(ln, False):
            break   # a real closing list survives; related-link lists went by rule (b)
        ln.drop = "edge"


def _is_evident(lines: list[Line], i: int) -> bool:
    """A drop that needs no confirmation; a repeated block of few words, not prose, too
    (a repeated line that one sentence joins to its neighbour is repeated prose)."""
    ln = lines[i]
    if ln.drop in EVIDENT:
        return True
    return ln.drop == "repeat" and not ln.sentence and not _joins_neighbour(lines, i)


def _evident_rows(lines: list[Line]) -> list[bool]:
    """Which drops stand without the classifier: evident ones (``_is_evident``), and shape
    drops that sit in evident junk: the links of a block a "Label:" line heads ("Also Read:"
    then its headlines), and a run of shape drops that evident junk encloses on both sides
    (or on one side and the end of the text: a widget column's captions between its
    "Loading..." placeholders)."""
    n = len(lines)
    evident = [bool(ln.drop) and _is_evident(lines, i) for i, ln in enumerate(lines)]
    out = list(evident)
    i = 0
    while i < n:
        if not lines[i].drop or evident[i]:
            i += 1
            continue
        j = i                                 # a run of shape drops lines[i:j]
        while j < n and lines[j].drop and not evident[j]:
            j += 1
        before = evident[i - 1] if i else None
        after = evident[j] if j < n else None
        if (before or after) and before is not False and after is not False:
            out[i:j] = [True] * (j - i)
        elif before and lines[i - 1].drop == "link_label":
            for k in range(i, j):             # the block's links, up to its first other line
                if lines[k].drop != "link" or lines[k].link_ratio < LINK_ONLY:
                    break
                out[k] = True
        i = j
    return out


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


def _joins_neighbour(lines: list[Line], i: int, kept_only: bool = False) -> bool:
    """Does one sentence run from line ``i`` into the line before or after it (a kept one,
    with ``kept_only``)?"""
    before = i > 0 and not (kept_only and lines[i - 1].drop) and _runs_on(lines[i - 1], lines[i])
    return before or (i + 1 < len(lines) and not (kept_only and lines[i + 1].drop) and _runs_on(lines[i], lines[i + 1]))


def _restore_run_on_sentences(lines: list[Line], guessed: list[int]) -> None:
    """A guessed drop that one sentence joins to a kept neighbour is article text."""
    pending = set(i for i in guessed if lines[i].drop)
    changed = True
    while changed and pending:
        changed = False
        for i in sorted(pending):
            if _joins_neighbour(lines, i, kept_only=True):
                lines[i].drop = None
                pending.discard(i)
                changed = True


def _restore_links_inside_kept_lists(lines: list[Line], guessed: list[int]) -> None:
    """Link items between kept items of the same list are the list's content (a post that is
    a list of linked headlines with notes); a related-links list is links from end to end."""
    pending = set(guessed)
    n = len(lines)
    i = 0
    while i < n:
        if not (i in pending and lines[i].drop == "link" and lines[i].kind == "item"):
            i += 1
            continue
        j = i
        while j < n and j in pending and lines[j].drop in ("link", "edge") and lines[j].kind == "item":
            j += 1
        before, after = lines[i - 1] if i else None, lines[j] if j < n else None
        if all(x is not None and x.kind == "item" and not x.drop for x in (before, after)):
            for k in range(i, j):
                lines[k].drop = None
        i = j


def _drop_label_of_closing_block(lines: list[Line]) -> None:
    """The last kept line labels the link block that closes the text when it is a short
    non-sentence and only dropped lines, links among them, follow ("Latest Local" + headlines)."""
    last = next((i for i in range(len(lines) - 1, -1, -1) if not lines[i].drop), None)
    if last is None or last == len(lines) - 1:
        return
    ln = lines[last]
    if (not ln.sentence and ln.words <= LABEL_MAX_WORDS + 1 and ln.kind != "item"
            and any(x.drop in ("link", "link_label") for x in lines[last + 1:])):
        ln.drop = "link_label"


def _restore_labels_of_kept_blocks(lines: list[Line], guessed: list[int]) -> None:
    """A "Label:" dropped for the link line after it goes back when that line was given back
    ("(Source:" + "Cord Jefferson, via": a citation trafilatura split at its link)."""
    given_back = {i for i in guessed if not lines[i].drop}
    for i, ln in enumerate(lines):
        if ln.drop == "link_label" and is_bare_label(ln.text):
            if _labelled_line(lines, i) in given_back:
                ln.drop = None


def confirm_drops(lines: list[Line], probability=None) -> None:
    """Keep the shape rules' drops the line classifier confirms, within the page guard.

    trafilatura's text wins where a rule guesses from shape alone: such a drop
    stands only where the classifier (``linemodel.confirms_junk``, or
    ``probability(lines, rows)``) finds the line junk; none of an edge,
    heading or credit rule stands when the rule marks more than RUN_MAX lines
    (that is the page's structure: a list at the end, a gallery's captions);
    link items between kept items of their list, and a "Label:" whose link line
    was given back, stay; and no shape drop at all stands when together they
    would take more than PAGE_GUARD of the page's words (a calendar reduced to
    its comment-policy line, a recipe without its lists), or SHORT_PAGE_SHARE
    of a short page's.
    Kept lines are what the site learns its repeated lines from.
    """
    evident = _evident_rows(lines)
    guessed = [i for i, ln in enumerate(lines) if ln.drop and not evident[i]]
    if not guessed:
        return
    structure = [r for r in _STRUCTURE_RULES if sum(lines[i].drop == r for i in guessed) > RUN_MAX]
    confirmed = (probability or confirms_junk)(lines, guessed)
    for i, ok in zip(guessed, confirmed):
        if not ok:
            lines[i].drop = None
    _restore_run_on_sentences(lines, guessed)
    _restore_links_inside_kept_lists(lines, guessed)
    _restore_labels_of_kept_blocks(lines, guessed)
    _drop_label_of_closing_block(lines)
    for i in guessed:   # a list at the edge, a gallery's headings, a memo's header: marked, not confirmed
        if lines[i].drop in structure:
            lines[i].drop = None
    total = sum(ln.words for ln in lines)
    guessed_words = sum(lines[i].words for i in guessed if lines[i].drop)
    if guessed_words > max(GUARD_FLOOR, PAGE_GUARD * total) or guessed_words > SHORT_PAGE_SHARE * total:
        for i in guessed:
            lines[i].drop = None


def mark_rules(lines: list[Line], title: str | None = None, site_lines=None,
               link_labels=frozenset()) -> list[Line]:
    """Every rule's verdict, unconfirmed: sets ``drop`` on the lines a rule calls junk."""
    titles = title_lines(lines, title)
    _mark_line_rules(lines, site_lines, titles)
    _keep_lone_links(lines)
    _drop_above_title(lines, titles)
    _drop_orphan_labels(lines, link_labels)
    _drop_empty_headings(lines, titles)
    _strip_edges(lines, titles)
    _drop_empty_headings(lines, titles)      # a heading left before stripped tail junk
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
