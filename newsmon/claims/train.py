"""Train the attribution tagger (newsmon/claims/tagger.py) on the PolNeAR train split.

    python -m newsmon.claims.train [--data ../shared/data/claims] [--out newsmon/claims/data]

Reproducible: the split of the train file into fit and validation articles is
fixed (every tenth article, by position, is validation), the CRF's L-BFGS
training is deterministic, and nothing else is random. It prints the
validation figures (content spans matched as the shared scorer does: word
multiset Jaccard >= 0.5), then trains the shipped model on all 840 articles
with the same settings and writes ``attribution.crfsuite`` and
``attribution.json`` (the cue lexicon) to --out. Only the train split is read.

Gold PolNeAR claims give speaker, cue and content as strings; training labels
are their spans found in the text: the content where it occurs (or, for a
content stitched from pieces, from its first words to its last), then the cue
and the speaker nearest to it in its paragraph or the one before.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from newsmon.claims.tagger import (
    DATA,
    TOKEN_RE,
    AttributionTagger,
    _WordFeatures,
    export_weights,
    features,
    tokenize,
)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "claims"
# c1/c2 chosen on the validation tenth: the richer features (words 3 away, cue-anchored words, clause
# flags) overfit at 0.5/0.01 (content F1 0.541) and generalise at 1.0/0.1 (0.547; 2.0/0.3: 0.531)
PARAMS = {"c1": 1.0, "c2": 0.1, "max_iterations": 150, "feature.possible_transitions": True}
MIN_FEATURE_FREQ = 2
O_BIAS = 0.15   # taken off the none-tag's bias when tagging (tagger.py): chosen on the validation tenth


def paragraphs(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _low_words(s: str) -> list[str]:
    return [w.lower() for w in TOKEN_RE.findall(s)]


def _find_seq(words: list[str], seq: list[str], lo: int = 0, hi: int | None = None) -> list[int]:
    """Every index i in [lo, hi) where words[i:i+len(seq)] == seq."""
    hi = len(words) if hi is None else min(hi, len(words))
    n = len(seq)
    if not n:
        return []
    first = seq[0]
    return [i for i in range(lo, max(lo, hi - n + 1)) if words[i] == first and words[i:i + n] == seq]


def content_span(words: list[str], quote: str, cursor: int) -> tuple[int, int] | None:
    """Token span [a, b) of a gold content in the article's words."""
    q = _low_words(quote)
    if not q:
        return None
    hits = _find_seq(words, q)
    if hits:
        after = [h for h in hits if h >= cursor]
        a = after[0] if after else hits[0]
        return a, a + len(q)
    k = min(4, len(q))
    heads = _find_seq(words, q[:k])
    for a in heads:
        tails = _find_seq(words, q[-k:], a + k - 1, a + 2 * len(q) + 20)
        if tails:
            return a, tails[0] + k
    return None


def nearest(words: list[str], seq: list[str], a: int, b: int, lo: int, hi: int, taken) -> tuple[int, int] | None:
    """The occurrence of seq in [lo, hi) nearest to the span [a, b), outside it and untaken."""
    best = None
    for i in _find_seq(words, seq, lo, hi):
        j = i + len(seq)
        if i < b and j > a or any(taken[x] for x in range(i, j)):
            continue
        d = a - j if j <= a else i - b
        if best is None or d < best[0]:
            best = (d, i, j)
    return (best[1], best[2]) if best else None


def label_doc(doc: dict) -> tuple[list[list[tuple[int, int, str]]], list[list[str]]]:
    """Paragraph token lists and their BIO tags."""
    text = doc["text"]
    paras = paragraphs(text)
    toks, para_of = [], []
    for pi, (ps, pe) in enumerate(paras):
        got = tokenize(text, ps, pe)
        toks += got
        para_of += [pi] * len(got)
    words = [t[2].lower() for t in toks]
    tags = ["O"] * len(toks)
    taken = [False] * len(toks)
    para_start = {}
    for i, pi in enumerate(para_of):
        para_start.setdefault(pi, i)
    bounds = {pi: (para_start[pi], para_start.get(pi + 1, len(toks))) for pi in para_start}
    cursor = 0
    spans = []
    for c in doc["claims"]:
        sp = content_span(words, c["quote"], cursor)
        if sp is None:
            continue
        cursor = sp[0]
        spans.append((sp, c))
    # longest first: an attribution nested in another's content is lost, not half-labelled
    for (a, b), c in sorted(spans, key=lambda x: x[0][0] - x[0][1]):
        if any(taken[a:b]):
            continue
        pi = para_of[a]
        lo = bounds[pi - 1][0] if pi - 1 in bounds else bounds[pi][0]
        hi = bounds[pi][1]
        marks = [(a, b, "Q")]
        for i in range(a, b):
            taken[i] = True
        cue = nearest(words, _low_words(c.get("cue") or ""), a, b, lo, hi, taken)
        if cue:
            marks.append((*cue, "C"))
            for i in range(*cue):
                taken[i] = True
        spk = _low_words(c.get("speaker") or "")
        if spk:
            ca, cb = cue or (a, b)
            got = nearest(words, spk, ca, cb, lo, hi, taken)
            if got:
                marks.append((*got, "S"))
                for i in range(*got):
                    taken[i] = True
        for x, y, kind in marks:
            tags[x] = "B-" + kind
            for i in range(x + 1, y):
                tags[i] = "I-" + kind
    out_t, out_g = [], []
    for pi in sorted(bounds):
        x, y = bounds[pi]
        out_t.append(toks[x:y])
        out_g.append(tags[x:y])
    return out_t, out_g


def cue_lexicon(docs: list[dict]) -> dict[str, str]:
    """Words by how often the training text uses them as (part of) a cue."""
    as_cue, seen = Counter(), Counter()
    for d in docs:
        seen.update(_low_words(d["text"]))
        for c in d["claims"]:
            as_cue.update(w for w in set(_low_words(c.get("cue") or "")) if w.isalpha())
    out = {}
    for w, n in as_cue.items():
        if n < 3 or not seen[w]:
            continue
        r = n / seen[w]
        bucket = "hi" if r >= 0.5 else "mid" if r >= 0.2 else "lo" if r >= 0.05 else None
        if bucket:
            out[w] = bucket
    return dict(sorted(out.items()))


def _jaccard(a: list[str], b: list[str]) -> float:
    ca, cb = Counter(a), Counter(b)
    inter = sum((ca & cb).values())
    return inter / sum((ca | cb).values()) if inter else 0.0


def validate(weights: Path, lexicon_path: Path, docs: list[dict]) -> dict:
    """Content spans of the tagger alone (as it runs: numpy weights) against the gold
    contents (Jaccard >= 0.5, one-to-one)."""
    tagger = AttributionTagger(weights, lexicon_path)
    tp = n_pred = n_gold = 0
    for d in docs:
        text = d["text"]
        preds = [_low_words(text[s.start:s.end]) for spans in tagger.tag_text(text, paragraphs(text))
                 for s in spans if s.kind == "Q"]
        gold = [_low_words(c["quote"]) for c in d["claims"]]
        pairs = sorted(((_jaccard(p, g), i, j) for i, p in enumerate(preds) for j, g in enumerate(gold)),
                       reverse=True)
        used_p, used_g = set(), set()
        for s, i, j in pairs:
            if s < 0.5:
                break
            if i not in used_p and j not in used_g:
                used_p.add(i)
                used_g.add(j)
        tp += len(used_p)
        n_pred += len(preds)
        n_gold += len(gold)
    p, r = tp / max(n_pred, 1), tp / max(n_gold, 1)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "pred": n_pred, "gold": n_gold}


def fit(docs: list[dict], lexicon: dict, out: Path, params: dict = PARAMS) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    wf = _WordFeatures(lexicon)
    for d in docs:
        for toks, tags in zip(*label_doc(d)):
            if toks:
                trainer.append(features([t[2] for t in toks], wf), tags)
    trainer.select("lbfgs", "crf1d")
    trainer.set_params(dict(params, **{"feature.minfreq": MIN_FEATURE_FREQ}))
    trainer.train(str(out))


def train(docs: list[dict], out: Path, name: str, params: dict = PARAMS,
          o_bias: float = O_BIAS) -> tuple[Path, Path]:
    """Fit on docs; write <name>.npz (the weights) and <name>.json (the cue lexicon, the
    settings and the recall bias the tagger applies) to out."""
    lexicon = cue_lexicon(docs)
    out.mkdir(parents=True, exist_ok=True)
    model = out / f"{name}.crfsuite"
    fit(docs, lexicon, model, params)
    weights, lex = out / f"{name}.npz", out / f"{name}.json"
    export_weights(model, weights)
    model.unlink()
    lex.write_text(json.dumps({"trained_on": f"{len(docs)} PolNeAR train articles", "params": params,
                               "minfreq": MIN_FEATURE_FREQ, "o_bias": o_bias, "cues": lexicon}, indent=0, ensure_ascii=False)
                   + "\n", encoding="utf-8")
    return weights, lex


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding polnear-train.jsonl")
    ap.add_argument("--out", type=Path, default=DATA, help="where the model and lexicon go")
    ap.add_argument("--validation-out", type=Path, default=None,
                    help="keep the validation model here (attribution.validation.npz/.json) for tuning on the fold")
    ap.add_argument("--validate-only", action="store_true", help="fit on 9/10, print validation, ship nothing")
    ap.add_argument("--c1", type=float, default=PARAMS["c1"], help="L1 regularisation (default %(default)s)")
    ap.add_argument("--c2", type=float, default=PARAMS["c2"], help="L2 regularisation (default %(default)s)")
    ap.add_argument("--max-iterations", type=int, default=PARAMS["max_iterations"],
                    help="L-BFGS iterations (default %(default)s)")
    ap.add_argument("--o-bias", type=float, default=O_BIAS,
                    help="taken off the none-tag's bias when tagging: recall for precision (default %(default)s)")
    args = ap.parse_args(argv)
    params = dict(PARAMS, c1=args.c1, c2=args.c2, max_iterations=args.max_iterations)
    path = args.data / "polnear-train.jsonl"
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    fit_docs = [d for i, d in enumerate(docs) if i % 10 != 9]
    val_docs = [d for i, d in enumerate(docs) if i % 10 == 9]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        weights, lex = train(fit_docs, args.validation_out or Path(tmp), "attribution.validation", params, args.o_bias)
        v = validate(weights, lex, val_docs)
    print(f"validation ({len(val_docs)} of {len(docs)} train articles; fit on {len(fit_docs)}): "
          f"content P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f} "
          f"({v['pred']} predicted, {v['gold']} gold)  [{time.perf_counter() - started:.0f} s]", flush=True)
    if args.validate_only:
        return
    weights, lex = train(docs, args.out, "attribution", params, args.o_bias)
    print(f"wrote {weights} ({weights.stat().st_size / 1e6:.2f} MB) and {lex.name}  "
          f"[{time.perf_counter() - started:.0f} s]")


if __name__ == "__main__":
    main()
