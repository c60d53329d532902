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

Usage: python bench/claims_eval.py [-v] [--split dev|train]   (-v lists the project set's misses)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import pathlib
import sys
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


def polnear(split: str) -> dict | None:
    scorer = SHARED / "eval" / "claims_eval.py"
    gold = SHARED / "data" / "claims" / f"polnear-{split}.jsonl"
    if not scorer.exists() or not gold.exists():
        print(f"(PolNeAR {split}: {gold} or {scorer} not found, skipped)")
        return None
    sys.path.insert(0, str(scorer.parent))
    import claims_eval

    with contextlib.redirect_stdout(io.StringIO()):
        return claims_eval.main(["newsmon.claims:extract_claims", "--gold", str(gold)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-v", action="store_true", help="list the project set's misses and false claims")
    ap.add_argument("--split", default="dev", choices=["dev", "train"], help="PolNeAR split (default dev)")
    args = ap.parse_args()
    results = {split: evaluate(load_cases(split), verbose=args.v and split != "all")
               for split in ("dev", "heldout", "all")}
    cases = load_cases("all")
    dps = throughput([c["text"] for c in cases])
    print(f"{'set':<22} {'P':>6} {'R':>6} {'F1':>6} {'speaker':>8} {'direct':>8} {'indirect':>8} {'docs/s':>8}")
    for split, res in results.items():
        row(f"project {split} ({res['gold']})", res["precision"], res["recall"], res["f1"],
            res["speaker_accuracy"], res["recall_direct"], res["recall_indirect"], dps)
    rep = polnear(args.split)
    if rep:
        a = rep["by_source"]["all"]
        texts = [json.loads(line)["text"] for line in
                 (SHARED / "data" / "claims" / f"polnear-{args.split}.jsonl").read_text(encoding="utf-8").splitlines()
                 if line.strip()]
        row(f"PolNeAR {args.split} ({a['gold']})", a["precision"], a["recall"], a["f1"], a["speaker_acc"],
            rep["recall_direct"], rep["recall_indirect"], throughput(texts))


if __name__ == "__main__":
    main()
