"""Record, then compare, what analysis produces on a fixed corpus: a guard for speed work.

    python bench/golden.py record [--out PATH]   # before a change
    python bench/golden.py check  [--out PATH]   # after it: exit 1 on any difference

The corpus: every page the fixture site serves (articles, listings, error
pages, both seeds), the labeled extraction pages in tests/data/extract, 300
generated bench pages (tests/generated_site.py), and the claims test sets run through
``extract_claims``. An optimisation of extraction, the drop check or claims
must leave every output identical; this script says which page differs, and
how.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.generated_site import article_page  # noqa: E402
from newsmon.demo.site import FixtureSite  # noqa: E402
from newsmon.analysis import analyze_page  # noqa: E402
from newsmon.claims import extract_claims  # noqa: E402

DEFAULT_OUT = Path("/tmp/newsmon-golden.json")


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["record", "check"])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    now = outputs()
    if args.mode == "record":
        args.out.write_text(json.dumps(now, sort_keys=True, ensure_ascii=False), encoding="utf-8")
        print(f"recorded {len(now)} outputs to {args.out}")
        return
    before = json.loads(args.out.read_text(encoding="utf-8"))
    differ = [k for k in sorted(set(before) | set(now)) if before.get(k) != now.get(k)]
    for key in differ[:10]:
        old, new = before.get(key), now.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            for field in sorted(set(old) | set(new)):
                if old.get(field) != new.get(field):
                    print(f"{key} [{field}]:\n  before: {str(old.get(field))[:400]}\n  after:  {str(new.get(field))[:400]}")
        else:
            print(f"{key}:\n  before: {str(old)[:400]}\n  after:  {str(new)[:400]}")
    print(f"{len(now)} outputs, {len(differ)} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
