"""Take README's screenshots of Datasette from the demo database.

    python docs/screenshots.py [--chromium /usr/bin/chromium] [--out docs/img]

A developer tool, not part of CI: it needs Debian's chromium (apt-get
install chromium). It builds the demo database (`newsmon demo`, offline),
starts `newsmon serve` on a free loopback port and has headless Chromium
save one PNG per view.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

VIEWS = {
    "articles": "/news/articles_view?_sort_desc=first_seen_at",
    "latest-claims": "/news/latest_claims",
    "claims-by-speaker": "/news/claims_by_speaker?speaker=Putin",
    "syndicated-stories": "/news/syndicated_stories",
    "edited-articles": "/news/edited_articles",
    "source-health": "/news/source_health",
}
# flags that keep Chromium off the network and quiet on a machine with no display
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--window-size=1400,1000"]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()
    if not Path(args.chromium).exists():
        raise SystemExit(f"no Chromium at {args.chromium}: apt-get install chromium")
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="newsmon-shots-"))
    db = tmp / "news.db"
    subprocess.run(newsmon("demo", "--db", db), cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(newsmon("serve", "--db", db, "--port", port), cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/-/versions.json", server)
        for name, path in VIEWS.items():
            target = args.out / f"{name}.png"
            subprocess.run([args.chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile'}",
                            f"--screenshot={target}", base + path],
                           check=True, capture_output=True, timeout=60)
            print(f"{target.relative_to(ROOT)}  <- {path}")
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
