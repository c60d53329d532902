"""Distributed mode: pages/s with 1, 2, ... crawler processes sharing one source's queue.

    python bench/distributed_bench.py [--n 200] [--latency 0.2] [--processes 1 2] [--concurrency 2]

A generated site (tests/generated_site.py) on loopback answers every request after
``--latency`` seconds, like a distant server; each crawler process fetches at
most ``--concurrency`` pages of the site at once (a polite per-site limit).
For each process count: a fresh redis-server, one ``newsmon ingest``, one
``newsmon crawler --processes K`` and the dispatch ``newsmon crawl bench``,
timed until every page is stored. The single-machine crawl (no Redis) is the
baseline. Needs redis-server on the PATH.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.generated_site import BenchSite  # noqa: E402


def newsmon() -> list[str]:
    script = Path(sys.executable).parent / "newsmon"
    return [str(script)] if script.exists() else [sys.executable, "-m", "newsmon"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stored(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


def run(site: BenchSite, tmp: Path, processes: int | None, env: dict) -> tuple[float, int, int]:
    """(seconds, article pages fetched, articles stored); processes None = single machine."""
    work = Path(tempfile.mkdtemp(dir=tmp))
    config, db = work / "sources.toml", work / "news.db"
    config.write_text(site.sources_toml(env["_SETTINGS"]), encoding="utf-8")
    env = {k: v for k, v in env.items() if not k.startswith("_")}
    env.pop("REDIS_URL", None)
    procs = []
    site.clear_requests()
    try:
        if processes:
            port = free_port()
            procs.append(subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                           "--save", "", "--appendonly", "no", "--dir", str(work)],
                                          stdout=subprocess.DEVNULL))
            env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
            time.sleep(0.3)
            log = open(work / "cluster.log", "wb")
            procs.append(subprocess.Popen(newsmon() + ["ingest", "--db", str(db)], env=env, stdout=log,
                                          stderr=log, cwd=ROOT, start_new_session=True))
            procs.append(subprocess.Popen(newsmon() + ["crawler", "--config", str(config), "--processes",
                                                       str(processes), "--quiet"],
                                          env=env, stdout=log, stderr=log, cwd=ROOT, start_new_session=True))
            time.sleep(2)   # both are up before the clock starts (as long-running services are)
        start = time.perf_counter()
        done = subprocess.run(newsmon() + ["crawl", "bench", "--config", str(config), "--db", str(db)],
                              env=env, cwd=ROOT, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"crawl failed:\n{done.stdout}\n{done.stderr[-3000:]}")
        return elapsed, site.paths["article"], stored(db)
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="article pages")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per response")
    parser.add_argument("--concurrency", type=int, default=2, help="pages of the site at once, per process")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--workers", type=int, default=1, help="extraction workers per crawl process")
    parser.add_argument("--no-baseline", action="store_true", help="skip the single-machine crawl")
    args = parser.parse_args()
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server not found (Debian: apt-get install redis-server)")
    site = BenchSite(args.n, latency=args.latency)
    site.start()
    settings = (f"DOWNLOAD_DELAY = 0, AUTOTHROTTLE_ENABLED = false, "
                f"CONCURRENT_REQUESTS_PER_DOMAIN = {args.concurrency}, CONCURRENT_REQUESTS = {args.concurrency}")
    env = dict(os.environ, NEWSMON_WORKERS=str(args.workers), _SETTINGS=settings)
    print(f"{args.n} pages, {args.latency * 1000:.0f} ms a response, {args.concurrency} at once per process, "
          f"{args.workers} extraction worker(s) per process, {os.cpu_count()} cores")
    print(f"{'mode':<28}{'seconds':>9}{'pages':>7}{'stored':>8}{'pages/s':>9}{'speed-up':>10}")
    base = None
    rows = [None] if not args.no_baseline else []
    rows += args.processes
    with tempfile.TemporaryDirectory(prefix="newsmon-dbench-") as tmp:
        for k in rows:
            elapsed, pages, n = run(site, Path(tmp), k, env)
            rate = pages / elapsed
            label = "single machine (no Redis)" if k is None else f"distributed, {k} crawler proc."
            if k == args.processes[0]:
                base = rate
            speedup = f"{rate / base:.2f}x" if base and k is not None else "-"
            print(f"{label:<28}{elapsed:>9.1f}{pages:>7}{n:>8}{rate:>9.1f}{speedup:>10}", flush=True)
    site.stop()


if __name__ == "__main__":
    main()
