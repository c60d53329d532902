"""A learned attribution tagger: source, cue and content spans of reported speech.

A linear-chain CRF (python-crfsuite) reads a paragraph's tokens and tags each
as part of a speaker (S), a reporting cue (C), the content attributed (Q) or
none (O), with B-/I- prefixes. It is trained on the PolNeAR train split by
``newsmon/claims/train.py`` and shipped as ``data/attribution.crfsuite`` with
its cue lexicon ``data/attribution.json`` (word -> how often the word is a cue
in the training text, as a bucket). Nothing is downloaded; the model is loaded
once, on first use.

Features are per word type and cached (``_WordFeatures``): a token's features
are its own list plus its neighbours' lists written from their side, and a few
flags of where it sits (inside quote marks, after a cue in its sentence). That
keeps the Python work per token to list concatenation, so tagging a 4 KB
article costs about a millisecond.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from newsmon.claims.vocabulary import PRONOUNS, ROLE_WORDS, UNNAMED_HEADS

DATA = Path(__file__).resolve().parent / "data"
MODEL_PATH = DATA / "attribution.crfsuite"
LEXICON_PATH = DATA / "attribution.json"

TOKEN_RE = re.compile(r"\w+(?:[’'&.-]\w+)*|[^\w\s]")
OPEN_MARKS = {"“", "‘"}
CLOSE_MARKS = {"”", "’"}
SENT_END = {".", "!", "?"}


@dataclass
class Span:
    """A tagged span: kind S, C or Q; token indexes [a, b) and character offsets."""
    kind: str
    a: int
    b: int
    start: int
    end: int


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
    """(start, end, word) of each token of text[start:end]."""
    return [(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text, start, len(text) if end is None else end)]


def _shape(w: str) -> str:
    if w.isdigit():
        return "d"
    if w[0].isupper():
        return "X" if len(w) > 1 and w.isupper() else "Xx"
    if w[0].isalpha():
        return "x"
    return w if len(w) == 1 else "p"


class _WordFeatures:
    """Per word type: its own features and the ones its neighbours see, cached."""

    def __init__(self, lexicon: dict[str, str]) -> None:
        self.lexicon = lexicon
        self.cache: dict[str, tuple] = {}

    def __call__(self, w: str) -> tuple:
        got = self.cache.get(w)
        if got is None:
            if len(self.cache) > 200_000:
                self.cache.clear()
            got = self.cache[w] = self._make(w)
        return got

    def _make(self, w: str) -> tuple:
        lw = w.lower()
        shape = _shape(w)
        cue = self.lexicon.get(lw)
        own = ["w=" + lw, "s3=" + lw[-3:], "sh=" + shape]
        if cue:
            own.append("cue=" + cue)
        if lw in ROLE_WORDS:
            own.append("role")
        if lw in PRONOUNS or lw in ("i", "we", "you", "who", "which"):
            own.append("pron")
        if lw in UNNAMED_HEADS:
            own.append("group")
        near = ["sh=" + shape] + (["cue=" + cue] if cue else [])
        ctx = {off: [f"{off}w={lw}"] + [f"{off}{f}" for f in near] for off in (-1, 1)}
        ctx2 = {off: [f"{off}w={lw}"] for off in (-2, 2)}
        return own, ctx[-1], ctx[1], ctx2[-2], ctx2[2], cue == "hi" or cue == "mid"


def features(words: list[str], wf: _WordFeatures) -> list[list[str]]:
    """The CRF's features of each token of one paragraph."""
    n = len(words)
    info = [wf(w) for w in words]
    # where each token sits: inside quote marks, in a sentence with a cue before/after it
    inq, depth = [], False
    for w in words:
        if w in OPEN_MARKS or (w == '"' and not depth):
            inq.append("qo")
            depth = True
        elif depth and (w in CLOSE_MARKS or w == '"'):
            inq.append("qc")
            depth = False
        else:
            inq.append("inq" if depth else "")
    sent = [0] * n
    s = 0
    for i, w in enumerate(words):
        sent[i] = s
        if w in SENT_END and (i + 1 >= n or words[i + 1][:1].isupper() or words[i + 1] in OPEN_MARKS
                              or words[i + 1] == '"'):
            s += 1
    cue_at = [i for i in range(n) if info[i][5]]
    out = []
    k = 0  # cue_at index: first cue at or after i
    for i in range(n):
        own, _, _, _, _, _ = info[i]
        f = ["b"] + own
        if i > 0:
            f += info[i - 1][1]
            if i > 1:
                f += info[i - 2][3]
        else:
            f.append("BOP")
        if i + 1 < n:
            f += info[i + 1][2]
            if i + 2 < n:
                f += info[i + 2][4]
        else:
            f.append("EOP")
        if inq[i]:
            f.append(inq[i])
        if i == 0 or sent[i - 1] != sent[i]:
            f.append("BOS")
        while k < len(cue_at) and cue_at[k] < i:
            k += 1
        before = cue_at[k - 1] if k > 0 else -1
        after = cue_at[k] if k < len(cue_at) else -1
        if before >= 0 and sent[before] == sent[i]:
            d = i - before
            f.append("cL" + ("1" if d == 1 else "3" if d <= 3 else "8" if d <= 8 else "+"))
        if after >= 0 and sent[after] == sent[i] and after != i:
            d = after - i
            f.append("cR" + ("1" if d == 1 else "3" if d <= 3 else "8" if d <= 8 else "+"))
        out.append(f)
    return out


def spans_of(tags: list[str], toks: list[tuple[int, int, str]]) -> list[Span]:
    """Contiguous S/C/Q spans of a tag sequence (an I- without its B- opens a span)."""
    out: list[Span] = []
    cur = None
    for i, t in enumerate(tags):
        kind = t[2:] if t != "O" else None
        if kind and (t[0] == "I" and cur is not None and cur.kind == kind):
            cur.b = i + 1
            cur.end = toks[i][1]
            continue
        if cur is not None:
            out.append(cur)
            cur = None
        if kind:
            cur = Span(kind, i, i + 1, toks[i][0], toks[i][1])
    if cur is not None:
        out.append(cur)
    return out


class AttributionTagger:
    """The shipped CRF and its lexicon, loaded once."""

    def __init__(self, model_path: Path = MODEL_PATH, lexicon_path: Path = LEXICON_PATH) -> None:
        import pycrfsuite  # a compiled module: import it only when claims are tagged

        self.tagger = pycrfsuite.Tagger()
        self.tagger.open(str(model_path))
        self.words = _WordFeatures(json.loads(lexicon_path.read_text(encoding="utf-8"))["cues"])

    def tag_paragraph(self, toks: list[tuple[int, int, str]]) -> list[str]:
        if not toks:
            return []
        return self.tagger.tag(features([t[2] for t in toks], self.words))


@lru_cache(maxsize=1)
def shipped_tagger() -> AttributionTagger | None:
    """The shipped model, or None when it is missing (a checkout without it still extracts, by rules)."""
    if not MODEL_PATH.exists() or not LEXICON_PATH.exists():
        return None
    return AttributionTagger()
