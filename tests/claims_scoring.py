"""The project's labelled claims set (tests/data/claims) and its matching rule.

Used by tests/test_claims.py and bench/claims_eval.py. Matching: each gold quote
is located in its text as a character span (the first occurrence at or after
the previous gold claim's start); a predicted claim matches a gold claim when
the Dice overlap of their spans, 2*|overlap| / (|gold| + |pred|), is >= 0.5;
pairs are matched greedily, best overlap first, one-to-one. Speaker and kind
accuracy are measured over matched pairs, with exact equality.
"""

from __future__ import annotations

import json
import pathlib

from newsmon.claims import extract_claims

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "claims"
THRESHOLD = 0.5


HELDOUT = "heldout.json"  # written after tuning on the rest; never tuned on before its first score


def load_cases(split: str = "all") -> list[dict]:
    """Labeled cases ("dev", "heldout" or "all"), texts loaded, gold spans located."""
    cases = []
    for path in sorted(DATA.glob("*.json")):
        if (split == "dev" and path.name == HELDOUT) or (split == "heldout" and path.name != HELDOUT):
            continue
        raw = json.loads(path.read_text(encoding="utf-8"))
        for case in raw if isinstance(raw, list) else [raw]:
            if "text_file" in case:
                case["text"] = (DATA / case["text_file"]).resolve().read_text(encoding="utf-8")
            locate_gold(case)
            cases.append(case)
    return cases


def locate_gold(case: dict) -> None:
    """Give each gold claim (start, end) offsets; labels are in text order."""
    cursor = 0
    for claim in case["claims"]:
        start = case["text"].find(claim["quote"], cursor)
        if start < 0:
            start = case["text"].find(claim["quote"])
        assert start >= 0, (case["id"], claim["quote"])
        claim["start"], claim["end"] = start, start + len(claim["quote"])
        cursor = start + 1


def dice(a0: int, a1: int, b0: int, b1: int) -> float:
    overlap = max(0, min(a1, b1) - max(a0, b0))
    return 2 * overlap / ((a1 - a0) + (b1 - b0)) if a1 > a0 or b1 > b0 else 0.0


def match(gold: list[dict], pred: list[dict]) -> list[tuple[int, int]]:
    """Greedy one-to-one matching of gold and predicted claims by span Dice."""
    pairs = sorted(((dice(g["start"], g["end"], p["char_start"], p["char_end"]), gi, pi)
                    for gi, g in enumerate(gold) for pi, p in enumerate(pred)), reverse=True)
    used_g, used_p, out = set(), set(), []
    for score, gi, pi in pairs:
        if score < THRESHOLD:
            break
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        out.append((gi, pi))
    return out


def evaluate(cases: list[dict], verbose: bool = False) -> dict:
    tp = n_gold = n_pred = speaker_ok = kind_ok = 0
    by_kind = {"direct": [0, 0], "indirect": [0, 0]}  # [matched, gold]
    for case in cases:
        pred = extract_claims(case["text"])
        gold = case["claims"]
        pairs = match(gold, pred)
        n_gold += len(gold)
        n_pred += len(pred)
        tp += len(pairs)
        matched = {gi for gi, _ in pairs}
        for gi, g in enumerate(gold):
            by_kind[g["kind"]][1] += 1
            by_kind[g["kind"]][0] += gi in matched
        for gi, pi in pairs:
            speaker_ok += gold[gi]["speaker"] == pred[pi]["speaker"]
            kind_ok += gold[gi]["kind"] == pred[pi]["kind"]
            if verbose and (gold[gi]["speaker"] != pred[pi]["speaker"] or gold[gi]["kind"] != pred[pi]["kind"]):
                print(f"  WRONG  {case['id']}: gold {gold[gi]['speaker']!r}/{gold[gi]['kind']} "
                      f"pred {pred[pi]['speaker']!r}/{pred[pi]['kind']} ({pred[pi]['speaker_mention']!r}) "
                      f"{gold[gi]['quote'][:60]!r}")
        if verbose:
            matched_g = {g for g, _ in pairs}
            matched_p = {p for _, p in pairs}
            for gi, g in enumerate(gold):
                if gi not in matched_g:
                    print(f"  MISS   {case['id']}: {g['speaker']!r} {g['kind']} {g['quote'][:70]!r}")
            for pi, p in enumerate(pred):
                if pi not in matched_p:
                    print(f"  FALSE+ {case['id']}: {p['speaker']!r} {p['kind']} {p['cue']!r} {p['quote'][:70]!r}")
    precision = tp / n_pred if n_pred else 1.0
    recall = tp / n_gold if n_gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"cases": len(cases), "gold": n_gold, "predicted": n_pred, "matched": tp,
            "precision": precision, "recall": recall, "f1": f1,
            "speaker_accuracy": speaker_ok / tp if tp else 0.0,
            "kind_accuracy": kind_ok / tp if tp else 0.0,
            "recall_direct": by_kind["direct"][0] / max(by_kind["direct"][1], 1),
            "recall_indirect": by_kind["indirect"][0] / max(by_kind["indirect"][1], 1)}
