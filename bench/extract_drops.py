"""Where newsmon's recall goes, per dev set: trafilatura's own text, then each drop reason.

    python bench/extract_drops.py                    # every set in ../shared/data/extract
    python bench/extract_drops.py --sets dragnet --show link --lines 30   # the lines one reason drops

For each page it runs newsmon's extraction (``candidate_lines`` then the rules,
as ``extract_article`` does, without site lines) and trafilatura.extract, and
prints per set, with ../shared/eval/extraction_eval.py's scorer (4-word
shingles, macro P and R over pages):

- trafilatura, newsmon's candidate text before any rule, and newsmon's final
  text: P / R / F1 (the candidate line shows what the extraction itself, not
  the rules, costs);
- per drop reason (``Line.drop`` after ``confirm_drops``): the lines and words
  it removes, the gold shingles it removes (``gold``) and the others
  (``junk``), summed over pages, and the macro P / R / F1 change if that
  reason alone dropped nothing (its lines put back): a reason whose put-back
  raises F1 costs more recall than it buys precision.

``--show REASON`` lists the dropped lines of that reason with the share of
their shingles in the gold text (0 = junk, 1 = article text), worst first.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from extract_dev import SETS, SHARED, scorer, trafilatura_text  # noqa: E402


def newsmon_lines(html: str, url: str | None):
    """The page's lines with ``drop`` set as extract_article sets it (no site lines)."""
    from newsmon.extract.article import candidate_lines
    from newsmon.extract.html import parse_html
    from newsmon.extract.rules import clean_lines, link_block_labels

    tree = parse_html(html)
    got = candidate_lines(tree, url) if tree is not None else None
    if got is None:
        return []
    lines, title = got
    return clean_lines(lines, title, None, lambda: link_block_labels(tree))


def render_with(lines, restore: str | None = None, everything: bool = False) -> str:
    from newsmon.extract.rules import render

    saved = [ln.drop for ln in lines]
    for ln in lines:
        if everything or ln.drop == restore:
            ln.drop = None
    text = render(lines)
    for ln, d in zip(lines, saved):
        ln.drop = d
    return text


def prf(ev, truths, preds):
    point, _, _ = ev.score(truths, preds, n_boot=0)
    return point["precision"], point["recall"], point["f1"]


def attribute(ev, folder: Path, limit: int | None, show: str | None):
    pages, truths, urls = ev.load_corpus(folder, limit)
    traf, cand, final = {}, {}, {}
    by_reason = defaultdict(dict)        # reason -> page -> text with that reason's lines put back
    stats = defaultdict(Counter)         # reason -> lines, words, gold, junk
    shown = []
    for k, html in pages.items():
        traf[k] = trafilatura_text(html, urls.get(k))
        lines = newsmon_lines(html, urls.get(k))
        final[k] = render_with(lines)
        cand[k] = render_with(lines, everything=True)
        gold = ev.shingles(truths[k])
        for reason in {ln.drop for ln in lines if ln.drop}:
            by_reason[reason][k] = render_with(lines, restore=reason)
        for ln in lines:
            if not ln.drop:
                continue
            sh = ev.shingles(ln.text)
            hit = sum((sh & gold).values())
            s = stats[ln.drop]
            s["lines"] += 1
            s["words"] += ln.words
            s["gold"] += hit
            s["junk"] += sum(sh.values()) - hit
            if show == ln.drop:
                shown.append((hit / max(1, sum(sh.values())), k, ln.text))
    base = prf(ev, truths, final)
    rows = [("trafilatura", prf(ev, truths, traf)), ("newsmon candidate (no rule)", prf(ev, truths, cand)),
            ("newsmon", base)]
    reasons = []
    for reason, texts in by_reason.items():
        p, r, f = prf(ev, truths, {**final, **texts})
        reasons.append((reason, stats[reason], (p - base[0], r - base[1], f - base[2])))
    reasons.sort(key=lambda x: -x[2][2])
    return rows, reasons, sorted(shown, reverse=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    ap.add_argument("--limit", type=int, help="only the first N pages of each set")
    ap.add_argument("--show", help="list the lines this drop reason removes")
    ap.add_argument("--lines", type=int, default=40, help="how many lines --show lists")
    args = ap.parse_args(argv)
    ev = scorer(args.shared)
    for name in args.sets:
        folder = args.shared / "data" / "extract" / name
        if not (folder / "ground-truth.json").exists():
            continue
        rows, reasons, shown = attribute(ev, folder, args.limit, args.show)
        print(f"## {name}")
        for label, (p, r, f) in rows:
            print(f"{label:30s} P {p:.3f}  R {r:.3f}  F1 {f:.3f}")
        print(f"{'drop reason':14s} {'lines':>6s} {'words':>7s} {'gold':>7s} {'junk':>7s}   put back: dP / dR / dF1")
        for reason, s, (dp, dr, df) in reasons:
            print(f"{reason:14s} {s['lines']:6d} {s['words']:7d} {s['gold']:7d} {s['junk']:7d}"
                  f"   {dp:+.4f} / {dr:+.4f} / {df:+.4f}")
        for share, k, text in shown[:args.lines]:
            print(f"  {share:.2f} {k}: {text[:150]}")
        print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
