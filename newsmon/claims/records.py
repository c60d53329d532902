"""A claim as a dict: its span trimmed and its speaker resolved."""

from __future__ import annotations

from newsmon.claims.speakers import resolve_mention


def trim_span(text: str, a: int, b: int, keep_final: bool = False) -> tuple[int, int]:
    """Trim whitespace and trailing attribution punctuation (,.;:) from a span."""
    while a < b and text[a].isspace():
        a += 1
    while b > a and (text[b - 1].isspace() or (not keep_final and text[b - 1] in ",.;:")):
        b -= 1
    return a, b


def make_claim(text, art, mention, cue, kind, a, b, sent, pos, resolved=None) -> dict:
    if isinstance(mention, Resolved):
        resolved = mention.res
    speaker, role, stype = resolved if resolved else resolve_mention(art, mention, pos)
    return {
        "speaker": speaker, "speaker_role": role,
        "speaker_mention": mention.text if mention else None,
        "speaker_type": stype, "quote": text[a:b], "cue": cue, "kind": kind,
        "sentence": text[sent[0]:sent[1]].strip(), "char_start": a, "char_end": b,
    }


JOIN = " … "  # between the pieces of a quote split around its attribution (extract.join_split_quotes)


def quote_fits(text: str, quote: str, a: int, b: int) -> bool:
    """Is the claim's quote what text[a:b] says? Its span, or for a quote split around
    its attribution, the pieces that open and close the span, in order."""
    span = text[a:b]
    if span == quote:
        return True
    pieces = quote.split(JOIN)
    if len(pieces) < 2 or not span.startswith(pieces[0]) or not span.endswith(pieces[-1]):
        return False
    at = len(pieces[0])
    for piece in pieces[1:-1]:
        at = span.find(piece, at)
        if at < 0:
            return False
        at += len(piece)
    return at <= len(span) - len(pieces[-1])


class Resolved:
    """A speaker already resolved earlier in the sentence (for participles)."""

    def __init__(self, res, text=None):
        self.res = res
        self.text = text
