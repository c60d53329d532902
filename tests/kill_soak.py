"""kill -9 soak: crawls killed at random moments lose nothing (issue #7, item 9).

    python tests/kill_soak.py [--trials 20] [--pages 1200] [--min 0.5] [--max 4] [--seed N]

Each trial starts ``python -m scrapy crawl news -a source=bench`` against
tests/generated_site.py's generated site (NEWSMON_DB / NEWSMON_CONFIG in the
environment), waits until the crawl has opened the database (its
crawl_runs row exists: Python and Scrapy start-up take a second or two) and,
every other trial, until it stores pages, then kills its whole process group
(crawl and extraction workers) with SIGKILL after a further random delay, then checks the database: ``PRAGMA integrity_check`` is ok, no
article lacks its version, no claim lacks its article, no version or URL
points to a missing article, and each full-text index matches its
table. After the trials one crawl runs to the end and
must complete the work: every page of the site stored (as an article, or as
a page dropped with its reason).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsmon.store.db import fts_out_of_step  # noqa: E402
from tests.generated_site import BenchSite  # noqa: E402

CHECKS = {
    "integrity": "PRAGMA integrity_check",
    "articles_without_version": """SELECT count(*) FROM articles a WHERE NOT EXISTS
        (SELECT 1 FROM article_versions v WHERE v.article_id = a.id AND v.version = a.version_count)""",
    "claims_without_article": "SELECT count(*) FROM claims c WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = c.article_id)",
    "versions_without_article": """SELECT count(*) FROM article_versions v WHERE NOT EXISTS
        (SELECT 1 FROM articles a WHERE a.id = v.article_id)""",
    "urls_without_article": """SELECT count(*) FROM article_urls u WHERE NOT EXISTS
        (SELECT 1 FROM articles a WHERE a.id = u.article_id)""",
}


def check_db(db_path: Path) -> dict:
    """{check: value}; a healthy database has integrity "ok" and zeros elsewhere."""
    if not db_path.exists():
        return {"integrity": "ok (no database yet)"}
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        out = {"integrity": conn.execute(CHECKS["integrity"]).fetchone()[0]}
        if {"articles", "article_versions", "claims", "article_urls", "articles_fts"} <= tables:
            for name, sql in CHECKS.items():
                if name != "integrity":
                    out[name] = conn.execute(sql).fetchone()[0]
            out["fts_out_of_step"] = len(fts_out_of_step(conn))
        return out
    finally:
        conn.close()


def healthy(result: dict) -> bool:
    return str(result["integrity"]).startswith("ok") and not any(
        v for k, v in result.items() if k != "integrity")


def crawl_env(config: Path, db_path: Path) -> dict:
    env = dict(os.environ, NEWSMON_CONFIG=str(config), NEWSMON_DB=str(db_path),
               SCRAPY_SETTINGS_MODULE="crawler.settings")
    env.pop("NEWSMON_RUN_ID", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def start_crawl(config: Path, db_path: Path, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "news", "-a", "source=bench"],
                            cwd=ROOT, env=crawl_env(config, db_path), stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def handled_urls(db_path: Path) -> set[str]:
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return {r[0] for r in conn.execute("SELECT url FROM pages UNION SELECT url FROM article_urls")}
    finally:
        conn.close()


def run_count(db_path: Path) -> int:
    try:
        conn = sqlite3.connect(db_path, timeout=30)
        try:
            return conn.execute("SELECT count(*) FROM crawl_runs").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def wait_started(proc: subprocess.Popen, db_path: Path, before: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline and run_count(db_path) <= before:
        time.sleep(0.05)


def wait_storing(proc: subprocess.Popen, db_path: Path, done: int, timeout: float = 60.0) -> None:
    """Until the crawl has stored a page more than ``done`` (a loaded machine starts slowly)."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline and len(handled_urls(db_path)) <= done:
        time.sleep(0.1)


def soak(trials: int = 20, pages: int = 1200, min_delay: float = 0.5, max_delay: float = 4.0,
         seed: int | None = None, tmp: Path | None = None, echo=print) -> dict:
    rng = random.Random(seed)
    tmp = Path(tmp or tempfile.mkdtemp(prefix="newsmon-soak-"))
    site = BenchSite(pages, latency=0.01)
    site.start()
    site.server.handle_error = lambda *args: None   # a killed client resets its connections: expected
    config, db_path = tmp / "sources.toml", tmp / "news.db"
    config.write_text(site.sources_toml().replace("settings = {", "settings = { NEWSMON_WORKERS = 2, "))
    results = []
    try:
        with open(tmp / "crawl.log", "ab") as log:
            for i in range(trials):
                delay = rng.uniform(min_delay, max_delay)
                before = run_count(db_path) if db_path.exists() else 0
                done = len(handled_urls(db_path)) if db_path.exists() else 0
                proc = start_crawl(config, db_path, log)
                wait_started(proc, db_path, before)
                if i % 2:   # every other kill lands while pages are being stored, however slow the start
                    wait_storing(proc, db_path, done)
                time.sleep(delay)
                finished_first = proc.poll() is not None
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
                check = check_db(db_path)
                stored = len(handled_urls(db_path)) if db_path.exists() else 0
                results.append({"trial": i + 1, "delay": round(delay, 2), "finished_first": finished_first,
                                "healthy": healthy(check), "check": check, "pages_done": stored})
                echo(f"trial {i + 1:2d}: killed {delay:.2f} s after start-up, {stored}/{pages} pages done, "
                     f"integrity {check['integrity']}, {'ok' if healthy(check) else 'BROKEN ' + str(check)}")
            # the next crawl completes the work
            started = time.monotonic()
            final = start_crawl(config, db_path, log)
            final.wait(600)
        final_check = check_db(db_path)
        want = {f"{site.base_url}/news/{i}.html" for i in range(pages)}
        done = handled_urls(db_path)
        missing = sorted(want - done)
        conn = sqlite3.connect(db_path)
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        statuses = dict(conn.execute("SELECT status, count(*) FROM crawl_runs GROUP BY status").fetchall())
        conn.close()
        summary = {
            "trials": trials, "healthy_trials": sum(r["healthy"] for r in results),
            "results": results, "final_returncode": final.returncode, "final_check": final_check,
            "final_seconds": round(time.monotonic() - started, 1), "pages": pages,
            "pages_done": len(want & done), "missing": missing, "articles": articles,
            "run_statuses": statuses, "tmp": str(tmp),
        }
        echo(f"{len(results)} trials, {summary['healthy_trials']} with a healthy database; "
             f"final crawl exit {final.returncode} in {summary['final_seconds']} s: "
             f"{summary['pages_done']}/{pages} pages done, {articles} articles, "
             f"integrity {final_check['integrity']}; runs {statuses}")
        return summary
    finally:
        site.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--pages", type=int, default=1200)
    parser.add_argument("--min", type=float, default=0.5)
    parser.add_argument("--max", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    summary = soak(args.trials, args.pages, args.min, args.max, args.seed)
    ok = (summary["healthy_trials"] == args.trials and not summary["missing"]
          and healthy(summary["final_check"]) and summary["final_returncode"] == 0)
    print("soak ok" if ok else "soak FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
