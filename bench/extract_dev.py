"""Article text on labelled pages nobody here wrote: newsmon against trafilatura, per dev set.

    python bench/extract_dev.py                       # every set in ../shared/data/extract
    python bench/extract_dev.py --sets dragnet --bad 20   # list the 20 worst pages too
    python bench/extract_dev.py --json /tmp/dev.json  # also write the figures and per-page scores

For each set (dragnet, readability, cleanportal, cleaneval: article-extraction-
benchmark folders) it runs, in this process and on the same HTML:

- newsmon: ``newsmon.analysis.analyze_page`` (the whole analysis a crawl runs on
  a page: extraction, verdict, claims, fingerprints), scored on its article text;
- trafilatura: ``trafilatura.extract(html, url=url, include_comments=False)``;

and prints one markdown table: precision / recall / F1 of both (the scorer of
../shared/eval/extraction_eval.py: 4-word shingles, macro P and R over pages),
the pages where newsmon's F1 is more than 0.2 below trafilatura's on the same
page ("bad"), and CPU ms per page of both (process CPU time).

Both are timed as a long-running process runs them: before timing, newsmon warms
up as its workers do (``newsmon.analysis.warm_up``: the claims model, jusText's
stop lists, the public-suffix list), trafilatura loads its jusText stop list, and
each reads one page untimed. Then each page goes through both, one right after the
other, the first of the two alternating: on this shared machine the CPU time of a
page varies by a third from one minute to the next, and timing one extractor over
the whole set, then the other, put that variation into their ratio. The last
lines say whether each set meets issue 19's targets.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared"
SETS = ("dragnet", "readability", "cleanportal", "cleaneval")
BAD_GAP = 0.2            # a page whose F1 is this far below trafilatura's lost its body
F1_MARGIN = 0.01         # targets: F1 >= trafilatura's + F1_MARGIN ...
RECALL_SLACK = 0.005     # ... and recall >= trafilatura's - RECALL_SLACK


def scorer(shared: Path):
    """../shared/eval/extraction_eval.py, imported (its metric is the reference)."""
    sys.path.insert(0, str(shared / "eval"))
    import extraction_eval
    return extraction_eval


def newsmon_text(html: str, url: str | None) -> str:
    from newsmon.analysis import analyze_page

    article = analyze_page(html, url)["article"]
    return (article or {}).get("text") or ""


def trafilatura_text(html: str, url: str | None) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url, include_comments=False) or ""


EXTRACTORS = {"newsmon": newsmon_text, "trafilatura": trafilatura_text}


def page_f1(counts) -> float:
    tp, fp, fn = counts
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def warm_up() -> None:
    """What each extractor loads on the first page that needs it, loaded untimed."""
    from trafilatura.external import jt_stoplist_init

    from newsmon.analysis import warm_up as newsmon_warm_up

    newsmon_warm_up()
    jt_stoplist_init()


def run_both(pages: dict, urls: dict) -> dict:
    """Each page through both extractors, one right after the other, the one that goes
    first alternating from page to page: the machine's load and the process's state
    (heap, caches both use) weigh on both alike. Per extractor: its texts, errors and
    process CPU seconds."""
    import time

    runs = {name: {"preds": {}, "errors": {}, "cpu": 0.0} for name in EXTRACTORS}
    order = list(EXTRACTORS)
    for i, (key, html) in enumerate(pages.items()):
        for name in (order if i % 2 == 0 else order[::-1]):
            run = runs[name]
            start = time.process_time()
            try:
                run["preds"][key] = EXTRACTORS[name](html, urls.get(key))
            except Exception as e:  # noqa: BLE001 - a failing page scores as empty
                run["preds"][key] = None
                run["errors"][key] = f"{type(e).__name__}: {e}"[:300]
            run["cpu"] += time.process_time() - start
    return runs


def measure(ev, folder: Path, limit: int | None) -> dict:
    pages, truths, urls = ev.load_corpus(folder, limit)
    warm_up()
    if pages:       # one page untimed each, as the scorer's runner does
        first = next(iter(pages))
        for extract in EXTRACTORS.values():
            extract(pages[first], urls.get(first))
    out = {"pages": len(pages)}
    per_page = {}
    for name, run in run_both(pages, urls).items():
        preds = run["preds"]
        point, _, counts = ev.score(truths, preds, n_boot=0)
        out[name] = {**{k: point[k] for k in ("precision", "recall", "f1")},
                     "cpu_ms": 1000 * run["cpu"] / len(pages), "errors": len(run["errors"])}
        per_page[name] = {k: page_f1(c) for k, c in counts.items()}
        per_page[name + "_chars"] = {k: len(preds.get(k) or "") for k in pages}
    out["per_page"] = {k: {"newsmon": per_page["newsmon"][k], "trafilatura": per_page["trafilatura"][k],
                           "newsmon_chars": per_page["newsmon_chars"][k],
                           "trafilatura_chars": per_page["trafilatura_chars"][k],
                           "truth_chars": len(truths[k]), "url": urls.get(k)} for k in sorted(truths)}
    out["bad"] = sorted((k for k, v in out["per_page"].items() if v["newsmon"] < v["trafilatura"] - BAD_GAP),
                        key=lambda k: out["per_page"][k]["newsmon"] - out["per_page"][k]["trafilatura"])
    return out


def table(results: dict) -> str:
    rows = ["| set | pages | newsmon P / R / F1 | trafilatura P / R / F1 | bad pages | CPU ms/page newsmon / trafilatura |",
            "|---|---|---|---|---|---|"]
    for name, r in results.items():
        n, t = r["newsmon"], r["trafilatura"]
        rows.append(f"| {name} | {r['pages']:,} | {n['precision']:.3f} / {n['recall']:.3f} / {n['f1']:.3f} "
                    f"| {t['precision']:.3f} / {t['recall']:.3f} / {t['f1']:.3f} | {len(r['bad'])} "
                    f"| {n['cpu_ms']:.1f} / {t['cpu_ms']:.1f} |")
    return "\n".join(rows)


def verdicts(results: dict) -> list[str]:
    lines = []
    for name, r in results.items():
        n, t = r["newsmon"], r["trafilatura"]
        misses = []
        if n["f1"] < t["f1"] + F1_MARGIN:
            misses.append(f"F1 {n['f1'] - t['f1']:+.3f} (< +{F1_MARGIN})")
        if n["recall"] < t["recall"] - RECALL_SLACK:
            misses.append(f"recall {n['recall'] - t['recall']:+.3f} (< -{RECALL_SLACK})")
        if r["bad"]:
            misses.append(f"{len(r['bad'])} bad pages")
        if n["cpu_ms"] > t["cpu_ms"]:
            misses.append(f"CPU {n['cpu_ms'] / t['cpu_ms']:.2f}x trafilatura's")
        lines.append(f"{name}: " + ("meets the targets" if not misses else "misses: " + ", ".join(misses)))
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared folder (data/extract, eval)")
    ap.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    ap.add_argument("--limit", type=int, help="only the first N pages of each set")
    ap.add_argument("--bad", type=int, default=0, help="list up to N bad pages per set")
    ap.add_argument("--json", type=Path, help="write the figures and per-page F1s here")
    args = ap.parse_args(argv)

    ev = scorer(args.shared)
    results = {}
    for name in args.sets:
        folder = args.shared / "data" / "extract" / name
        if not (folder / "ground-truth.json").exists():
            print(f"{name}: no {folder}/ground-truth.json, skipped", file=sys.stderr)
            continue
        results[name] = measure(ev, folder, args.limit)
        print(f"{name}: done", file=sys.stderr, flush=True)
    print(table(results))
    print()
    for line in verdicts(results):
        print(line)
    for name, r in results.items():
        for k in r["bad"][:args.bad]:
            v = r["per_page"][k]
            print(f"  bad {name}/{k}: F1 {v['newsmon']:.2f} vs {v['trafilatura']:.2f}, chars {v['newsmon_chars']}"
                  f" vs {v['trafilatura_chars']} (truth {v['truth_chars']}) {v['url'] or ''}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
