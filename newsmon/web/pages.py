"""Stored values turned into what a reader sees: safe HTML (``markupsafe.Markup``).

Everything taken from the database is escaped; the only markup is what these
functions add. Used by newsmon's Datasette plugin and templates (newsmon/web/).
"""

from __future__ import annotations

import difflib
import json
import re
from datetime import datetime
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from newsmon.claims.records import quote_fits

# the delimiters the canned full-text queries ask FTS5's snippet() and highlight() for
MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
_MARK_TAG = re.compile(r"(</?mark>)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_TOKEN = re.compile(r"\s+|[^\s]+")


def human_time(value) -> str:
    """'2026-11-20T09:45:00Z' -> '20 Nov 2026, 09:45 UTC'; anything else as it is."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.utcoffset() is None:
        return moment.strftime("%-d %b %Y, %H:%M")
    zone = "UTC" if not moment.utcoffset() else moment.strftime("UTC%z")
    return f"{moment.strftime('%-d %b %Y, %H:%M')} {zone}"


def authors(value) -> list[str]:
    """The authors column (a JSON list, or a plain name) as a list of names."""
    if not value:
        return []
    if isinstance(value, list):
        return [str(a) for a in value if a]
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return [str(value)]
    if isinstance(parsed, list):
        return [str(a) for a in parsed if a]
    return [str(parsed)] if parsed else []


def short_url(url: str, width: int = 48, path: bool = True) -> str:
    """A URL as link text: its host (and path), cut to ``width`` characters."""
    parts = urlsplit(url)
    shown = (parts.netloc + (parts.path if path else "")) if parts.netloc else url
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def is_subheading(paragraph: str) -> bool:
    """A crosshead: one short line without a sentence's closing punctuation ("At a Glance")."""
    line = paragraph.strip()
    return 0 < len(line) <= 70 and "\n" not in line and not line.startswith(("-", "•", "*")) \
        and line[-1] not in ".!?:;,”’\"')…" and len(line.split()) <= 10


def standfirst(description: str | None, text: str | None) -> str | None:
    """The description, unless the text starts with it (most sites' description is the first sentence)."""
    if not description or not description.strip():
        return None
    head = " ".join(description.split())[:60].rstrip(".… ")
    return None if head and head in " ".join((text or "")[:400].split()) else description.strip()


def starts_with_title(text: str | None, title: str | None) -> int:
    """Where the text goes on after its first paragraph when that is the headline (the stored
    text keeps it, as trafilatura finds it; pages show the title apart): 0 when it is not."""
    if not text or not title or not title.strip():
        return 0
    brk = _PARAGRAPH_BREAK.search(text)
    first_end = brk.start() if brk else len(text)
    if " ".join(text[:first_end].split()) != " ".join(title.split()):
        return 0
    return brk.end() if brk else len(text)


def excerpt(text: str | None, words: int = 40, title: str | None = None) -> str:
    """The first ``words`` words of a text (after its headline, when ``title`` is), on one line."""
    if not text:
        return ""
    tokens = text[starts_with_title(text, title):].split()
    return " ".join(tokens[:words]) + (" …" if len(tokens) > words else "")


def highlighted(value: str | None) -> Markup:
    """A snippet from FTS5's snippet()/highlight() with ``<mark>`` around the matches: the text
    escaped, the marks kept (balanced), whitespace and paragraph breaks on one line."""
    out, open_ = [], False
    for part in _MARK_TAG.split(value or ""):
        if part == MARK_OPEN:
            if not open_:
                out.append(MARK_OPEN)
                open_ = True
        elif part == MARK_CLOSE:
            if open_:
                out.append(MARK_CLOSE)
                open_ = False
        elif part:
            out.append(str(escape(re.sub(r"\s+", " ", part))))
    if open_:
        out.append(MARK_CLOSE)
    return Markup("".join(out))


def _claim_spans(text: str, claims: list[dict]) -> list[dict]:
    """The claims whose span is where their quote is in ``text``, in order, without overlaps."""
    spans, end = [], -1
    ok = [c for c in claims if isinstance(c.get("char_start"), int) and isinstance(c.get("char_end"), int)
          and 0 <= c["char_start"] < c["char_end"] <= len(text)
          and quote_fits(text, c.get("quote") or "", c["char_start"], c["char_end"])]
    for claim in sorted(ok, key=lambda c: (c["char_start"], -c["char_end"])):
        if claim["char_start"] >= end:
            spans.append(claim)
            end = claim["char_end"]
    return spans


def _paragraph_html(text: str, start: int, end: int, spans: list[dict]) -> Markup:
    out, pos = [], start

    def plain(a, b):
        out.append(str(escape(text[a:b])).replace("\n", "<br>\n"))

    for claim in spans:
        a, b = max(claim["char_start"], start), min(claim["char_end"], end)
        if a >= b:
            continue
        plain(pos, a)
        who = claim.get("speaker") or claim.get("speaker_mention") or "unknown speaker"
        out.append(f'<mark class="nm-claim" data-claim-id="{int(claim["id"])}" title="{escape(who)}">')
        plain(a, b)
        if b == claim["char_end"]:
            out.append(f'<a class="nm-claim-ref" href="#claim-{int(claim["id"])}">{int(claim["n"])}</a>')
        out.append("</mark>")
        pos = b
    plain(pos, end)
    return Markup("".join(out))


def paragraphs(text: str | None, claims: list[dict] = (), title: str | None = None) -> list[Markup]:
    """An article's text as ``<p>`` paragraphs (the text keeps them apart with blank lines;
    a crosshead gets class nm-subhead), each claim's quote marked and numbered (``claims``:
    dicts with id, n, char_start, char_end, quote, speaker), so the reader sees who said
    what where it stands. A first paragraph that is the ``title`` is left out (the page
    shows the title as its heading)."""
    text = text or ""
    spans = _claim_spans(text, list(claims))
    out, start = [], starts_with_title(text, title)
    for brk in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = brk.start() if brk else len(text)
        if text[start:end].strip():
            inside = [c for c in spans if c["char_start"] < end and c["char_end"] > start]
            html = _paragraph_html(text, start, end, inside)
            out.append(Markup('<p class="nm-subhead">') + html + Markup("</p>")
                       if not inside and is_subheading(text[start:end]) else Markup("<p>") + html + Markup("</p>"))
        start = brk.end() if brk else end
    return out


def _word_diff(old: str, new: str) -> tuple[str, str]:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = str(escape("".join(a[i1:i2]))), str(escape("".join(b[j1:j2])))
        if op == "equal":
            left.append(removed)
            right.append(added)
            continue
        if removed:
            left.append(f"<del>{removed}</del>")
        if added:
            right.append(f"<ins>{added}</ins>")
    return "".join(left), "".join(right)


def diff_html(diff: str | None) -> Markup | None:
    """A stored unified diff (article_versions.diff) as lines a reader can follow: removed
    lines red, added green, and within a changed paragraph the words that changed marked.
    None for an empty value; text that is not a diff is shown as it is."""
    if not diff:
        return None
    lines = diff.splitlines()
    if not any(line.startswith("@@") for line in lines):
        return Markup(f'<pre class="nm-diff">{escape(diff)}</pre>')
    out = ['<div class="nm-diff">']
    removed: list[str] = []
    added: list[str] = []

    def flush():
        pairs = min(len(removed), len(added))
        rendered_old, rendered_new = [], []
        for old, new in zip(removed[:pairs], added[:pairs]):
            left, right = _word_diff(old, new)
            rendered_old.append(left)
            rendered_new.append(right)
        rendered_old += [f"<del>{escape(x)}</del>" for x in removed[pairs:]]
        rendered_new += [f"<ins>{escape(x)}</ins>" for x in added[pairs:]]
        out.extend(f'<p class="nm-del"><span class="nm-sign">−</span>{x}</p>' for x in rendered_old)
        out.extend(f'<p class="nm-add"><span class="nm-sign">+</span>{x}</p>' for x in rendered_new)
        removed.clear()
        added.clear()

    for line in lines:
        if line.startswith(("--- ", "+++ ")) and not removed and not added and len(out) == 1:
            continue  # the file header: "--- version 1" / "+++ version 2"
        if line.startswith("-"):
            if added:
                flush()
            removed.append(line[1:])
        elif line.startswith("+"):
            added.append(line[1:])
        else:
            flush()
            if line.startswith("\\"):
                continue  # "\ No newline at end of file"
            if line.startswith("@@"):
                out.append(f'<p class="nm-hunk" title="{escape(line)}">⋯</p>')
            elif line[1:].strip():
                out.append(f'<p class="nm-ctx"><span class="nm-sign"> </span>{escape(line[1:])}</p>')
    flush()
    out.append("</div>")
    return Markup("".join(out))
