"""Take README's screenshots of Datasette from a demo database.

    python docs/screenshots.py [--db news.db] [--chromium /usr/bin/chromium] [--out docs/img]

A developer tool, not part of CI: it needs Debian's chromium (apt-get install
chromium). Without --db it builds a demo database as `newsmon demo` does, from
the bundled sample news site (offline), crawled twice with two of its
articles edited in between, so that versions and diffs exist. It then starts
`newsmon serve` on a free loopback port and has headless Chromium save one
PNG per view.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# name -> (path, window height); a path may name {article}, {group} (chosen from the database)
VIEWS = {
    "articles": ("/news/articles_view?_sort_desc=first_seen_at", 1000),
    "article": ("/news/articles/{article}", 1900),
    "latest-claims": ("/news/latest_claims", 1000),
    "claims-by-speaker": ("/news/claims_by_speaker?speaker=Peskov", 1000),
    "claim-reporters": ("/news/claim_reporters?claim_group_id={group}", 800),
    "search-articles": ("/news/search_articles?search=water+levels", 1000),
    "syndicated-stories": ("/news/syndicated_stories", 1000),
    "edited-articles": ("/news/edited_articles", 1000),
    "source-health": ("/news/source_health", 1000),
}
# flags that keep Chromium off the network and quiet on a machine with no display
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def newsmon(*args) -> list[str]:
    return [sys.executable, "-m", "newsmon", *map(str, args)]


def wait_until_up(url: str, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("newsmon serve exited before it was up") from None
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def build_demo(db: Path) -> None:
    """The sample site crawled as `newsmon demo` does, then again after its edits (phase 2)."""
    from newsmon.demo.site import FixtureSite

    site = FixtureSite()
    site.start()
    try:
        config = db.parent / "sources.toml"
        config.write_text(site.sources_toml(), encoding="utf-8")
        for phase in (1, 2):
            site.set_phase(phase)
            subprocess.run(newsmon("crawl", "--all", "--config", config, "--db", db), cwd=ROOT, check=True,
                           capture_output=True)
    finally:
        site.stop()


def choose(db: Path) -> dict:
    """The article to show (an edited one with the most claims) and the most reported claim group
    (a person's statement, if there is one)."""
    with sqlite3.connect(db) as conn:
        article, = conn.execute(
            "SELECT a.id FROM articles a WHERE a.duplicate_of IS NULL ORDER BY a.version_count > 1 DESC, "
            "(SELECT count(*) FROM claims c WHERE c.article_id = a.id AND c.version = a.version_count) DESC, "
            "a.id LIMIT 1").fetchone()
        group = conn.execute("SELECT g.id FROM claim_groups g LEFT JOIN speakers s ON s.id = g.speaker_id "
                             "ORDER BY g.article_count DESC, s.kind = 'person' DESC, g.id LIMIT 1").fetchone()
    return {"article": article, "group": group[0] if group else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="shoot this database (default: build a demo one)")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--only", nargs="*", choices=sorted(VIEWS), help="take only these")
    args = parser.parse_args()
    if not Path(args.chromium).exists():
        raise SystemExit(f"no Chromium at {args.chromium}: apt-get install chromium")
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="newsmon-shots-"))
    # Datasette names the database after its file: the paths above say /news/
    db = tmp / "news.db"
    if args.db:
        with sqlite3.connect(args.db) as source, sqlite3.connect(db) as target:
            source.backup(target)
    else:
        build_demo(db)
    chosen = choose(db)
    port = free_port()
    server = subprocess.Popen(newsmon("serve", "--db", db, "--port", port), cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/-/versions.json", server)
        for name, (path, height) in VIEWS.items():
            if args.only and name not in args.only:
                continue
            path = path.format(**{k: urllib.parse.quote(str(v)) for k, v in chosen.items()})
            target = args.out / f"{name}.png"
            subprocess.run([args.chromium, *CHROMIUM_FLAGS, f"--window-size=1400,{height}",
                            f"--user-data-dir={tmp / 'profile'}", f"--screenshot={target}", base + path],
                           check=True, capture_output=True, timeout=60)
            print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}  <- {path}")
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
