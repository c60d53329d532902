"""Evaluate newsmon.claims in one run: the project's labelled set and the PolNeAR dev split.

For each set it prints P / R / F1, speaker accuracy, recall of direct and
indirect claims, and docs/s of extract_claims (CPU time, one core).

* The project's set (tests/data/claims; its matching rule is in
  tests/claims_scoring.py and tests/data/claims/README.md): gold spans located
  in the text, Dice of character spans >= 0.5, one-to-one; exact speaker.
* PolNeAR dev (../shared/data/claims/polnear-dev.jsonl, 84 articles nobody here
  wrote), scored by the shared scorer ../shared/eval/claims_eval.py: word
  multiset Jaccard >= 0.5, speaker head-word agreement, bare-pronoun gold
  speakers not scored. Skipped, saying so, when ../shared is not there.

It then splits PolNeAR's speaker errors (matched claims whose speaker the scorer
counts wrong) by cause: no speaker found; a speaker resolved beyond what the
scorer matches (the mention as written agrees with the gold speaker: "the
group" resolved to "National Golf Foundation", "the vice president" to "Joseph
R. Biden Jr."); a gold speaker the scorer can match with nothing (its name
words are all titles: "the president"); and the rest.

--split val scores the tenth of the train split that newsmon/claims/train.py
holds out (every tenth article), with the model it fits on the other nine
tenths (``python -m newsmon.claims.train --validate-only --validation-out DIR``,
then ``--model DIR``): what the thresholds and rules were tuned on.

Usage: python bench/claims_eval.py [-v] [--split dev|train|val [--model DIR]]   (-v lists the project set's misses)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"

from newsmon.claims import extract_claims  # noqa: E402
from tests.claims_scoring import evaluate, load_cases  # noqa: E402


def throughput(texts: list[str], seconds: float = 1.0) -> float:
    """docs/s of CPU time (one core; steadier than the wall clock on a shared machine),
    repeating the texts for about `seconds`."""
    docs = 0
    start = time.process_time()
    while time.process_time() - start < seconds:
        for text in texts:
            extract_claims(text)
        docs += len(texts)
    return docs / (time.process_time() - start)


def row(name: str, p: float, r: float, f: float, spk: float, rd: float, ri: float, dps: float) -> None:
    print(f"{name:<22} {p:6.3f} {r:6.3f} {f:6.3f} {spk:8.3f} {rd:8.3f} {ri:8.3f} {dps:8,.0f}")


def polnear(split: str) -> tuple[dict, list[dict]] | None:
    """The shared scorer's report on a PolNeAR split, and that split's documents."""
    scorer = SHARED / "eval" / "claims_eval.py"
    gold = SHARED / "data" / "claims" / f"polnear-{'train' if split == 'val' else split}.jsonl"
    if not scorer.exists() or not gold.exists():
        print(f"(PolNeAR {split}: {gold} or {scorer} not found, skipped)")
        return None
    docs = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    if split == "val":  # the tenth train.py holds out
        docs = [d for i, d in enumerate(docs) if i % 10 == 9]
        gold = pathlib.Path(tempfile.mkdtemp()) / "polnear-val.jsonl"
        gold.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    sys.path.insert(0, str(scorer.parent))
    import claims_eval

    with contextlib.redirect_stdout(io.StringIO()):
        return claims_eval.main(["newsmon.claims:extract_claims", "--gold", str(gold)]), docs


def speaker_errors(docs: list[dict]) -> dict[str, int]:
    """PolNeAR's speaker errors by cause, matched as the shared scorer matches (see the docstring)."""
    import claims_eval as ce

    out = dict(scored=0, wrong=0, none=0, resolved=0, unscorable=0, other=0)
    for d in docs:
        preds = [p for p in extract_claims(d["text"]) if (p.get("quote") or "").strip()]
        gold = d["claims"]
        pairs = ce.greedy_match([ce.tokens(p["quote"]) for p in preds], [ce.tokens(g["quote"]) for g in gold],
                                0.5, "jaccard")
        for i, j, _ in pairs:
            p, g = preds[i], gold[j]
            g_spk, g_ref = g.get("speaker") or "", g.get("speaker_ref") or ""
            if not (g_ref or (g_spk and not ce.bare_pronoun(g_spk))):
                continue
            out["scored"] += 1
            if ce.speaker_match(p.get("speaker") or "", g_spk, g_ref):
                continue
            out["wrong"] += 1
            if not p.get("speaker"):
                out["none"] += 1
            elif not ce.name_words(g_spk) and not ce.name_words(g_ref):
                out["unscorable"] += 1
            elif p.get("speaker_mention") and ce.speaker_match(p["speaker_mention"], g_spk, g_ref):
                out["resolved"] += 1
            else:
                out["other"] += 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-v", action="store_true", help="list the project set's misses and false claims")
    ap.add_argument("--split", default="dev", choices=["dev", "train", "val"],
                    help="PolNeAR split (default dev; val: the tenth of train that train.py holds out)")
    ap.add_argument("--model", type=pathlib.Path, default=None,
                    help="a folder holding attribution.validation.npz/.json (train.py --validation-out) to tag with")
    args = ap.parse_args()
    if args.model:
        import newsmon.claims.learned as learned
        from newsmon.claims.tagger import AttributionTagger

        tagger = AttributionTagger(args.model / "attribution.validation.npz",
                                   args.model / "attribution.validation.json")
        learned.shipped_tagger = lambda: tagger
    results = {split: evaluate(load_cases(split), verbose=args.v and split != "all")
               for split in ("dev", "heldout", "all")}
    cases = load_cases("all")
    dps = throughput([c["text"] for c in cases])
    print(f"{'set':<22} {'P':>6} {'R':>6} {'F1':>6} {'speaker':>8} {'direct':>8} {'indirect':>8} {'docs/s':>8}")
    for split, res in results.items():
        row(f"project {split} ({res['gold']})", res["precision"], res["recall"], res["f1"],
            res["speaker_accuracy"], res["recall_direct"], res["recall_indirect"], dps)
    got = polnear(args.split)
    if got:
        rep, docs = got
        a = rep["by_source"]["all"]
        row(f"PolNeAR {args.split} ({a['gold']})", a["precision"], a["recall"], a["f1"], a["speaker_acc"],
            rep["recall_direct"], rep["recall_indirect"], throughput([d["text"] for d in docs]))
        e = speaker_errors(docs)
        print(f"PolNeAR {args.split} speaker errors: {e['wrong']} of {e['scored']} scored: no speaker {e['none']}, "
              f"resolved beyond the scorer (the mention matches) {e['resolved']}, gold the scorer cannot match "
              f"('the president') {e['unscorable']}, other {e['other']}")


if __name__ == "__main__":
    main()
