"""Record, then compare, what analysis produces on a fixed corpus: a guard for refactors and speed work.

    python bench/golden.py check            # compare with tests/data/golden.json: exit 1 on any difference
    python bench/golden.py record           # re-record it, on purpose, when quality work changes outputs
    python bench/golden.py record --full /tmp/before.json   # also keep the whole outputs ...
    python bench/golden.py check --full /tmp/before.json    # ... to print what changed, not only where

The corpus: every page the fixture site serves (articles, listings, error
pages, both seeds), the labeled extraction pages in tests/data/extract, 300
generated bench pages (tests/generated_site.py), and the claims test sets run
through ``extract_claims``. The committed file holds a digest of each output's
fields (and a few plain values: title, word count, drop reason, claim count),
so it stays small; tests/test_golden.py runs ``check``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsmon.analysis import analyze_page  # noqa: E402
from newsmon.claims import extract_claims  # noqa: E402
from newsmon.demo.site import FixtureSite  # noqa: E402
from tests.generated_site import article_page  # noqa: E402

GOLDEN = ROOT / "tests" / "data" / "golden.json"


def corpus() -> tuple[list[tuple[str, str]], str]:
    """The pages, and the fixture site's base URL (its port differs per run)."""
    pages: list[tuple[str, str]] = []
    with FixtureSite() as site:
        base = site.base
        for phase in (1, 2):    # phase 2: the edited articles
            site.set_phase(phase)
            for path in sorted(site._build_routes()):
                url = site.url(path)
                try:
                    body = urllib.request.urlopen(url, timeout=10).read()
                except urllib.error.HTTPError as e:     # error pages are analysed too
                    body = e.read()
                pages.append((f"{url}#phase{phase}", body.decode("utf-8", errors="replace")))
    for path in sorted((ROOT / "tests/data/extract").glob("*.html")):
        pages.append((f"http://extract.example/{path.stem}.html", path.read_text(encoding="utf-8", errors="replace")))
    for i in range(300):
        pages.append((f"http://bench.example/news/{i}.html", article_page.__wrapped__(i).decode()))
    return pages, base


def claim_texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "tests/data/claims").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        items = data if isinstance(data, list) else data.get("cases", [data])
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                texts.append(item["text"])
    for path in sorted((ROOT / "tests/data/seeds").glob("*.txt")):
        texts.append(path.read_text(encoding="utf-8"))
    return texts


def outputs() -> dict:
    result = {}
    pages, base = corpus()
    for url, html in pages:
        result[url] = analyze_page(html, url.split("#")[0])
    for i, text in enumerate(claim_texts()):
        result[f"claims:{i}"] = extract_claims(text)
    return json.loads(json.dumps(result, default=str, sort_keys=True).replace(base, "http://fixture.test")
                      .replace(base.removeprefix("http://"), "fixture.test"))


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def summary(key: str, value) -> dict:
    """What the golden file keeps of one output: a digest per field and a few plain values."""
    if not isinstance(value, dict):       # claims of a text
        return {"claims": len(value), "digest": _digest(value)}
    article = value.get("article") or {}
    return {"title": article.get("title"), "words": article.get("word_count"),
            "drop_reason": value.get("drop_reason"), "claims": len(value.get("claims") or []),
            "fields": {f: _digest(v) for f, v in sorted({**article, "claims": value.get("claims")}.items())}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["record", "check"])
    ap.add_argument("--golden", type=Path, default=GOLDEN, help="digests file [default: tests/data/golden.json]")
    ap.add_argument("--full", type=Path, default=None, help="whole outputs, written by record, read by check")
    args = ap.parse_args()
    now = outputs()
    digests = {key: summary(key, value) for key, value in now.items()}
    if args.mode == "record":
        args.golden.write_text(json.dumps(digests, sort_keys=True, ensure_ascii=False, indent=0) + "\n",
                               encoding="utf-8")
        if args.full:
            args.full.write_text(json.dumps(now, sort_keys=True, ensure_ascii=False), encoding="utf-8")
        print(f"recorded {len(now)} outputs to {args.golden}" + (f" (whole outputs: {args.full})" if args.full else ""))
        return
    before = json.loads(args.golden.read_text(encoding="utf-8"))
    full = json.loads(args.full.read_text(encoding="utf-8")) if args.full else {}
    differ = [k for k in sorted(set(before) | set(digests)) if before.get(k) != digests.get(k)]
    for key in differ[:20]:
        old, new = before.get(key) or {}, digests.get(key) or {}
        fields = sorted(f for f in set(old.get("fields", {})) | set(new.get("fields", {}))
                        if old.get("fields", {}).get(f) != new.get("fields", {}).get(f))
        plain = {k: (old.get(k), new.get(k)) for k in ("title", "words", "drop_reason", "claims")
                 if old.get(k) != new.get(k)}
        print(f"{key}: fields {', '.join(fields) or '-'}; " + "; ".join(f"{k} {a!r} -> {b!r}" for k, (a, b) in plain.items()))
        if key in full:
            old_full, new_full = full[key], now.get(key)
            if isinstance(old_full, dict) and isinstance(new_full, dict):
                olda, newa = old_full.get("article") or {}, new_full.get("article") or {}
                for field in fields:
                    get_old = old_full.get("claims") if field == "claims" else olda.get(field)
                    get_new = new_full.get("claims") if field == "claims" else newa.get(field)
                    print(f"  [{field}]\n    before: {str(get_old)[:400]}\n    after:  {str(get_new)[:400]}")
            else:
                print(f"    before: {str(old_full)[:400]}\n    after:  {str(new_full)[:400]}")
    print(f"{len(now)} outputs, {len(differ)} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
