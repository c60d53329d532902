"""Crawl a generated site of N pages on loopback; print pages/s and peak memory.

    python bench/crawl_bench.py [--n 1000] [--workers 0]

Peak memory is the largest summed RSS of the crawl's whole process tree
(the Scrapy process and its extraction workers), sampled every 200 ms.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.generated_site import BenchSite, page_sizes  # noqa: E402

_TICK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants, from /proc/<pid>/task/*/children: a look at the tree
    only: psutil's children() reads every process of the machine (~4 ms a call on the
    bench machine, which every 100 ms cost the measured crawl 4 % of a core)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        for tid in os.listdir(f"/proc/{p}/task") if os.path.isdir(f"/proc/{p}/task") else ():
            todo += [int(c) for c in (_read(f"/proc/{p}/task/{tid}/children") or "").split()]
    return found


def _role(pid: int, root: int) -> str:
    cmd = (_read(f"/proc/{pid}/cmdline") or "").replace("\0", " ")
    if "multiprocessing-fork" in cmd:
        return "worker"
    if "resource_tracker" in cmd:
        return "tracker"
    if "scrapy crawl" in cmd:
        return "crawl"
    return "cli" if pid == root else "other"


def tree_rss(proc) -> int:
    """Summed RSS of a process (psutil.Process or pid) and its descendants, in bytes."""
    pid = proc if isinstance(proc, int) else proc.pid
    return sum(int((_read(f"/proc/{p}/statm") or "0 0").split()[1]) * _PAGE for p in process_tree(pid))


def run_measured(cmd: list[str], env: dict | None = None, *, with_cpu: bool = False, interval: float = 0.2):
    """(seconds, peak tree RSS in bytes, completed process[, CPU]).

    Peak RSS is the largest summed RSS of the process tree, sampled every
    ``interval`` seconds. With ``with_cpu``, also a dict: ``main`` and
    ``workers``, the CPU seconds of the tree's processes, worker processes
    (multiprocessing children, including recycled ones) apart; ``threads``,
    per thread ``(role, pid, tid, cpu s, run-queue wait s)`` (the wait is the
    time the thread was ready to run but another process had the core: the
    machine's load, not the crawl's); ``hwm``, each process's own peak RSS
    (VmHWM) in bytes, by ``(role, pid)``.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    out: dict = {}
    threads: dict[tuple[int, int], tuple] = {}
    hwm: dict[tuple[str, int], int] = {}
    roles: dict[int, str] = {}

    def collect():
        out["stdout"], out["stderr"] = proc.communicate()

    reader = threading.Thread(target=collect)
    reader.start()
    while proc.poll() is None:
        total = 0
        for pid in process_tree(proc.pid):
            statm = _read(f"/proc/{pid}/statm")
            if statm is None:
                continue
            total += int(statm.split()[1]) * _PAGE
            if not with_cpu:
                continue
            # a spawned worker shows its parent's command line until it execs: only the
            # roles a parent's command line cannot show are final
            if roles.get(pid) not in ("worker", "tracker"):
                role = _role(pid, proc.pid)
                if roles.get(pid, role) != role:
                    hwm.pop((roles[pid], pid), None)
                roles[pid] = role
            for tid in os.listdir(f"/proc/{pid}/task") if os.path.isdir(f"/proc/{pid}/task") else ():
                stat, sched = _read(f"/proc/{pid}/task/{tid}/stat"), _read(f"/proc/{pid}/task/{tid}/schedstat")
                if stat and sched:
                    fields = stat[stat.rindex(")") + 2:].split()
                    threads[(pid, int(tid))] = (roles[pid], pid, int(tid), (int(fields[11]) + int(fields[12])) / _TICK,
                                                int(sched.split()[1]) / 1e9)
            status = _read(f"/proc/{pid}/status") or ""
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    hwm[(roles[pid], pid)] = int(line.split()[1]) * 1024
        peak = max(peak, total)
        time.sleep(interval)
    reader.join()
    elapsed = time.perf_counter() - start
    done = subprocess.CompletedProcess(cmd, proc.returncode, out["stdout"], out["stderr"])
    if not with_cpu:
        return elapsed, peak, done
    rows = list(threads.values())
    return elapsed, peak, done, {"main": sum(r[3] for r in rows if r[0] != "worker"),
                                 "workers": sum(r[3] for r in rows if r[0] == "worker"),
                                 "threads": rows, "hwm": hwm}


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
