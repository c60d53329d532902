"""Claims the rules miss, from the learned tagger: each tagged content with its cue and speaker.

The tagger (tagger.py) marks speaker (S), cue (C) and content (Q) spans in a
paragraph. A content is tied to the nearest cue in its sentence (else in its
paragraph), and the cue to the nearest speaker span next to it; the speaker's
words are parsed and resolved through the article's registry like the rules'
mentions. Contents that overlap a claim the rules found are left to the rules,
which know the project's conventions (split quotes, multi-paragraph quotes).
"""

from __future__ import annotations

from newsmon.claims.records import make_claim
from newsmon.claims.speakers import Mention, parse_np
from newsmon.claims.tagger import Span, shipped_tagger, spans_of, tokenize

QUOTE_MARKS = "“”\"‘’"


def _nearest(spans: list[Span], to: Span, max_gap: int) -> Span | None:
    best = None
    for s in spans:
        gap = to.a - s.b if s.b <= to.a else s.a - to.b
        if 0 <= gap <= max_gap and (best is None or gap < best[0]):
            best = (gap, s)
    return best[1] if best else None


def _mention(text: str, s: Span) -> Mention | None:
    words = text[s.start:s.end].split()
    m = parse_np(words, s.start)
    if m is None and words:
        m = Mention(" ".join(words), name=" ".join(w for w in words if w.lower() not in ("the", "a", "an")) or None,
                    kind="unnamed" if words[0].lower() in ("a", "an") else "person", pos=s.start)
    return m


def learned_claims(text: str, paras, art, taken: list[tuple[int, int]], sentence_of) -> list[dict]:
    """Claims the tagger finds outside the spans already `taken` by the rules."""
    tagger = shipped_tagger()
    if tagger is None:
        return []
    out = []
    for ps, pe in paras:
        toks = tokenize(text, ps, pe)
        if len(toks) < 4:
            continue
        spans = spans_of(tagger.tag_paragraph(toks), toks)
        contents = [s for s in spans if s.kind == "Q"]
        if not contents:
            continue
        cues = [s for s in spans if s.kind == "C"]
        speakers = [s for s in spans if s.kind == "S"]
        for q in contents:
            a, b = q.start, q.end
            if b - a < 3 or any(min(b, y) - max(a, x) > 0.3 * min(b - a, y - x) for x, y in taken):
                continue
            cue = _nearest(cues, q, 30)
            spk = _nearest(speakers, cue or q, 12)
            mention = _mention(text, spk) if spk else None
            inner = text[a:b].strip(QUOTE_MARKS + " ")
            direct = text[a] in QUOTE_MARKS and text[b - 1] in QUOTE_MARKS and inner.count("“") == 0
            while b > a and text[b - 1] in ".,;:":
                b -= 1
            sent = sentence_of(a)
            pos = (cue or q).start
            claim = make_claim(text, art, mention, text[cue.start:cue.end] if cue else None,
                               "direct" if direct else "indirect", a, b, sent, pos)
            out.append(claim)
            taken.append((a, b))
    return out
