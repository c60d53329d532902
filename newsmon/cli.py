"""newsmon's command line: crawl now, run the daemon, serve the database.

    newsmon crawl SOURCE... | --all [--config PATH] [--db PATH]
    newsmon demo [--db PATH]
    newsmon run [--once] [--config PATH] [--db PATH]
    newsmon status [--db PATH]
    newsmon serve [--db PATH] [--port N]
    newsmon reprocess [--db PATH] [--source ID]
    newsmon add-source URL [--name ID] [--write] [--config PATH]
    newsmon check-source ID [--limit N] [--config PATH]

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


def crawl_sources(sources, config, db_path: Path, *, echo=click.echo) -> bool:
    """Crawl ``sources`` one after another; print each summary; True if all ok."""
    all_ok = True
    for source in sources:
        echo(f"crawling {source.id} ({describe(source)})", err=True)
        crawl_cls = CrawlProcess
        if os.environ.get("REDIS_URL"):  # distributed mode: the cluster crawls it (README "Scale out")
            from newsmon.cluster.crawl import DistributedCrawl as crawl_cls
        process = crawl_cls(source, config.path, db_path)
        try:
            result = process.wait()
        except KeyboardInterrupt:
            process.stop("interrupted")
            echo(format_summary(process.finish()))
            raise click.Abort() from None
        echo(format_summary(result))
        all_ok &= result.ok
    return all_ok


class NewsmonGroup(click.Group):
    """Database problems met anywhere in a command are one line and exit status 1, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DatabaseProblem as e:
            raise click.ClickException(str(e)) from None
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
def crawl(sources, all_sources, config_path, db_path):
    """Crawl SOURCE(s) now, once, and print a summary."""
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
    db_path = _prepare_db(db_path, config)
    if not crawl_sources(selected, config, db_path):
        raise click.ClickException("some sources could not be crawled (see above)")


@main.command()
@click.option("--once", is_flag=True,
              help="Crawl every source that is due, then exit (for cron; safe every minute).")
@config_option
@db_option
@click.option("-q", "--quiet", is_flag=True, help="Hide the crawls' own Scrapy logs.")
def run(once, config_path, db_path, quiet):
    """Keep every source fresh on its schedule (daemon), or crawl what is due (--once).

    Exit status of --once: 0 when every due source was crawled ok, 1 otherwise.
    The daemon stops cleanly on SIGTERM or SIGINT and reloads sources.toml on
    SIGHUP or when the file changes.
    """
    import logging
    import subprocess

    from scheduler import Daemon, DaemonLocked, DatabaseLock

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = _load(config_path)
    db_path = _prepare_db(db_path, config)
    lock = DatabaseLock(db_path)
    try:
        lock.acquire()
    except DaemonLocked as e:
        if once:  # cron fired while the previous run is still going: nothing to do
            click.echo(f"newsmon run --once: {e}; nothing to do", err=True)
            return
        raise click.ClickException(str(e)) from None
    try:
        daemon = Daemon(config.path, db_path, log_file=subprocess.DEVNULL if quiet else None)
        if once:
            ok = daemon.run_once()
            for result in daemon.results:
                click.echo(format_summary(result))
            if not ok:
                raise click.ClickException("some sources failed (see above)")
        else:
            daemon.run_forever()
    finally:
        lock.release()


@main.command()
@db_option
@click.option("--keep-serving", is_flag=True, help="Keep the sample site up after the crawl (Ctrl-C to stop).")
def demo(db_path, keep_serving):
    """Serve the bundled sample news site on 127.0.0.1 and crawl it into the DB."""
    import tempfile

    from newsmon.demo.site import FixtureSite

    site = FixtureSite()
    base = site.start()
    try:
        click.echo(f"sample news site at {base}", err=True)
        config_file = Path(tempfile.mkdtemp(prefix="newsmon-demo-")) / "sources.toml"
        config_file.write_text(site.sources_toml(), encoding="utf-8")
        config = load_config(config_file)
        db_path = _prepare_db(db_path or Path("news.db"), config)
        ok = crawl_sources(config.enabled_sources(), config, db_path)
        click.echo(f"\nopen it with:  newsmon serve --db {db_path}"
                   f"   (or: datasette {db_path} -m {metadata_for(db_path)})")
        if keep_serving:
            click.echo(f"sample site still at {base}; Ctrl-C to stop", err=True)
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
@db_option
def status(db_path):
    """A table of sources: last run, status, new articles in 24 h, open alerts."""
    from newsmon.health import status_rows

    db_path = use_db(db_path)
    db = open_db(db_path)
    rows = status_rows(db)
    headers = ["source", "last run", "status", "new 24h", "articles", "open alerts"]
    table = [headers] + [[str(r[k] if r[k] is not None else "-") for k in
                          ("source_id", "last_run", "status", "new_24h", "articles", "open_alerts")]
                         for r in rows]
    for row, r in zip(table[1:], rows):
        if r["alert_kinds"]:
            row[-1] += f" ({r['alert_kinds']})"
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    for row in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


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
    """Open the database in Datasette (read-only) with newsmon's metadata."""
    from newsmon.store.schema import SCHEMA_VERSION

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
           "-m", str(metadata_for(db_path))]
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
def check_source(source_id, limit, config_path):
    """Dry-run one source: crawl a few articles and show what would be stored.

    Runs the real crawl (same spider and pipelines as `newsmon crawl`) into a
    throwaway database: your database is not touched. Prints each page's
    title, date, first lines, word count, claims and suspected problems.
    Exits non-zero when the source yields no usable article.
    """
    from newsmon.sources.dryrun import article_problems, dry_run, first_lines

    config = _load(config_path)
    try:
        source = config.get(source_id)
    except ConfigError as e:
        raise click.ClickException(f"{e}. Add it with `newsmon add-source URL --write`, "
                                   "or pass --config PATH to use another config") from None
    click.echo(f"checking {source.id} ({describe(source)}), at most {limit} article pages; "
               "dry run, nothing is written to your database", err=True)
    try:
        run = dry_run(source, config, limit=limit)
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


def _require_redis() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        raise click.ClickException("distributed mode needs REDIS_URL, e.g. REDIS_URL=redis://10.0.0.5:6379/0")
    try:
        import redis  # noqa: F401
        import scrapy_redis  # noqa: F401
    except ImportError:
        raise click.ClickException('distributed mode needs scrapy-redis: pip install "newsmon[redis]"') from None
    return url


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
    from newsmon.cluster.wire import client

    _require_redis()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    db_path = use_db(db_path, exists=False)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    try:
        counts = ingest_forever(db_path, client(), batch_size=batch, idle_exit=idle_exit,
                                should_stop=lambda: bool(stop))
    except IngestLocked as e:
        raise click.ClickException(str(e)) from None
    click.echo("ingested: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v) or "nothing"))


@main.command()
@config_option
@click.option("--processes", type=click.IntRange(1, 256), default=2, show_default=True,
              help="Crawl processes on this machine at most.")
@click.option("-q", "--quiet", is_flag=True, help="Hide the crawls' own Scrapy logs.")
def crawler(config_path, processes, quiet):
    """Distributed mode: crawl the runs the scheduler hands to the cluster.

    Run one on every crawler machine, with REDIS_URL set and the same
    sources.toml as the scheduler. Needs no database.
    """
    import logging
    import subprocess

    from newsmon.cluster.supervisor import CrawlerSupervisor

    _require_redis()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = _load(config_path)
    CrawlerSupervisor(config.path, processes,
                      log_file=subprocess.DEVNULL if quiet else None).run_forever()


if __name__ == "__main__":
    main()
