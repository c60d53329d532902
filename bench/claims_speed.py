"""extract_claims alone: ms/page on generated article texts; a profile; or a comparison.

    python bench/claims_speed.py [-n 200] [--repeat 5]     # best-of-N ms/page
    python bench/claims_speed.py --kb 4                    # the same pages cut to 4 KB of text
    python bench/claims_speed.py --profile                 # cProfile, by own time
    python bench/claims_speed.py --against REF_CHECKOUT [--cases 3000] [--seed 0]

Texts are tests/generated_site.py pages run through extract_article (as in
analyze_bench.py), cached in /tmp so repeated runs skip the HTML work.

--against is a guard for speed work next to bench/golden.py: it runs the
extract_claims of another checkout (say ``git worktree add /tmp/ref HEAD``) in
a subprocess and compares both outputs on texts made by mixing the bench texts
and the claims test sets and inserting attribution phrases into them ("who
said", "said earlier today that", "the company said", quote marks, initials
…), which reach branches the fixed corpus seldom does.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsmon.claims import extract_claims  # noqa: E402

# Phrases inserted between words of the --against texts.
INSERTS = [
    "He said", "she added", "the company said", "It said", "they said", "According to Reuters,",
    ", according to officials.", "who said", "the Kremlin’s", "In Paris, ", "• ", "\t", "\xa0", "“", "”",
    '"', "said", "Mr. Smith", "U.S.", "told reporters", "that", "on Monday,", "warned against", "pointed to",
    "Dr. Anna Kowalski", "the spokesman", ", saying", "and argued that", "called it “", "is said to",
    "Kremlin spokesman Dmitry Peskov", "de", "van", "’s", "(", ")", ";", ":", "…", "...",
    "said earlier today that", ", traders said on Monday.", "said late on Tuesday, threatening",
    "said in a statement that", "told reporters at a briefing that", "has also said", "reportedly said",
    "said, adding",
]


def article_texts(n: int) -> list[str]:
    cache = Path(f"/tmp/claims_speed_texts_{n}.json")
    if cache.exists():
        return json.loads(cache.read_text())
    from newsmon.extract import extract_article
    from tests.generated_site import article_page
    texts = []
    for i in range(n):
        art = extract_article(article_page.__wrapped__(i).decode(), f"http://bench.example/news/{i}.html")
        if art:
            texts.append(art["text"])
    cache.write_text(json.dumps(texts))
    return texts


_REFERENCE = ("import json, sys\n"
              "try:\n    from newsmon.claims import extract_claims\n"
              "except ImportError:\n    from pipelines.claims import extract_claims\n"
              "print(json.dumps([extract_claims(t) for t in json.load(sys.stdin)]))")


def cut_to(text: str, size: int) -> str:
    """The text's first paragraphs that fit in `size` bytes (at least one)."""
    out, used = [], 0
    for para in text.split("\n"):
        used += len(para.encode()) + 1
        if out and used > size:
            break
        out.append(para)
    return "\n".join(out)


def reference_claims(checkout: str, texts: list[str]) -> list:
    """extract_claims of each text, as the checkout at ``checkout`` has it."""
    env = dict(os.environ, PYTHONPATH=str(Path(checkout).resolve()))
    out = subprocess.run([sys.executable, "-c", _REFERENCE], cwd=checkout, env=env, input=json.dumps(texts),
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def compare(checkout: str, texts: list[str], cases: int, seed: int) -> int:
    """Number of mixed texts on which the reference checkout's claims differ."""
    from bench.golden import claim_texts
    pool = texts[:60] + claim_texts()
    paras = [p for t in pool for p in t.split("\n") if p.strip()]
    rng = random.Random(seed)
    mixed = []
    for _ in range(cases):
        words = (rng.choice(pool) if rng.random() < 0.4
                 else "\n".join(rng.choice(paras) for _ in range(rng.randint(1, 8)))).split(" ")
        for _ in range(rng.randint(0, 8)):
            words.insert(rng.randint(0, len(words)), rng.choice(INSERTS))
        mixed.append(" ".join(words))
    differ = claims = 0
    for text, want in zip(mixed, reference_claims(checkout, mixed)):
        got = json.loads(json.dumps(extract_claims(text)))
        claims += len(want)
        if want != got:
            differ += 1
            if differ <= 3:
                print("differs:", repr(text[:200]))
    print(f"{cases} texts, {claims} claims, {differ} differ")
    return differ


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=200, help="generated pages (default 200)")
    ap.add_argument("--repeat", type=int, default=5, help="passes; the best is kept")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--against", metavar="REF_CHECKOUT", help="compare with another checkout's extract_claims")
    ap.add_argument("--cases", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kb", type=float, default=None, help="cut each text to its paragraphs within this many KB")
    args = ap.parse_args(argv)
    texts = article_texts(args.n)
    if args.kb:
        texts = [cut_to(t, int(args.kb * 1024)) for t in texts]
    if args.against:
        sys.exit(1 if compare(args.against, texts, args.cases, args.seed) else 0)
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for t in texts:
            extract_claims(t)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(35)
        return
    best = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        for t in texts:
            extract_claims(t)
        best = min(best, time.perf_counter() - started)
    claims = sum(len(extract_claims(t)) for t in texts)
    size = sum(len(t.encode()) for t in texts) / len(texts) / 1024
    print(f"extract_claims: {1000 * best / len(texts):.3f} ms/page ({len(texts) / best:,.0f} docs/s) over "
          f"{len(texts)} pages of {size:.1f} KB ({claims / len(texts):.1f} claims/text), best of {args.repeat}")


if __name__ == "__main__":
    main()
