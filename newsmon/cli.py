"""newsmon's command line: crawl now, run the daemon, serve the database.

    newsmon crawl SOURCE... | --all [--config PATH] [--db PATH] [LOG]
    newsmon demo [--db PATH] [--port N] [--keep-serving] [LOG]
    newsmon run [--once] [--config PATH] [--db PATH] [LOG]
    newsmon status [--config PATH] [--db PATH] [--json]
    newsmon serve [--db PATH] [--port N] [--immutable]
    newsmon check-db [--db PATH]
    newsmon extract URL|FILE [--json] [--url URL]
    newsmon export [--db PATH] [--format jsonl|csv] [--source ID] [--since DATE] [-o FILE]
    newsmon reprocess [--db PATH] [--source ID]
    newsmon add-source URL [--name ID] [--write] [--config PATH]
    newsmon check-source ID [--limit N] [--config PATH] [LOG]

LOG: -q/--quiet, -v/--verbose, --log-level LEVEL, --log-file PATH (every command that crawls).

Defaults: --config sources.toml (or $NEWSMON_CONFIG), --db news.db (or $NEWSMON_DB).
"""

from __future__ import annotations

import os
import sqlite3
import sys
from datetime import UTC
from pathlib import Path

import click

from newsmon.config import ConfigError, default_db_path, load_config
from newsmon.runner import CrawlProcess, format_summary
from newsmon.store.db import DatabaseProblem, damaged, open_db, probe, quick_check
from newsmon.store.queries import upsert_sources

config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
    default=None, help="sources.toml to use [default: $NEWSMON_CONFIG or ./sources.toml]")
db_option = click.option(
    # no checks of click's own: newsmon's probe says what is wrong with the file (newsmon.store.db)
    "--db", "db_path", type=click.Path(readable=False, path_type=Path), default=None,
    help="SQLite database [default: $NEWSMON_DB or ./news.db]")


def _load(config_path):
    try:
        return load_config(config_path)
    except ConfigError as e:
        raise click.ClickException(str(e)) from None


_current_db: list[Path] = []   # the database the running command uses, for an error met later


def use_db(db_path, *, exists: bool = True, write: bool = True) -> Path:
    """The command's database, checked before anything is written to it.

    One line and a non-zero exit for a database that is missing (when it must
    exist), in a missing or read-only place, unreadable, not SQLite, another
    program's, truncated, damaged (SQLite's quick_check, for up to two seconds)
    or of a newer schema; the file is left as it was.
    """
    path = default_db_path(db_path)
    _current_db[:] = [path]
    if exists and not path.exists():
        raise click.ClickException(f"no database at {path}: run `newsmon crawl` or `newsmon demo` first")
    try:
        probe(path, write=write)
        if path.is_file() and path.stat().st_size:
            problem = quick_check(path)
            if problem:
                raise damaged(path, problem)
    except DatabaseProblem as e:
        raise click.ClickException(str(e)) from None
    return path


def _prepare_db(db_path: Path, config) -> Path:
    db_path = use_db(db_path, exists=False)
    db = open_db(db_path)
    try:
        upsert_sources(db, config.sources.values())
    finally:
        db.conn.close()
    return db_path


def describe(source) -> str:
    """"feed: URL", "spider city_paper: URL" (a custom spider says its name once)."""
    urls = ", ".join(source.urls)
    if source.spider:
        return f"spider {source.spider}" + (f": {urls}" if urls else "")
    return f"{source.kind}: {urls}"


LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def log_options(f):
    """-q/--quiet, -v/--verbose, --log-level, --log-file: every command that crawls takes them."""
    f = click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Append the logs (newsmon's and the crawls') to this file instead of the "
                          "terminal; progress and summaries stay on the terminal.")(f)
    f = click.option("--log-level", type=click.Choice(LEVELS, case_sensitive=False), default=None,
                     help="Level of the logs [default: WARNING for the crawls' own (Scrapy) logs; "
                          "INFO with --log-file].")(f)
    f = click.option("-v", "--verbose", count=True,
                     help="-v: the crawls' INFO logs too (Scrapy's settings and stats dumps); -vv: DEBUG.")(f)
    f = click.option("-q", "--quiet", is_flag=True,
                     help="Print nothing unless something fails (errors, failed crawls, alerts).")(f)
    return f


class Logs:
    """What a command shows: its own log level, the crawls' (NEWSMON_LOG_LEVEL), progress."""

    def __init__(self, quiet=False, verbose=0, log_level=None, log_file=None, *,
                 crawl_default="WARNING", own_default="WARNING"):
        import logging

        if quiet and verbose:
            raise click.UsageError("-q and -v contradict each other: choose one")
        self.quiet, self.verbose, self.file = quiet, verbose, log_file
        if log_level:
            crawl = own = log_level.upper()
        elif quiet:
            crawl, own = "ERROR", "WARNING"
        elif verbose:
            crawl = own = "DEBUG" if verbose >= 2 else "INFO"
        else:
            crawl = "INFO" if log_file else crawl_default
            own = "INFO" if log_file else own_default
        self.crawl_level, self.own_level = crawl, own
        os.environ["NEWSMON_LOG_LEVEL"] = crawl     # crawler/settings.py: LOG_LEVEL of every crawl process
        self.stream = None
        if log_file:
            try:
                self.stream = open(log_file, "a", encoding="utf-8", buffering=1)   # for the command's life
            except OSError as e:
                raise click.ClickException(f"cannot write the log to {log_file}: {e.strerror or e}") from None
        handler = logging.StreamHandler(self.stream or sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.handlers[:] = [handler]
        root.setLevel(own)
        # APScheduler logs every job it runs, the config watcher's too (every 2 s): only at -vv
        logging.getLogger("apscheduler").setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)

    @property
    def progress(self) -> bool:
        return not self.quiet

    @property
    def crawl_output(self):
        """Where the crawl processes write their log: the log file, or this terminal (None)."""
        return self.stream

    def say(self, message: str) -> None:
        """A line about what the command does (stderr), not shown with -q."""
        if not self.quiet:
            click.echo(message, err=True)


def progress_text(counts: dict, seconds: float) -> str:
    stored = sum(counts.get(k, 0) for k in ("articles_new", "articles_updated", "articles_unchanged"))
    errors = counts.get("errors", 0) + counts.get("http_errors", 0)   # ERROR log lines, HTTP errors
    fetched = counts.get("pages_fetched", 0)
    return (f"{fetched} fetched, {stored} stored, {counts.get('duplicates', 0)} duplicates, "
            f"{counts.get('dropped', 0)} dropped, {errors} errors, {fetched / max(seconds, 0.001):.1f} pages/s")


class ProgressLine:
    """A crawl's progress: a live line on a terminal, else a line every EVERY seconds
    (NEWSMON_PROGRESS_SECONDS)."""

    EVERY = 5.0

    def __init__(self, label: str, enabled: bool):
        import time

        try:
            self.every = float(os.environ.get("NEWSMON_PROGRESS_SECONDS") or self.EVERY)
        except ValueError:
            self.every = self.EVERY
        self.label, self.enabled = label, enabled
        self.tty = enabled and sys.stderr.isatty()
        self.started = self.last = time.monotonic()
        self.shown = ""
        self.noted = False

    def update(self, counts: dict | None) -> None:
        import time

        if not self.enabled or not counts:
            return
        now = time.monotonic()
        note = counts.get("note")   # what the crawl waits for (distributed: a crawler to take the run)
        text = f"{self.label}: {note or progress_text(counts, now - self.started)}"
        if self.tty:
            if text != self.shown:
                sys.stderr.write("\r\x1b[K" + text[:200])
                sys.stderr.flush()
                self.shown = text
        elif note and (not self.noted or now - self.last >= self.every):
            click.echo(f"  {text}", err=True)
            self.last = now
        elif now - self.last >= self.every:
            # a line says something new: nothing fetched yet, or the same counts again, is not news
            key = progress_text(counts, 1.0)
            if counts.get("pages_fetched") and key != self.shown:
                click.echo(f"  {text}", err=True)
                self.shown = key
            self.last = now
        self.noted = bool(note)

    def close(self) -> None:
        if self.tty and self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def wait_with_progress(process, logs: Logs):
    import time

    line = ProgressLine(process.source.id, logs.progress and hasattr(process, "progress"))
    try:
        while process.running():
            time.sleep(0.25)
            line.update(process.progress() if hasattr(process, "progress") else None)
    finally:
        line.close()
    return process.finish()


def crawl_sources(sources, config, db_path: Path, *, logs: Logs | None = None, echo=click.echo,
                  expected_to_fail=()) -> bool:
    """Crawl ``sources`` one after another; print each summary (with -q, only those that
    failed or raised an alert); True if all ok (or failed as expected)."""
    from newsmon.runner import result_alerts

    logs = logs or Logs()
    all_ok = True
    for source in sources:
        logs.say(f"crawling {source.id} ({describe(source)})")
        crawl_cls = CrawlProcess
        if os.environ.get("REDIS_URL"):  # distributed mode: the cluster crawls it (README "Scale out")
            from newsmon.cluster.crawl import DistributedCrawl as crawl_cls
        kwargs = {"progress": logs.progress} if crawl_cls is CrawlProcess else {}
        process = crawl_cls(source, config.path, db_path, log_file=logs.crawl_output, **kwargs)
        try:
            result = wait_with_progress(process, logs)
        except KeyboardInterrupt:
            process.stop("interrupted")
            echo(format_summary(process.finish()))
            raise click.Abort() from None
        alerts = result_alerts(db_path, result)
        expected = source.id in expected_to_fail and not result.ok
        if not logs.quiet or not (result.status == "ok" or expected) or any(a["event"] == "alert" for a in alerts):
            echo(format_summary(result, alerts) + (f"\n  ({expected_to_fail[source.id]})" if expected else ""))
        all_ok &= result.ok or expected
    return all_ok


def _cluster_problem(e: BaseException) -> str | None:
    """Distributed mode's Redis trouble met anywhere, as one line (None: not that)."""
    if "newsmon.cluster.wire" not in sys.modules:
        return None
    from newsmon.cluster.wire import ClusterUnavailable, is_redis_error, unreachable

    if isinstance(e, ClusterUnavailable):
        return str(e)
    return str(unreachable(e)) if is_redis_error(e) else None


class NewsmonGroup(click.Group):
    """Database problems met anywhere in a command are one line and exit status 1, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DatabaseProblem as e:
            raise click.ClickException(str(e)) from None
        except Exception as e:
            cluster = _cluster_problem(e)
            if cluster is None:
                raise
            raise click.ClickException(cluster) from None
        except sqlite3.DatabaseError as e:
            path = _current_db[0] if _current_db else default_db_path()
            if isinstance(e, sqlite3.OperationalError) and "readonly" in str(e):
                raise click.ClickException(f"cannot write to {path} ({e}): give this user write access "
                                           "to it and its directory") from None
            if isinstance(e, sqlite3.OperationalError) and ("locked" in str(e) or "busy" in str(e)):
                raise click.ClickException(f"{path} stayed locked by another process ({e}): "
                                           "try again when it is done") from None
            raise click.ClickException(str(damaged(path, e))) from None


@click.group(cls=NewsmonGroup)
@click.version_option(package_name="newsmon")
def main():
    """newsmon: crawl news sources into a clean SQLite database of articles and claims."""


@main.command()
@click.argument("sources", nargs=-1)
@click.option("--all", "all_sources", is_flag=True, help="Crawl every enabled source.")
@config_option
@db_option
@log_options
def crawl(sources, all_sources, config_path, db_path, quiet, verbose, log_level, log_file):
    """Crawl SOURCE(s) now, once, and print a summary.

    While a crawl runs, a progress line (fetched, stored, dropped, errors,
    pages/s); then its summary, with any alert the run opened or cleared.
    Exit status 1 when a crawl failed.
    """
    logs = Logs(quiet, verbose, log_level, log_file)
    config = _load(config_path)
    if all_sources and sources:
        raise click.UsageError("give source ids or --all, not both")
    if not all_sources and not sources:
        raise click.UsageError("name at least one source id, or use --all")
    try:
        selected = config.enabled_sources() if all_sources else [config.get(s) for s in sources]
    except ConfigError as e:
        raise click.ClickException(str(e)) from None
    if not selected:
        raise click.ClickException(f"no enabled sources in {config.path}")
    _distributed()
    db_path = _prepare_db(db_path, config)
    if not crawl_sources(selected, config, db_path, logs=logs):
        raise click.ClickException("some sources could not be crawled (see above)")


@main.command()
@click.option("--once", is_flag=True,
              help="Crawl every source that is due, then exit (for cron; safe every minute).")
@config_option
@db_option
@log_options
def run(once, config_path, db_path, quiet, verbose, log_level, log_file):
    """Keep every source fresh on its schedule (daemon), or crawl what is due (--once).

    The daemon logs crawls, alerts and config reloads (nothing while idle).
    Exit status of --once: 0 when every due source was crawled ok, 1 otherwise;
    with -q it prints nothing unless something fails (cron-safe).
    The daemon stops cleanly on SIGTERM or SIGINT and reloads sources.toml on
    SIGHUP or when the file changes.
    """
    import logging

    from scheduler import Daemon, DaemonLocked, DatabaseLock

    logs = Logs(quiet, verbose, log_level, log_file, own_default="INFO")
    log = logging.getLogger("newsmon.scheduler")
    config = _load(config_path)
    _distributed()
    db_path = _prepare_db(db_path, config)
    lock = DatabaseLock(db_path)
    try:
        lock.acquire()
    except DaemonLocked as e:
        if once:  # cron fired while the previous run is still going: nothing to do
            log.info("newsmon run --once: %s; nothing to do", e)
            return
        raise click.ClickException(str(e)) from None
    try:
        daemon = Daemon(config.path, db_path, log_file=logs.crawl_output)
        if once:
            from newsmon.runner import result_alerts

            ok = daemon.run_once()
            for result in daemon.results:
                alerts = result_alerts(db_path, result)
                if not quiet or not result.ok or any(a["event"] == "alert" for a in alerts):
                    click.echo(format_summary(result, alerts))
            if not ok:
                raise click.ClickException("some sources failed (see above)")
        else:
            daemon.run_forever()
    finally:
        lock.release()


DEMO_PORT = 8047   # the sample site's port: the demo's URLs are the same every run
DEMO_GONE = ("gazette", "The Evening Gazette")   # a demo source whose feed has gone: it raises an alert
DEMO_EXPECTED = {DEMO_GONE[0]: "expected: the sample Gazette's feed is gone (HTTP 404), to show an alert"}


def _demo_port(db_path: Path) -> int | None:
    """The port of the sample site a demo database was made from (None: not a demo database)."""
    import json
    import re

    if not db_path.is_file() or not db_path.stat().st_size:
        return None
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT urls FROM sources WHERE id = 'wire'").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    urls = json.loads(row[0]) if row and row[0] else []
    m = re.match(r"http://127\.0\.0\.1:(\d+)/wire/", urls[0]) if urls else None
    return int(m.group(1)) if m else None


def _demo_edits_stored(db_path: Path, site) -> bool:
    """Has this database seen the sample site's edits (its second pass)?"""
    urls = [e["url"] for e in site.manifest()["edits"]]
    if not urls or not db_path.is_file():
        return False
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        n = conn.execute(f"SELECT count(*) FROM articles WHERE version_count >= 2 AND url IN "
                         f"({', '.join('?' * len(urls))})", urls).fetchone()[0]
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return n == len(urls)


def _demo_totals(db_path: Path) -> str:
    db = open_db(db_path)
    try:
        one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        return (f"{one('SELECT count(*) FROM articles')} articles "
                f"({one('SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL')} of them copies of "
                f"another: syndicated or under a second URL), "
                f"{one('SELECT count(*) FROM articles WHERE version_count > 1')} edited, "
                f"{one('SELECT count(*) FROM claims')} claims, "
                f"{one('SELECT count(*) FROM alerts WHERE cleared_at IS NULL')} open alert(s)")
    finally:
        db.conn.close()


@main.command()
@db_option
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help=f"Port of the sample site [default: the port the database's demo was made with, "
                   f"else {DEMO_PORT}; 0: any free port].")
@click.option("--keep-serving", is_flag=True, help="Keep the sample site up after the crawl (Ctrl-C to stop).")
@log_options
def demo(db_path, port, keep_serving, quiet, verbose, log_level, log_file):
    """Serve the bundled sample news site on 127.0.0.1 and crawl it into the DB, twice.

    Between the two passes the site edits articles, so versions, diffs and
    'edited articles' have something to show; one sample source's feed is
    gone, so there is an alert. The site's URLs are the same every run (a
    fixed port): run it again on the same database and nothing is added.
    """
    import tempfile

    from newsmon.demo.site import FixtureSite

    logs = Logs(quiet, verbose, log_level, log_file, crawl_default="ERROR")
    db_path = use_db(db_path or Path("news.db"), exists=False)   # before the site starts
    made_on = _demo_port(db_path)
    wanted = port if port is not None else (made_on or DEMO_PORT)
    site = FixtureSite()
    try:
        base = site.start(wanted)
    except OSError as e:
        if port is not None or made_on:
            raise click.ClickException(
                f"port {wanted} is taken ({e.strerror}): the sample site must keep its URLs"
                + (f" (the demo in {db_path} was made on port {wanted})" if made_on else "")
                + "; free the port, or pass another --port with another --db") from None
        base = site.start(0)
        click.echo(f"port {DEMO_PORT} is taken: the sample site is on {base} this time; a later demo into "
                   f"{db_path} uses this port again (or pass --port)", err=True)
    ok = True
    try:
        phase = 2 if _demo_edits_stored(db_path, site) else 1
        site.set_phase(phase)
        gone_id, gone_name = DEMO_GONE
        config_file = Path(tempfile.mkdtemp(prefix="newsmon-demo-")) / "sources.toml"
        config_file.write_text(
            site.sources_toml() + f'\n[sources.{gone_id}]\nname = "{gone_name}"\nkind = "feed"\n'
            f'urls = ["{base}/gazette/feed.xml"]\nschedule = "every 1h"\n\n'
            "[newsmon]\nfailure_alert_runs = 2   # the Gazette's two failed passes raise its alert\n",
            encoding="utf-8")
        config = load_config(config_file)
        db_path = _prepare_db(db_path, config)
        logs.say(f"sample news site at {base}: {len(site.sources)} outlets, and one whose feed is gone")
        logs.say("pass 1 of 2" + (" (the site's edits are in the database already)" if phase == 2 else ""))
        ok &= crawl_sources(config.enabled_sources(), config, db_path, logs=logs, expected_to_fail=DEMO_EXPECTED)
        site.set_phase(2)
        edited = len(site.manifest()["edits"])
        logs.say(f"\npass 2 of 2: {edited} articles edited on the sample site since pass 1"
                 if phase == 1 else "\npass 2 of 2")
        ok &= crawl_sources(config.enabled_sources(), config, db_path, logs=logs, expected_to_fail=DEMO_EXPECTED)
        click.echo(f"\n{db_path}: {_demo_totals(db_path)}")
        click.echo(f"open it with:  newsmon serve --db {db_path}"
                   f"   (or: datasette {db_path} -m {metadata_for(db_path)})")
        if keep_serving:
            click.echo(f"sample site still at {base} (its links work while it runs); Ctrl-C to stop", err=True)
            import time
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()
    if not ok:
        raise click.ClickException("some demo sources could not be crawled")


@main.command()
@config_option
@db_option
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object: the sources with their last run and open alerts (messages included).")
def status(config_path, db_path, as_json):
    """A table of sources: last run, status, new articles in 24 h, open alerts.

    With --config, the sources of that file (those never crawled too); else
    those the database knows. With REDIS_URL set, the cluster too: crawlers
    alive, runs announced, items waiting for ingest.
    """
    import json

    from newsmon.health import status_rows

    config = _load(config_path) if config_path is not None else None
    db_path = use_db(db_path)
    db = open_db(db_path)
    rows = status_rows(db)
    if config is not None:
        known = {r["source_id"]: r for r in rows}
        rows = [known.get(sid) or {"source_id": sid, "last_run": None, "status": "never run", "new_24h": 0,
                                   "articles": 0, "open_alerts": 0, "alert_kinds": None}
                for sid in config.sources]
    last = {r["source_id"]: r for r in db.query(
        "SELECT r.* FROM crawl_runs r WHERE r.id = (SELECT id FROM crawl_runs WHERE source_id = r.source_id "
        "ORDER BY started_at DESC, id DESC LIMIT 1)")}
    cluster = _cluster_status(db) if os.environ.get("REDIS_URL") else None
    if as_json:
        alerts = {}
        for a in db.query("SELECT source_id, kind, message, created_at, run_id FROM alerts "
                          "WHERE cleared_at IS NULL ORDER BY id"):
            alerts.setdefault(a.pop("source_id"), []).append(a)
        out = []
        for r in rows:
            run = last.get(r["source_id"])
            out.append({"source_id": r["source_id"], "last_run": r["last_run"], "status": r["status"],
                        "finish_reason": run["finish_reason"] if run else None,
                        "lost_in_flight": (run or {}).get("lost_in_flight") or 0,
                        "new_24h": r["new_24h"], "articles": r["articles"],
                        "open_alerts": alerts.get(r["source_id"], [])}
                       | ({"enabled": config.sources[r["source_id"]].enabled} if config else {}))
        doc = {"database": str(db_path), "sources": out}
        if cluster is not None:
            doc["cluster"] = cluster
        click.echo(json.dumps(doc, indent=2))
        return
    headers = ["source", "last run", "status", "new 24h", "articles", "open alerts"]
    table = [headers] + [[str(r[k] if r[k] is not None else "-") for k in
                          ("source_id", "last_run", "status", "new_24h", "articles", "open_alerts")]
                         for r in rows]
    for row, r in zip(table[1:], rows):
        lost = (last.get(r["source_id"]) or {}).get("lost_in_flight")
        if lost:
            row[2] += f" ({lost} lost in flight)"
        if config is not None and not config.sources[r["source_id"]].enabled:
            row[2] += " (disabled)"
        if r["alert_kinds"]:
            row[-1] += f" ({r['alert_kinds']})"
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    for row in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    if cluster is not None:
        from newsmon.cluster.status import cluster_lines

        click.echo("")
        click.echo("\n".join(cluster_lines(cluster)) if "error" not in cluster else f"cluster: {cluster['error']}")


def _cluster_status(db) -> dict:
    """The cluster as this database sees it, or {"error": one line} when Redis cannot be used."""
    from newsmon.cluster.instance import instance_id
    from newsmon.cluster.status import cluster_state
    from newsmon.cluster.wire import ClusterUnavailable, connect, is_redis_error, unreachable

    try:
        return cluster_state(connect(), instance_id(db))
    except ClusterUnavailable as e:
        return {"error": str(e)}
    except Exception as e:
        if not is_redis_error(e):
            raise
        return {"error": str(unreachable(e))}


@main.command()
@db_option
@click.option("--source", "source_id", default=None, help="Only this source's pages.")
@click.option("--workers", type=int, default=0, envvar="NEWSMON_WORKERS",
              help="Worker processes [default: $NEWSMON_WORKERS or one per core].")
def reprocess(db_path, source_id, workers):
    """Re-run extraction, dedupe and claims over stored pages, without fetching."""
    import time

    from tqdm import tqdm

    from newsmon.store.reprocess import reprocess as reprocess_pages

    db_path = use_db(db_path)
    db = open_db(db_path)
    where, params = ("WHERE source_id = ?", [source_id]) if source_id else ("", [])
    total = db.execute(f"SELECT count(*) FROM pages {where}", params).fetchone()[0]
    known = source_id is None or db.execute(
        "SELECT 1 FROM sources WHERE id = ? UNION SELECT 1 FROM pages WHERE source_id = ? LIMIT 1",
        [source_id, source_id]).fetchone()
    if not known:
        raise click.ClickException(f"unknown source {source_id!r} in {db_path}")
    if not total:
        raise click.ClickException(
            f"no stored pages to reprocess in {db_path}" + (f" for source {source_id}" if source_id else "")
            + " (pages are kept when NEWSMON_STORE_HTML is on; crawl first)")
    start = time.monotonic()
    with tqdm(total=total, unit="page", desc="reprocess", file=sys.stderr) as bar:
        counts = reprocess_pages(db, source_id=source_id, workers=workers or None, progress=bar.update)
    seconds = time.monotonic() - start
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing to do"
    click.echo(f"reprocessed {total} pages in {seconds:.1f} s ({total / max(seconds, 1e-9):.1f} pages/s): {outcomes}")


def metadata_for(db_path: Path) -> Path:
    """metadata.yml with its database key renamed to this file's Datasette name."""
    import tempfile

    import yaml

    source = Path(__file__).resolve().parent.parent / "metadata.yml"
    metadata = yaml.safe_load(source.read_text(encoding="utf-8"))
    name = Path(db_path).stem
    if name == "news":
        return source
    metadata["databases"] = {name: metadata["databases"]["news"]}
    out = Path(tempfile.mkdtemp(prefix="newsmon-serve-")) / "metadata.yml"
    out.write_text(yaml.safe_dump(metadata, sort_keys=False), encoding="utf-8")
    return out


@main.command()
@db_option
@click.option("--port", type=int, default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to bind; anything but loopback exposes the database.")
@click.option("--immutable", is_flag=True,
              help="Serve a database nothing writes to, from read-only media or a read-only directory "
                   "(no locking, no -wal/-shm files; Datasette's -i).")
def serve(db_path, port, host, immutable):
    """Open the database in Datasette (read-only) with newsmon's metadata, templates and plugin."""
    from newsmon.store.schema import SCHEMA_VERSION
    from newsmon.web import datasette_options

    db_path = use_db(db_path, write=not immutable)
    if immutable:
        version = _schema_version(db_path)
        if version < SCHEMA_VERSION:
            raise click.ClickException(
                f"{db_path} has schema {version}; this newsmon shows schema {SCHEMA_VERSION}: copy it "
                f"somewhere writable and run `newsmon status --db COPY` once to migrate the copy")
        files = ["-i", str(db_path)]
    else:
        db = open_db(db_path)  # migrate before Datasette opens it read-only
        db.conn.close()
        files = [str(db_path)]
    cmd = [sys.executable, "-m", "datasette", "serve", *files, "--host", host,
           "--port", str(port), "--setting", "sql_time_limit_ms", "3000",
           "-m", str(metadata_for(db_path)), *datasette_options()]
    click.echo(f"Datasette at http://{host}:{port}/  (Ctrl-C to stop)")
    sys.stdout.flush()
    sys.stderr.flush()
    # become Datasette: signals (Ctrl-C, SIGTERM from a service manager) reach it directly
    # and no orphaned server outlives `newsmon serve`
    os.execv(sys.executable, cmd)


def _schema_version(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


@main.command("check-db")
@db_option
def check_db(db_path):
    """Check the database: SQLite's integrity check, full-text indexes, foreign keys.

    Reads only (the full-text check is rolled back): the file is left as it
    was. Exit status 1 when something is wrong, with what to do about it.
    """
    from newsmon.store.check import check_database

    path = default_db_path(db_path)
    _current_db[:] = [path]
    if not path.exists():
        raise click.ClickException(f"no database at {path}")
    try:
        checks = check_database(path)
    except DatabaseProblem as e:
        raise click.ClickException(str(e)) from None
    width = max(len(c.name) for c in checks)
    for c in checks:
        click.echo(f"  {'ok  ' if c.ok else 'FAIL'}  {c.name.ljust(width)}  {c.detail}")
        if not c.ok and c.todo:
            click.echo(f"        {' ' * width}  -> {c.todo}")
    failed = [c.name for c in checks if not c.ok]
    if failed:
        raise click.ClickException(f"{path}: {', '.join(failed)} failed (see above)")
    click.echo(f"{path}: ok")


@main.command()
@click.argument("page", metavar="URL|FILE")
@click.option("--json", "as_json", is_flag=True, help="Everything as one JSON object.")
@click.option("--url", "page_url", default=None, help="The page's URL, for a FILE (dates and links in it).")
def extract(page, as_json, page_url):
    """The text, metadata, drop verdict and claims of one page, as `newsmon crawl` would store them.

    A URL is fetched with a crawl's safety rules (no private or loopback
    address but the host named, redirects checked, a timeout, the 4 MiB page
    cap, decompression bombs stopped); nothing is stored. Exit status 1 when
    the page is not an article a crawl would store (the verdict says why).
    """
    import json

    from newsmon.page import PageError, extract_page

    try:
        result = extract_page(page, url=page_url)
    except PageError as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        _print_extract(page, result)
    if not result["stored"]:
        sys.exit(1)


def _print_extract(page: str, result: dict) -> None:
    article = result["article"] or {}
    click.echo(result["url"] or page)
    if result.get("final_url") and result["final_url"] != result["url"]:
        click.echo(f"  fetched:   {result['final_url']}")
    if article:
        date = article.get("published_at")
        click.echo(f"  title:     {article.get('title') or '-'}")
        click.echo(f"  published: {date + ' (from ' + (article.get('published_at_source') or '?') + ')' if date else '-'}")
        click.echo(f"  authors:   {', '.join(article.get('authors') or []) or '-'}")
        click.echo(f"  language:  {article.get('language') or '-'}    words: {article.get('word_count')}")
        if article.get("canonical_url"):
            click.echo(f"  canonical: {article['canonical_url']}")
    if result["stored"]:
        click.echo("  verdict:   an article: a crawl stores it")
    else:
        click.echo(f"  verdict:   not stored by a crawl: {result['drop_reason'] or 'no article text'}")
    if article.get("text"):
        click.echo("")
        click.echo(article["text"])
    claims = result["claims"]
    click.echo(f"\nclaims: {len(claims)}")
    for claim in claims:
        who = claim.get("speaker") or "?"
        if claim.get("speaker_role"):
            who += f" ({claim['speaker_role']})"
        click.echo(f"  {who}, {claim.get('kind')}, {claim.get('cue')}: {claim.get('quote')}")


@main.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--source", "source_id", default=None, help="Only this source's articles.")
@click.option("--since", default=None, metavar="DATE",
              help="Only articles first stored or changed since DATE (2026-11-24, an ISO time in UTC, "
                   "or a span back from now: 24h, 7d).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file [default: stdout].")
def export(db_path, fmt, source_id, since, output):
    """Articles with their claims: JSON Lines (one article a line, its claims in it) or CSV
    (one article a row, its claims as a JSON column). Duplicates are included, with duplicate_of."""
    from newsmon.store.export import export_articles, since_time

    try:
        since_at = since_time(since) if since else None
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--since") from None
    db_path = use_db(db_path)
    db = open_db(db_path)
    if source_id and not db.execute("SELECT 1 FROM sources WHERE id = ? UNION "
                                    "SELECT 1 FROM articles WHERE source_id = ? LIMIT 1",
                                    [source_id, source_id]).fetchone():
        raise click.ClickException(f"unknown source {source_id!r} in {db_path}")
    out = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        n = export_articles(db, out, fmt=fmt, source_id=source_id, since=since_at)
    finally:
        if output:
            out.close()
    if output:
        click.echo(f"{n} articles written to {output}", err=True)


@main.command("add-source")
@click.argument("url")
@click.option("--name", "source_id", default=None,
              help="Source id (a lowercase slug) [default: from the site's host].")
@click.option("--write", is_flag=True, help="Append the entry to the config (comments and layout kept).")
@config_option
def add_source(url, source_id, write, config_path):
    """Find how to crawl the site at URL and propose its sources.toml entry.

    Looks for the site's feeds (linked from the page, then a few common
    paths), its sitemaps (robots.txt, /sitemap.xml) and, failing both, links
    on the page shaped like articles; checks a few of the pages each one
    leads to; prints the entry with what was found and why it was chosen.
    With --write the entry is appended to the config.
    """
    import os
    from datetime import datetime

    from newsmon.config import SOURCE_ID_RE
    from newsmon.sources.discover import discover
    from newsmon.sources.entry import add_to_config, check_new_id, default_id, validate_entry
    from newsmon.sources.fetch import SourceToolError

    if source_id is not None and not SOURCE_ID_RE.match(source_id):
        raise click.BadParameter("use a lowercase slug: letters, digits, - and _ (e.g. my-paper)",
                                 param_hint="--name")
    path = Path(config_path or os.environ.get("NEWSMON_CONFIG") or "sources.toml")
    try:
        if write:   # a broken config or a taken id is reported before any fetching
            check_new_id(path, source_id or default_id(url))
        proposal = discover(url, source_id=source_id, log=lambda m: click.echo(f"  {m}", err=True))
        validate_entry(proposal)
        header = f"added by `newsmon add-source {url}` on {datetime.now(UTC):%Y-%m-%d}"
        if write:
            entry = add_to_config(path, proposal, header=header)
        else:
            entry = proposal.toml(header)
    except SourceToolError as e:
        raise click.ClickException(str(e)) from None
    click.echo(entry, nl=False)
    if write:
        click.echo(f"\nadded [sources.{proposal.source_id}] to {path}; try it with:  "
                   f"newsmon check-source {proposal.source_id}"
                   + (f" --config {path}" if config_path else ""), err=True)
    else:
        click.echo(f"\n(not written: add --write to append it to {path})", err=True)


@main.command("check-source")
@click.argument("source_id")
@click.option("--limit", type=click.IntRange(1, 100), default=5, show_default=True,
              help="Article pages to fetch at most.")
@config_option
@log_options
def check_source(source_id, limit, config_path, quiet, verbose, log_level, log_file):
    """Dry-run one source: crawl a few articles and show what would be stored.

    Runs the real crawl (same spider and pipelines as `newsmon crawl`) into a
    throwaway database: your database is not touched. Prints each page's
    title, date, first lines, word count, claims and suspected problems.
    Exits non-zero when the source yields no usable article.
    """
    from newsmon.sources.dryrun import article_problems, dry_run, first_lines

    logs = Logs(quiet, verbose, log_level, log_file, crawl_default="INFO")
    config = _load(config_path)
    try:
        source = config.get(source_id)
    except ConfigError as e:
        raise click.ClickException(f"{e}. Add it with `newsmon add-source URL --write`, "
                                   "or pass --config PATH to use another config") from None
    logs.say(f"checking {source.id} ({describe(source)}), at most {limit} article pages; "
             "dry run, nothing is written to your database")
    try:
        run = dry_run(source, config, limit=limit, log_copy=log_file, show_log=verbose > 0)
    except KeyboardInterrupt:
        raise click.Abort() from None
    for i, page in enumerate(run.pages, 1):
        article = page["article"]
        if page["drop_reason"] or not article:
            reason = page["drop_reason"] or f"HTTP {page['status']}"
            click.echo(f"\n[{i}] not stored: {reason}\n    {page['url']}")
            continue
        click.echo(f"\n[{i}] {article['title'] or '(no title)'}\n    {page['url']}")
        date = article["published_at"]
        click.echo(f"    date:   {date + ' (from ' + (article['published_at_source'] or '?') + ')' if date else '-'}")
        click.echo(f"    words:  {article['word_count']}")
        lines = first_lines(article["text"])
        click.echo("    text:   " + ("\n            ".join(lines) if lines else "-"))
        claims = page["claims"]
        click.echo(f"    claims: {len(claims)}")
        for claim in claims[:3]:
            quote = claim["quote"] if len(claim["quote"]) <= 90 else claim["quote"][:89] + "…"
            click.echo(f"            {claim['speaker'] or '?'} ({claim['kind']}): {quote}")
        if article.get("duplicate_of"):
            click.echo("    note:   a duplicate of another page of this check")
        problems = article_problems(article)
        click.echo("    problems: " + ("none" if not problems else problems[0]))
        for problem in problems[1:]:
            click.echo(f"              {problem}")
    for line in run.log:        # -v: the crawl's own log
        click.echo(line, err=True)
    for line in run.warnings:   # the crawl's log went to a file: do not hide these
        click.echo(line, err=True)
    usable = run.usable
    click.echo(f"\n{run.summary}")
    click.echo(f"\n{source.id}: {len(usable)} usable article(s) of {len(run.pages)} page(s) fetched")
    if not usable:
        hints = "\n".join(f"  {ln}" for ln in run.log_tail[-8:])
        raise click.ClickException(
            f"source {source.id!r} yielded no usable article (crawl {run.status}). Check its urls"
            + (" and article_patterns" if source.article_patterns or source.kind == "listing" else "")
            + f" in {config.path}, or re-detect them with `newsmon add-source URL`."
            + (f"\ncrawl log (warnings and errors):\n{hints}" if hints else ""))


def _require_redis(reachable: bool = True, crawls: bool = False):
    """Distributed mode's Redis, checked up front: REDIS_URL set, the redis extra installed
    (scrapy-redis where it ``crawls``), a Redis URL, and (``reachable``) Redis answering; else
    one line and exit status 1. The client."""
    from importlib.util import find_spec

    url = os.environ.get("REDIS_URL")
    if not url:
        raise click.ClickException("distributed mode needs REDIS_URL, e.g. REDIS_URL=redis://10.0.0.5:6379/0")
    if find_spec("redis") is None or (crawls and find_spec("scrapy_redis") is None):   # (scrapy_redis imports Scrapy)
        raise click.ClickException('distributed mode needs scrapy-redis: pip install "newsmon[redis]"')
    from newsmon.cluster.wire import ClusterUnavailable, client, connect

    try:
        return connect(url) if reachable else client(url)
    except ClusterUnavailable as e:
        raise click.ClickException(str(e)) from None


def _distributed() -> bool:
    """REDIS_URL set: crawls are handed to the cluster (README "Scale out"), once Redis answers."""
    if not os.environ.get("REDIS_URL"):
        return False
    _require_redis()
    return True


@main.command()
@db_option
@click.option("--batch", type=click.IntRange(1, 1000), default=50, show_default=True,
              help="Items per write transaction.")
@click.option("--idle-exit", type=float, default=None,
              help="Exit after this many seconds without items [default: run until SIGTERM].")
def ingest(db_path, batch, idle_exit):
    """Distributed mode: store the crawlers' items from Redis (the only DB writer).

    Run one next to the SQLite file, with REDIS_URL set. Items are
    acknowledged in Redis only after their transaction commits, so a crash
    loses nothing and stores nothing twice.
    """
    import logging
    import signal

    from newsmon.cluster.ingest import IngestLocked, ingest_forever

    server = _require_redis()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    db_path = use_db(db_path, exists=False)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    try:
        counts = ingest_forever(db_path, server, batch_size=batch, idle_exit=idle_exit,
                                should_stop=lambda: bool(stop))
    except IngestLocked as e:
        raise click.ClickException(str(e)) from None
    click.echo("ingested: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v) or "nothing"))


@main.command()
@config_option
@click.option("--processes", type=click.IntRange(1, 256), default=2, show_default=True,
              help="Crawl processes on this machine at most.")
@log_options
def crawler(config_path, processes, quiet, verbose, log_level, log_file):
    """Distributed mode: crawl the runs the scheduler hands to the cluster.

    Run one on every crawler machine, with REDIS_URL set and the same
    sources.toml as the scheduler. Needs no database.
    """
    from newsmon.cluster.supervisor import CrawlerSupervisor

    _require_redis(reachable=False, crawls=True)   # a Redis that is down for now is waited for
    logs = Logs(quiet, verbose, log_level, log_file, own_default="INFO")
    config = _load(config_path)
    CrawlerSupervisor(config.path, processes, log_file=logs.crawl_output).run_forever()


if __name__ == "__main__":
    main()
