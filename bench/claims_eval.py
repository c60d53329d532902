"""Evaluate newsmon.claims on the labeled set: P/R/F1, speaker accuracy, docs/s.

Matching rule (also in tests/data/claims/README.md): each gold quote is located
in its text as a character span (the first occurrence at or after the previous
gold claim's start). A predicted claim matches a gold claim when the Dice
overlap of their character spans, 2*|overlap| / (|gold| + |pred|), is >= 0.5.
Pairs are matched greedily, best overlap first, one-to-one. Kind is not part
of the match. Speaker accuracy and kind accuracy are measured over matched
pairs, with exact equality (None == None counts as correct).

Usage: python bench/claims_eval.py [-v]   (-v lists misses and false positives)
"""

from __future__ import annotations

import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsmon.claims import extract_claims  # noqa: E402
from tests.claims_scoring import evaluate, load_cases  # noqa: E402


def throughput(cases: list[dict], seconds: float = 1.0) -> tuple[float, float]:
    """docs/s and MB/s, repeating the whole set for about `seconds`."""
    texts = [c["text"] for c in cases]
    docs = chars = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in texts:
            extract_claims(text)
        docs += len(texts)
        chars += sum(map(len, texts))
    elapsed = time.perf_counter() - start
    return docs / elapsed, chars / elapsed / 1e6


def report(name: str, result: dict) -> None:
    print(f"[{name}] cases {result['cases']}  gold {result['gold']}  predicted {result['predicted']}  "
          f"matched {result['matched']}")
    print(f"[{name}] precision {result['precision']:.3f}  recall {result['recall']:.3f}  "
          f"F1 {result['f1']:.3f}  speaker accuracy {result['speaker_accuracy']:.3f}  "
          f"kind accuracy {result['kind_accuracy']:.3f}")


def main() -> None:
    verbose = "-v" in sys.argv
    for split in ("dev", "heldout", "all"):
        report(split, evaluate(load_cases(split), verbose=verbose and split != "all"))
    docs_s, mb_s = throughput(load_cases("all"))
    print(f"throughput {docs_s:,.0f} docs/s  ({mb_s:.2f} MB/s of text; whole set repeated for ~1 s)")


if __name__ == "__main__":
    main()
