"""A learned attribution tagger: source, cue and content spans of reported speech.

A linear-chain CRF (python-crfsuite) reads a paragraph's tokens and tags each
as part of a speaker (S), a reporting cue (C), the content attributed (Q) or
none (O), with B-/I- prefixes. It is trained on the PolNeAR train split by
``newsmon/claims/train.py`` and shipped as ``data/attribution.npz`` (its weights) with
its cue lexicon ``data/attribution.json`` (word -> how often the word is a cue
in the training text, as a bucket). Nothing is downloaded; the model is loaded
once, on first use.

Features are per word type and cached (``_WordFeatures``): a token's features
are its own list plus its neighbours' lists (up to three words away) written from
their side, the lists of the nearest cue word of its sentence on either side and
of the word right after the left one ("said that", "said the"), and a few flags of
where it sits (inside quote marks, how far from a cue in its sentence, a "that" or
a comma between, a cue in another sentence of the paragraph, which sentence). That
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
WEIGHTS_PATH = DATA / "attribution.npz"
LEXICON_PATH = DATA / "attribution.json"

# word types whose feature rows a tagger keeps (~300 bytes each); news adds ~40,000 new
# types every 100 articles, so a worker starts again about every 120 articles, paying
# only each article's first sight of its words again
TYPE_CACHE_SIZE = 50_000
# spellings (AttributionTagger._spelling_key) whose rows a tagger keeps: all of dragnet's
# 1,372 pages have 8,000 (2 MB of rows)
SPELLING_CACHE_SIZE = 8_192
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
        own += _word_classes(lw)
        near = ["sh=" + shape] + (["cue=" + cue] if cue else [])
        ctx = {off: [f"{off}w={lw}"] + [f"{off}{f}" for f in near] for off in (-1, 1)}
        far = {off: [f"{off}w={lw}"] for off in (-3, -2, 2, 3)}
        # the word as the nearest cue on the token's left in its sentence, as the word right
        # after that cue ("said that", "said the"), and as the nearest cue on its right
        anchored = (["Lc=" + lw], ["La=" + lw], ["Rc=" + lw])
        return (own, ctx[-1], ctx[1], far[-2], far[2], far[-3], far[3], *anchored, _strong_cue(cue))


def _word_classes(lw: str) -> tuple[str, ...]:
    """The word-class features of a lower-cased word: a role, a pronoun, a group noun."""
    return (("role",) if lw in ROLE_WORDS else ()) \
        + (("pron",) if lw in PRONOUNS or lw in ("i", "we", "you", "who", "which") else ()) \
        + (("group",) if lw in UNNAMED_HEADS else ())


def _strong_cue(bucket: str | None) -> bool:
    """Is a word of this cue-lexicon bucket a cue word (its IS_CUE flag)?"""
    return bucket == "hi" or bucket == "mid"


# a word type's features (_WordFeatures._make): the lists of N_TABLES feature places
# (own, -1, +1, -2, +2, -3, +3, as the nearest left cue, right after it, as the nearest
# right cue), then whether it is a cue word
N_TABLES = 10
# the features that name a word itself (the rest: its spelling, see AttributionTagger._spelling_key)
_WORD_FEATURES = frozenset({"w", "-1w", "1w", "-2w", "2w", "-3w", "3w", "Lc", "La", "Rc"})
IS_CUE = N_TABLES


def _bucket(d: int) -> str:
    return "1" if d == 1 else "3" if d <= 3 else "8" if d <= 8 else "+"


def position_flags(words: list[str], is_cue: list[bool]) -> tuple[list[tuple[str, ...]], list[int], list[int]]:
    """Where each token of a paragraph sits: in quote marks ("qo", "qc", "inq"), at a
    sentence start ("BOS"), in the paragraph's first, second or a later sentence
    ("S0", "S1", "S2"), how far the nearest cue word of its sentence is on the left
    ("cL1", "cL3", "cL8", "cL+") and on the right ("cR…"), whether a "that" ("cT") or a
    comma ("kL") stands between that left cue and the token and a comma between the
    token and the right cue ("kR"), and whether the nearest cue on either side is in
    another sentence of the paragraph ("cLp", "cRn"). Also the index of that nearest
    left and right cue of the sentence (-1: none)."""
    n = len(words)
    out, lefts, rights = [], [], []
    depth = False
    sent = [0] * n
    s = 0
    for i, w in enumerate(words):
        sent[i] = s
        if w in SENT_END and (i + 1 >= n or words[i + 1][:1].isupper() or words[i + 1] in OPEN_MARKS
                              or words[i + 1] == '"'):
            s += 1
    next_comma = [n] * n   # the first comma after each token
    for i in range(n - 2, -1, -1):
        next_comma[i] = i + 1 if words[i + 1] == "," else next_comma[i + 1]
    cue_at = [i for i in range(n) if is_cue[i]]
    k = 0  # cue_at index: first cue at or after i
    last_that = last_comma = -1
    for i, w in enumerate(words):
        flags = []
        if w in OPEN_MARKS or (w == '"' and not depth):
            flags.append("qo")
            depth = True
        elif depth and (w in CLOSE_MARKS or w == '"'):
            flags.append("qc")
            depth = False
        elif depth:
            flags.append("inq")
        if i == 0 or sent[i - 1] != sent[i]:
            flags.append("BOS")
        flags.append("S" + str(min(sent[i], 2)))
        while k < len(cue_at) and cue_at[k] < i:
            k += 1
        before = cue_at[k - 1] if k > 0 else -1
        after = cue_at[k] if k < len(cue_at) else -1
        left = right = -1
        if before >= 0:
            if sent[before] == sent[i]:
                left = before
                flags.append("cL" + _bucket(i - before))
                if last_that > before:
                    flags.append("cT")
                if last_comma > before:
                    flags.append("kL")
            else:
                flags.append("cLp")
        if after >= 0 and after != i:
            if sent[after] == sent[i]:
                right = after
                flags.append("cR" + _bucket(after - i))
                if next_comma[i] < after:
                    flags.append("kR")
            else:
                flags.append("cRn")
        out.append(tuple(flags))
        lefts.append(left)
        rights.append(right)
        if w.lower() == "that":
            last_that = i
        elif w == ",":
            last_comma = i
    return out, lefts, rights


def features(words: list[str], wf: _WordFeatures) -> list[list[str]]:
    """The CRF's features of each token of one paragraph (as strings: for training)."""
    n = len(words)
    info = [wf(w) for w in words]
    flags, lefts, rights = position_flags(words, [x[IS_CUE] for x in info])
    out = []
    for i in range(n):
        f = ["b"] + info[i][0]
        if i > 0:
            f += info[i - 1][1]
            if i > 1:
                f += info[i - 2][3]
                if i > 2:
                    f += info[i - 3][5]
        else:
            f.append("BOP")
        if i + 1 < n:
            f += info[i + 1][2]
            if i + 2 < n:
                f += info[i + 2][4]
                if i + 3 < n:
                    f += info[i + 3][6]
        else:
            f.append("EOP")
        f += flags[i]
        if lefts[i] >= 0:
            f += info[lefts[i]][7] + info[lefts[i] + 1][8]
        if rights[i] >= 0:
            f += info[rights[i]][9]
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


_Q_FLAGS = ((), ("qo",), ("qc",), ("inq",))
_D_FLAGS = ("", "1", "3", "8", "+")


def _flag_tuple(code: int) -> tuple[str, ...]:
    """The position_flags tuple of a flag code (q * 50 + bos * 25 + left * 5 + right)."""
    q, rest = divmod(code, 50)
    bos, rest = divmod(rest, 25)
    left, right = divmod(rest, 5)
    return _Q_FLAGS[q] + (("BOS",) if bos else ()) + ((("cL" + _D_FLAGS[left]),) if left else ()) \
        + ((("cR" + _D_FLAGS[right]),) if right else ())


_CLAUSE_FLAGS = ("cT", "kL", "kR", "cLp", "cRn")


def _clause_tuple(code: int) -> tuple[str, ...]:
    """The rest of a position_flags tuple from its code (sentence * 32 + the bits of _CLAUSE_FLAGS)."""
    return ("S" + str(code >> 5),) + tuple(f for k, f in enumerate(_CLAUSE_FLAGS) if code >> k & 1)


class AttributionTagger:
    """The shipped CRF, decoded with numpy: its weights summed once per word type, the
    position flags computed for a whole article with array operations, and one
    Viterbi pass over all of its paragraphs at once. Tags what crfsuite would tag
    from features() (tests/test_claims_tagger.py checks it)."""

    chunk = 48  # tokens a Viterbi chunk spans at most (see _viterbi)

    def __init__(self, weights_path: Path = WEIGHTS_PATH, lexicon_path: Path = LEXICON_PATH) -> None:
        import numpy as np

        self.np = np
        z = np.load(weights_path)
        names = bytes(z["attrs"]).decode("utf-8").split("\n")
        self.index = {n: i for i, n in enumerate(names)}
        weights = z["weights"].astype(np.float32)
        # a zero row last, no feature's: what _add_types adds for a word past its last row
        self.W = np.vstack([weights, np.zeros((1, weights.shape[1]), np.float32)])
        self.T = z["transitions"].astype(np.float32)          # [from, to]
        self.labels = bytes(z["labels"]).decode("utf-8").split("\n")
        self.kind = np.array([0 if lab == "O" else " SCQ".index(lab[2]) for lab in self.labels], np.int8)
        self.begins = np.array([lab.startswith("B-") for lab in self.labels])
        meta = json.loads(lexicon_path.read_text(encoding="utf-8"))
        self.words = _WordFeatures(meta["cues"])
        n_labels = len(self.labels)
        if meta.get("o_bias") and "b" in self.index:
            # the CRF is cautious: it leaves a content untagged unless sure. Lowering the
            # none-tag's bias trades precision for recall (train.py chose it on validation)
            self.W[self.index["b"], self.labels.index("O")] -= meta["o_bias"]
        self.bias = self._vec(["b"])
        self.bop, self.eop = self._vec(["BOP"]), self._vec(["EOP"])
        self.flag_table = np.stack([self._vec(_flag_tuple(c)) for c in range(200)])
        self.clause_table = np.stack([self._vec(_clause_tuple(c)) for c in range(96)])
        self.blank = _blank_table()
        # the lower-cased words some feature of the model names ("w=said", "-1w=said", "La=that"...):
        # any other word's rows depend only on its _spelling_key, so such words share them
        self.named_words = frozenset(name.split("=", 1)[1] for name in names
                                     if name.split("=", 1)[0] in _WORD_FEATURES)
        self.spelling_id: dict[tuple, int] = {}       # _spelling_key -> its column of spelling_tables
        self.spelling_tables = np.zeros((N_TABLES, 1024, n_labels), np.float32)
        self.type_id: dict[str, int] = {}             # word -> its type, from 1 (0: the empty type between paragraphs)
        self.cue_of = np.zeros(1024, bool)            # is the type a cue word
        self.mark_of = np.zeros(1024, np.int8)        # 1 opening, 2 closing quote mark, 3 '"', 4 sentence end,
        #                                               5 comma, 6 "that"
        self.opens_of = np.zeros(1024, bool)          # may open a sentence: capitalised, or a quote mark
        self.tables = np.zeros((N_TABLES, 1024, n_labels), np.float32)  # each feature place of each word type

    def _vec(self, feats):
        rows = [self.index[f] for f in feats if f in self.index]
        return self.W[rows].sum(axis=0) if rows else self.np.zeros(self.W.shape[1], self.np.float32)

    def _add_types(self, new: list[str]) -> None:
        """Give each word of ``new`` (distinct, none known yet) its type: its rows of the
        N_TABLES tables (:meth:`_rows_of`). Most words of an article are new to the model
        and have the rows of their spelling: those are copied, made once per spelling."""
        first = len(self.type_id) + 1
        for t, w in enumerate(new, first):
            self.type_id[w] = t
        if first + len(new) > self.tables.shape[1]:
            self.tables = _grown(self.tables, first + len(new), axis=1, most=TYPE_CACHE_SIZE + 1)
            for name in ("cue_of", "mark_of", "opens_of"):
                setattr(self, name, _grown(getattr(self, name), first + len(new), most=TYPE_CACHE_SIZE + 1))
        # a word no feature names has the rows of its spelling key, worked out once per key
        keys = [None if w.lower() in self.named_words else self._spelling_key(w) for w in new]
        spelled = self.spelling_id
        if len(spelled) + len(new) > SPELLING_CACHE_SIZE:
            spelled.clear()
        fresh = {}
        for w, k in zip(new, keys):
            if k is not None and k not in spelled and k not in fresh:
                fresh[k] = w
        if fresh:
            at = len(spelled)
            if at + len(fresh) > self.spelling_tables.shape[1]:
                self.spelling_tables = _grown(self.spelling_tables, at + len(fresh), axis=1, most=SPELLING_CACHE_SIZE)
            self.spelling_tables[:, at:at + len(fresh)] = self._rows_of([self.words._make(w) for w in fresh.values()])
            spelled.update(zip(fresh, range(at, at + len(fresh))))
        own = [i for i, k in enumerate(keys) if k is None]
        if own:
            self.tables[:, [first + i for i in own]] = self._rows_of([self.words._make(new[i]) for i in own])
        shared = [i for i, k in enumerate(keys) if k is not None]
        if shared:
            self.tables[:, [first + i for i in shared]] = self.spelling_tables[:, [spelled[keys[i]] for i in shared]]
        span = slice(first, first + len(new))
        lexicon = self.words.lexicon
        self.cue_of[span] = [_strong_cue(lexicon.get(w.lower())) for w in new]
        self.mark_of[span] = [1 if w in OPEN_MARKS else 2 if w in CLOSE_MARKS else 3 if w == '"'
                              else 4 if w in SENT_END else 5 if w == "," else 6 if w.lower() == "that" else 0
                              for w in new]
        self.opens_of[span] = [w[:1].isupper() or w in OPEN_MARKS or w == '"' for w in new]

    def _spelling_key(self, w: str) -> tuple:
        """What the features of a word no feature names depend on (see _WordFeatures._make):
        its last three letters, shape, cue bucket and word classes."""
        lw = w.lower()
        return lw[-3:], _shape(w), self.words.lexicon.get(lw), _word_classes(lw)

    def _rows_of(self, infos: list[tuple]):
        """The N_TABLES rows (N_TABLES, len(infos), labels) of words' _make tuples, summed
        for all the words at once, a numpy call per feature place rather than N_TABLES per
        word (the rows added in the same order as ``_vec``: the same float32 sums). The
        tuples are not kept: the lists of every word type seen would be hundreds of
        thousands of objects for each full garbage collection to walk."""
        np = self.np
        get, zero = self.index.get, len(self.W) - 1
        out = np.zeros((N_TABLES, len(infos), self.W.shape[1]), np.float32)  # from 0, as numpy's sum: no -0.0
        for k in range(N_TABLES):
            rows = [[i for i in map(get, info[k]) if i is not None] for info in infos]
            acc = out[k]
            for j in range(max(map(len, rows))):    # the j-th row of each word (the zero row past its last)
                acc += self.W[[r[j] if j < len(r) else zero for r in rows]]
        return out

    def _flag_codes(self, ids, starts, ends, cue):
        """position_flags of every token, as two codes (_flag_tuple's, _clause_tuple's), for
        paragraphs [starts[k], ends[k]) of the word types ids, and the nearest cue of the
        token's sentence on its left and its right (where ok_b, ok_a): the sentence starts
        as arrays, the quote marks one by one (few)."""
        np = self.np
        n = len(ids)
        q = np.zeros(n, np.int64)
        newsent = np.zeros(n, bool)
        newsent[starts] = True
        para_end = np.zeros(n, bool)
        para_end[ends - 1] = True
        mark = self.mark_of[ids]
        ends_sent = (mark == 4) & ~para_end       # a sentence ends before a word that may open one
        newsent[1:] |= ends_sent[:-1] & self.opens_of[ids[1:]]
        para_of = np.repeat(np.arange(len(starts)), ends - starts)
        depth, opened, cur = False, 0, -1
        marks = np.flatnonzero((mark > 0) & (mark < 4))
        for i, kind, p in zip(marks.tolist(), mark[marks].tolist(), para_of[marks].tolist()):
            if p != cur:
                if depth:
                    q[opened + 1:ends[cur]] = 3
                depth, cur = False, p
            if kind == 1 or (kind == 3 and not depth):
                if depth:
                    q[opened + 1:i] = 3
                q[i], depth, opened = 1, True, i
            elif depth:     # a closing mark or '"'
                q[opened + 1:i] = 3
                q[i], depth = 2, False
        if depth:
            q[opened + 1:ends[cur]] = 3
        sent = np.cumsum(newsent)
        idx = np.arange(n)
        last = np.maximum.accumulate(np.where(cue, idx, -1))
        before = np.concatenate(([-1], last[:-1]))
        after = np.minimum.accumulate(np.where(cue, idx, n)[::-1])[::-1]
        ok_b = (before >= 0) & (sent[np.maximum(before, 0)] == sent)
        ok_a = (after < n) & (after != idx) & (sent[np.minimum(after, n - 1)] == sent)
        buckets = np.array([0, 1, 2, 2, 3, 3, 3, 3, 3])  # distance 1 -> "1", 2-3 -> "3", 4-8 -> "8"
        db = np.where(idx - before <= 8, buckets[np.clip(idx - before, 0, 8)], 4)
        da = np.where(after - idx <= 8, buckets[np.clip(after - idx, 0, 8)], 4)
        codes = q * 50 + newsent * 25 + np.where(ok_b, db, 0) * 5 + np.where(ok_a, da, 0)
        # a "that" or a comma between the left cue and the token, a comma before the right cue
        last_that = np.concatenate(([-1], np.maximum.accumulate(np.where(mark == 6, idx, -1))[:-1]))
        last_comma = np.concatenate(([-1], np.maximum.accumulate(np.where(mark == 5, idx, -1))[:-1]))
        next_comma = np.concatenate((np.minimum.accumulate(np.where(mark == 5, idx, n)[::-1])[::-1][1:], [n]))
        para_b = (before >= 0) & (para_of[np.maximum(before, 0)] == para_of)
        para_a = (after < n) & (after != idx) & (para_of[np.minimum(after, n - 1)] == para_of)
        sent_no = np.minimum(sent - sent[starts][para_of], 2)
        clause = (ok_b & (last_that > before)) + 2 * (ok_b & (last_comma > before)) \
            + 4 * (ok_a & (next_comma < after)) + 8 * (para_b & ~ok_b) + 16 * (para_a & ~ok_a) + 32 * sent_no
        return codes, clause, before, after, ok_b, ok_a

    def tag_text(self, text: str, paras: list[tuple[int, int]]) -> list[list[Span]]:
        """The S/C/Q spans of each paragraph (character offsets into text)."""
        np = self.np
        words = TOKEN_RE.findall(text, paras[0][0], paras[-1][1]) if paras else []
        if not words:
            return [[] for _ in paras]
        # the tokens cover every non-blank character, in order: a token starts at the
        # non-blank character that follows the lengths of the tokens before it
        wl = np.fromiter(map(len, words), np.int64, len(words))
        code = np.frombuffer(text[paras[0][0]:paras[-1][1]].encode("utf-32-le"), np.uint32)
        blank = self.blank[np.minimum(code, len(self.blank) - 1)]
        filled = paras[0][0] + np.flatnonzero(~blank)
        tok_start = filled[np.cumsum(wl) - wl]
        tok_end = tok_start + wl
        bounds = np.searchsorted(tok_start, [a for a, _ in paras])
        starts, ends = bounds, np.append(bounds[1:], len(words))
        keep = ends > starts
        starts, ends = starts[keep], ends[keep]
        labels = self._decode(words, starts, ends)
        return self._spans(labels, tok_start, tok_end, bounds, len(paras))

    def _decode(self, words: list[str], starts, ends):
        """Viterbi labels of every token, paragraphs [starts[k], ends[k]) decoded apart."""
        np = self.np
        get = self.type_id.get
        ids = list(map(get, words))
        if None in ids:
            new = list(dict.fromkeys(w for t, w in zip(ids, words) if t is None))
            if len(self.type_id) + len(new) > TYPE_CACHE_SIZE:   # a long-running worker: start again
                self.type_id.clear()
                new = list(dict.fromkeys(words))
            self._add_types(new)
            ids = list(map(get, words))
        ids = np.array(ids, np.int64)
        lens = ends - starts
        # word types end to end, three empty types between paragraphs: neighbours never cross one
        flat_pos = np.arange(len(words)) + 3 * np.repeat(np.arange(1, len(starts) + 1), lens)
        flat = np.zeros(len(words) + 3 * len(starts) + 3, np.int64)
        flat[flat_pos] = ids
        own, p1, n1, p2, n2, p3, n3, left_cue, after_cue, right_cue = self.tables
        e = own[flat]
        e[1:] += p1[flat[:-1]]
        e[2:] += p2[flat[:-2]]
        e[3:] += p3[flat[:-3]]
        e[:-1] += n1[flat[1:]]
        e[:-2] += n2[flat[2:]]
        e[:-3] += n3[flat[3:]]
        cue = self.cue_of[ids]
        codes, clause, before, after, ok_b, ok_a = self._flag_codes(ids, starts, ends, cue)
        e = e[flat_pos] + self.bias + self.flag_table[codes] + self.clause_table[clause]
        on = np.flatnonzero(ok_b)
        e[on] += left_cue[ids[before[on]]] + after_cue[ids[before[on] + 1]]
        on = np.flatnonzero(ok_a)
        e[on] += right_cue[ids[after[on]]]
        e[starts] += self.bop
        e[ends - 1] += self.eop
        return self._viterbi(e, starts, ends)

    def _viterbi(self, e, starts, ends):
        """Best labels of each paragraph [starts[k], ends[k]) of the emissions e, exactly.

        A batched Viterbi takes as many steps as its longest sequence has tokens, each
        step a few numpy calls whatever the batch. So a paragraph longer than `chunk`
        tokens is cut into chunks, all decoded at once: the first from its start, each
        later one once for every state the token before it may be in (a row each).
        The chunks' best scores are then joined along each paragraph, and every chunk
        backtracked in the row of the state its predecessor ended in."""
        np = self.np
        n_l, T, c = len(self.labels), self.T, self.chunk
        lens = ends - starts
        k = -(-lens // c)                                              # chunks of each paragraph
        para = np.repeat(np.arange(len(lens)), k)
        j_of = np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k)  # a chunk's place in its paragraph
        c_start = starts[para] + j_of * c
        c_len = np.minimum(c, ends[para] - c_start)
        n_rows = np.where(j_of > 0, n_l, 1)                            # rows of each chunk
        first_row = np.cumsum(n_rows) - n_rows
        r_chunk = np.repeat(np.arange(len(c_len)), n_rows)
        r_pred = np.arange(len(r_chunk)) - first_row[r_chunk] - (j_of[r_chunk] == 0)   # -1: no state before
        r_len = c_len[r_chunk]
        order = np.argsort(-r_len, kind="stable")                     # rows still going at step t: a prefix
        slot = np.empty(len(order), np.int64)
        slot[order] = np.arange(len(order))
        o_len, o_start, o_pred = r_len[order], c_start[r_chunk[order]], r_pred[order]
        n_r, n_t = len(order), int(o_len[0])
        going = np.searchsorted(-o_len, -np.arange(n_t), side="left")
        em = e[np.minimum(o_start[None, :] + np.arange(n_t)[:, None], len(e) - 1)]   # (step, row, label)
        hist = np.empty((n_t, n_r, n_l), np.float32)                  # best score of each state, by step and row
        hist[0] = em[0]
        has = o_pred >= 0
        hist[0, has] += T[o_pred[has]]
        cand = np.empty((n_l, n_r, n_l), np.float32)                  # (from, row, to)
        T2 = T[:, None, :]
        for t in range(1, n_t):
            m = going[t]
            c = cand[:, :m]
            np.add(hist[t - 1, :m].T[:, :, None], T2, out=c)
            np.maximum.reduce(c, axis=0, out=hist[t, :m])
            hist[t, :m] += em[t, :m]
        score = hist[o_len - 1, np.arange(n_r)]                        # each row's score at its last step
        # join along each paragraph: the state before chunk j is the one chunk j-1 ends in
        n_p, k_max = len(lens), int(k.max())
        chunk_of = np.zeros((n_p, k_max), np.int64)
        chunk_of[para, j_of] = np.arange(len(c_len))
        delta = score[slot[first_row[chunk_of[:, 0]]]]                 # (paragraph, state)
        args = np.zeros((n_p, k_max, n_l), np.int64)
        for j in range(1, k_max):
            on = np.flatnonzero(k > j)
            rows = slot[first_row[chunk_of[on, j]][:, None] + np.arange(n_l)[None, :]]   # (paragraph, pred)
            tot = delta[on][:, :, None] + score[rows]                  # (paragraph, pred, final)
            args[on, j] = tot.argmax(axis=1)
            delta[on] = tot.max(axis=1)
        state = delta.argmax(axis=1)
        sel = np.zeros(len(c_len), np.int64)                           # the row each chunk is read from
        end = np.zeros(len(c_len), np.int64)                           # and the state it ends in
        for j in range(k_max - 1, -1, -1):
            on = np.flatnonzero(k > j)
            ch = chunk_of[on, j]
            end[ch] = state[on]
            if j:
                state[on] = args[on, j, state[on]]
                sel[ch] = slot[first_row[ch] + state[on]]
            else:
                sel[ch] = slot[first_row[ch]]
        # backtrack each chunk in its row, longest first (the chunks still going at step t are a
        # prefix): the state before is the best predecessor of the state now
        by_len = np.argsort(-c_len, kind="stable")
        rows, cur = sel[by_len], end[by_len]
        left = np.searchsorted(-c_len[by_len], -np.arange(n_t), side="left")
        back = np.empty((len(c_len), n_t), np.int64)
        Tt = T.T
        for t in range(n_t - 1, 0, -1):
            m = left[t]
            back[:m, t] = cur[:m]
            cur[:m] = (hist[t - 1, rows[:m]] + Tt[cur[:m]]).argmax(axis=1)
        back[:, 0] = cur
        path = np.empty_like(back)
        path[by_len] = back
        offs = np.arange(int(c_len.sum())) - np.repeat(np.cumsum(c_len) - c_len, c_len)
        labels = np.empty(len(e), np.int64)
        labels[np.repeat(c_start, c_len) + offs] = path[np.repeat(np.arange(len(c_len)), c_len), offs]
        return labels

    def _spans(self, labels, tok_start, tok_end, bounds, n_paras) -> list[list[Span]]:
        np = self.np
        kind = self.kind[labels]
        n = len(labels)
        para_start = np.zeros(n, bool)
        para_start[bounds[bounds < n]] = True
        begin = (kind > 0) & (self.begins[labels] | np.concatenate(([True], kind[1:] != kind[:-1])) | para_start)
        out: list[list[Span]] = [[] for _ in range(n_paras)]
        firsts = np.flatnonzero(begin)
        if not len(firsts):
            return out
        # a span ends where the next token is of another kind, begins a span or a paragraph
        nxt_begin = np.append(begin[1:] | para_start[1:] | (kind[1:] != kind[:-1]), True)
        stops = np.flatnonzero(nxt_begin)
        lasts = stops[np.searchsorted(stops, firsts)]
        para = np.searchsorted(bounds, firsts, side="right") - 1
        for a, z, p in zip(firsts.tolist(), lasts.tolist(), para.tolist()):
            out[p].append(Span(" SCQ"[kind[a]], a, z + 1, int(tok_start[a]), int(tok_end[z])))
        return out


def _grown(array, size: int, axis: int = 0, most: int | None = None):
    """``array`` with zeros appended along ``axis``, doubled until it holds ``size``, but
    to no more than ``most`` (a cache's bound) unless ``size`` itself is more."""
    import numpy as np

    have = array.shape[axis]
    new = have
    while new < size:
        new *= 2
    if most is not None:
        new = max(size, min(new, most))
    shape = list(array.shape)
    shape[axis] = new - have
    return np.concatenate([array, np.zeros(shape, array.dtype)], axis=axis)


def _blank_table():
    import numpy as np

    # str.isspace (what \\s matches) of every code point up to the last blank one (U+3000)
    return np.array([chr(c).isspace() for c in range(0x3001)] + [False])


_MARKS_AND_ENDS = OPEN_MARKS | CLOSE_MARKS | SENT_END | {'"'}


@lru_cache(maxsize=1)
def cue_lexicon() -> dict[str, str]:
    """The shipped cue lexicon: word -> "hi" / "mid" / "lo", how often the PolNeAR train
    split uses the word as (part of) a cue (empty when the file is missing)."""
    if not LEXICON_PATH.exists():
        return {}
    return json.loads(LEXICON_PATH.read_text(encoding="utf-8"))["cues"]


@lru_cache(maxsize=1)
def shipped_tagger() -> AttributionTagger | None:
    """The shipped model, or None when it is missing (a checkout without it still extracts, by rules)."""
    if not WEIGHTS_PATH.exists() or not LEXICON_PATH.exists():
        return None
    return AttributionTagger()


def export_weights(crfsuite_model: Path, out: Path) -> None:
    """The weights of a trained crfsuite model as the numpy arrays AttributionTagger reads."""
    import numpy as np
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(crfsuite_model))
    info = tagger.info()
    labels = sorted(info.labels, key=lambda x: int(info.labels[x]))
    li = {lab: k for k, lab in enumerate(labels)}
    attrs = sorted({a for a, _ in info.state_features})
    ai = {a: k for k, a in enumerate(attrs)}
    weights = np.zeros((len(attrs), len(labels)), np.float32)
    for (a, lab), w in info.state_features.items():
        weights[ai[a], li[lab]] = w
    trans = np.zeros((len(labels), len(labels)), np.float32)
    for (a, b), w in info.transitions.items():
        trans[li[a], li[b]] = w
    np.savez_compressed(out, attrs=np.frombuffer("\n".join(attrs).encode("utf-8"), np.uint8),
                        weights=weights, transitions=trans,
                        labels=np.frombuffer("\n".join(labels).encode("utf-8"), np.uint8))
