"""Crawl a generated site of N pages on loopback; print pages/s and peak memory.

    python bench/crawl_bench.py [--n 1000] [--workers 0]

Peak memory is the largest summed RSS of the crawl's whole process tree
(the Scrapy process and its extraction workers), sampled every 100 ms.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.generated_site import BenchSite, page_sizes  # noqa: E402


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc] + proc.children(recursive=True):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_measured(cmd: list[str], env: dict | None = None, *, with_cpu: bool = False):
    """(seconds, peak tree RSS in bytes, completed process[, CPU seconds]).

    With ``with_cpu``, also ``{"main": s, "workers": s}``: the CPU time of the
    tree's processes, worker processes (multiprocessing children) apart,
    including workers that were recycled before the end (last sample).
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    out: dict = {}
    cpu: dict[int, tuple[bool, float]] = {}

    def collect():
        out["stdout"], out["stderr"] = proc.communicate()

    reader = threading.Thread(target=collect)
    reader.start()
    while proc.poll() is None:
        try:
            procs = [ps] + ps.children(recursive=True)
        except psutil.Error:
            procs = []
        total = 0
        for p in procs:
            try:
                with p.oneshot():
                    total += p.memory_info().rss
                    if with_cpu:
                        t = p.cpu_times()
                        # a spawned worker shows its parent's command line until it execs
                        worker = (p.pid in cpu and cpu[p.pid][0]) or \
                            any("multiprocessing" in part for part in p.cmdline())
                        cpu[p.pid] = (worker, t.user + t.system)
            except psutil.Error:
                pass
        peak = max(peak, total)
        time.sleep(0.1)
    reader.join()
    elapsed = time.perf_counter() - start
    done = subprocess.CompletedProcess(cmd, proc.returncode, out["stdout"], out["stderr"])
    if not with_cpu:
        return elapsed, peak, done
    return elapsed, peak, done, {"main": sum(s for w, s in cpu.values() if not w),
                                 "workers": sum(s for w, s in cpu.values() if w)}


def newsmon(*args) -> list[str]:
    return [sys.executable, "-m", "newsmon", *map(str, args)]


def crawl(n: int, workers: int = 0, tmp: Path | None = None) -> dict:
    import sqlite_utils

    tmp = Path(tmp or tempfile.mkdtemp(prefix="newsmon-bench-"))
    site = BenchSite(n)
    site.start()
    try:
        config = tmp / "sources.toml"
        toml = site.sources_toml()
        if workers:
            toml = toml.replace("settings = {", f"settings = {{ NEWSMON_WORKERS = {workers},")
        config.write_text(toml)
        db_path = tmp / "news.db"
        seconds, peak, proc = run_measured(newsmon("crawl", "bench", "--config", config, "--db", db_path))
        if proc.returncode != 0:
            raise SystemExit(f"crawl failed:\n{proc.stdout}\n{proc.stderr[-3000:]}")
        stored = sqlite_utils.Database(db_path)["articles"].count
        return {"n": n, "seconds": seconds, "stored": stored, "pages_per_s": n / seconds,
                "peak_rss_mb": peak / 2**20, "db_path": db_path, "site": site, "config": config}
    finally:
        site.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args()
    smallest, largest, mean = page_sizes()
    print(f"site: {args.n} article pages, {smallest // 1024}-{largest // 1024} KB (mean {mean / 1024:.0f} KB)")
    result = crawl(args.n, args.workers)
    print(f"crawl: {result['stored']} articles stored in {result['seconds']:.1f} s "
          f"= {result['pages_per_s']:.1f} pages/s (process start included)")
    print(f"peak RSS of the crawl process tree: {result['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
