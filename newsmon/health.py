"""Source health: what `newsmon status` shows and what raises alerts.

A news crawler's commonest failure is silent: a site redesign leaves the
crawl "ok" while no article text comes out, or a source quietly stops
publishing. After every run :func:`check_source` compares the source's
latest runs with its own history and opens (or clears) ``alerts`` rows:

- ``failing``      the last N runs (``failure_alert_runs``, default 3) all failed
                   or timed out; cleared by the next ok run
- ``http_errors``  most of the run's responses were HTTP errors, well above the
                   source's usual rate
- ``layout``       most fetched pages yielded no article, well above the usual
                   share (the signature of a redesign that breaks extraction)
- ``stale``        no new article for much longer than the source's usual gap
                   between new articles (and several runs in a row)

One open alert per (source, kind); an alert clears (``cleared_at``) when the
condition no longer holds. :func:`after_run` runs the checks and posts the
changes to the optional webhook; it is called wherever a run's row becomes
final: at the end of the crawl itself (crawler/extensions.py, for `newsmon
crawl`, `scrapy crawl` and the daemon alike), by the parent when it had to
finish the row (a crawl it timed out or that died: newsmon/runner.py), and at
the end of a distributed run (newsmon/cluster/crawl.py). Pure module over the
database: no Scrapy import.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import UTC, datetime, timedelta
from statistics import median

from newsmon.redact import url_for_logs
from newsmon.store.db import write_transaction
from newsmon.times import parse_time, utcnow

log = logging.getLogger("newsmon.health")

DEFAULT_FAILURE_RUNS = 3
MIN_PAGES = 3              # fewer pages than this say nothing about a rate
JUMP = 0.3                 # a rate must rise this much over the baseline ...
HIGH = 0.5                 # ... and reach this level to raise an alert
BASELINE_RUNS = 10
STALE_FACTOR = 4           # "much longer than usual": this many usual gaps
STALE_MIN_RUNS = 3         # ... and at least this many runs with nothing new

STATUS_SQL = """
SELECT s.id AS source_id,
       r.started_at AS last_run, r.status AS status,
       (SELECT count(*) FROM articles a WHERE a.source_id = s.id AND a.first_seen_at >= :since) AS new_24h,
       (SELECT count(*) FROM articles a WHERE a.source_id = s.id) AS articles,
       (SELECT count(*) FROM alerts al WHERE al.source_id = s.id AND al.cleared_at IS NULL) AS open_alerts,
       (SELECT group_concat(al.kind, ', ') FROM alerts al
          WHERE al.source_id = s.id AND al.cleared_at IS NULL) AS alert_kinds
FROM sources s
LEFT JOIN crawl_runs r ON r.id = (SELECT id FROM crawl_runs WHERE source_id = s.id
                                  ORDER BY started_at DESC, id DESC LIMIT 1)
ORDER BY s.id
"""


def status_rows(db) -> list[dict]:
    since = (datetime.now(UTC) - timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return list(db.query(STATUS_SQL, {"since": since}))


def _finished_runs(db, source_id: str, limit: int) -> list[dict]:
    return list(db.query(
        """SELECT * FROM crawl_runs WHERE source_id = ? AND finished_at IS NOT NULL
           AND status != 'running' ORDER BY started_at DESC, id DESC LIMIT ?""",
        [source_id, limit]))


def http_error_rate(run: dict) -> tuple[float, int]:
    """(share of the run's pages that were HTTP errors, pages).

    Known articles a run did not need to fetch (``skipped``) count as pages
    that are fine: otherwise a page that fails on every run would be most of
    what an incremental run fetches, and a healthy source would alert.
    """
    pages = (run.get("pages_fetched") or 0) + (run.get("skipped") or 0)
    errors = sum(json.loads(run.get("http_errors") or "{}").values())
    return (errors / pages if pages else 0.0), pages


def no_article_rate(run: dict) -> tuple[float, int]:
    """(share of processed pages that yielded no article, pages processed)."""
    dropped = run.get("dropped") or 0
    processed = dropped + sum(run.get(k) or 0 for k in (
        "articles_new", "articles_updated", "articles_unchanged", "duplicates"))
    return (dropped / processed if processed else 0.0), processed


def _jumped(runs: list[dict], rate_of, open_since: str | None) -> tuple[bool | None, str]:
    """Did the latest run's rate jump over the source's healthy baseline?

    The baseline is the median rate of earlier ok runs from before the open
    alert of this kind (if any), so a source that stays broken keeps its
    alert instead of making "broken" its new normal. None when the latest
    run has too few pages to tell (the alert keeps its state).
    """
    rate, n = rate_of(runs[0])
    if n < MIN_PAGES:
        return None, ""
    healthy = [run for run in runs[1:] if run["status"] == "ok"
               and (open_since is None or run["started_at"] < open_since)]
    history = [r for r in map(rate_of, healthy) if r[1] >= MIN_PAGES][:BASELINE_RUNS]
    baseline = median(r for r, _ in history) if history else 0.0
    bad = rate >= HIGH and rate - baseline >= JUMP
    return bad, f"{rate:.0%} of {n} pages (usual {baseline:.0%})"


def _stale(db, source_id: str, runs: list[dict], now: datetime) -> tuple[bool | None, str]:
    times = [parse_time(r[0]) for r in db.execute(
        "SELECT first_seen_at FROM articles WHERE source_id = ? AND duplicate_of IS NULL "
        "ORDER BY first_seen_at DESC LIMIT 50", [source_id])]
    times = [t for t in times if t]
    # the articles one run found count once, at its start: a first crawl stores a
    # source's whole feed within seconds, which says nothing about how often it publishes
    spans = [(parse_time(r["started_at"]), parse_time(r["finished_at"])) for r in runs]
    spans = [(a, b) for a, b in spans if a and b]
    times = sorted({next((a for a, b in spans if a <= t <= b), t) for t in times}, reverse=True)
    if len(times) < 3:
        return None, ""  # no history yet: nothing is "usual"
    gaps = [(a - b).total_seconds() for a, b in zip(times, times[1:])]
    usual = max(median(gaps), 1.0)
    quiet = (now - times[0]).total_seconds()
    runs_since = sum(1 for r in runs if (parse_time(r["started_at"]) or now) > times[0])
    bad = quiet > STALE_FACTOR * usual and runs_since >= STALE_MIN_RUNS
    return bad, f"no new article for {_human(quiet)} (usually one every {_human(usual)})"


def _human(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds:.0f}s"


def evaluate(db, source_id: str, *, failure_runs: int = DEFAULT_FAILURE_RUNS,
             now: datetime | None = None) -> dict[str, tuple[bool | None, str]]:
    """kind -> (unhealthy?, message) for a source, from its recorded runs.

    None means "cannot tell from the latest run": an open alert stays open.
    """
    now = now or datetime.now(UTC)
    runs = _finished_runs(db, source_id, 200)
    if not runs:
        return {}
    open_since = {r[0]: r[1] for r in db.execute(
        "SELECT kind, min(created_at) FROM alerts WHERE source_id = ? AND cleared_at IS NULL "
        "GROUP BY kind", [source_id])}
    latest = runs[0]
    recent = runs[:failure_runs]
    failing = len(recent) >= failure_runs and all(r["status"] in ("failed", "timed_out") for r in recent)
    result = {"failing": (
        failing if latest["status"] != "interrupted" else None,
        f"last {failure_runs} runs failed (latest: {latest['status']}, {latest['finish_reason']})")}
    result["http_errors"] = _jumped(runs, http_error_rate, open_since.get("http_errors"))
    if latest["status"] == "ok":
        layout = _jumped(runs, no_article_rate, open_since.get("layout"))
        result["layout"] = (layout[0], f"no article extracted from {layout[1]}") if layout[0] is not None else layout
    result["stale"] = _stale(db, source_id, runs, now)
    return result


def check_source(db, source_id: str, *, failure_runs: int = DEFAULT_FAILURE_RUNS,
                 now: datetime | None = None, log_events: bool = True) -> list[dict]:
    """Open and clear the source's alerts; returns the changes as events.

    Each event is ``{"event": "alert" | "cleared", "source_id", "kind",
    "message", "run_id", "at"}``, also logged (alerts at WARNING).
    """
    verdicts = evaluate(db, source_id, failure_runs=failure_runs, now=now)
    if not verdicts:
        return []
    run_id = _finished_runs(db, source_id, 1)[0]["id"]
    at = utcnow()
    events = []
    with write_transaction(db):
        open_alerts = {r["kind"]: r for r in db.query(
            "SELECT * FROM alerts WHERE source_id = ? AND cleared_at IS NULL", [source_id])}
        for kind, (bad, message) in verdicts.items():
            if bad is None:
                continue
            if bad and kind not in open_alerts:
                db["alerts"].insert({"source_id": source_id, "run_id": run_id, "kind": kind,
                                     "message": message, "created_at": at, "cleared_at": None})
                events.append({"event": "alert", "source_id": source_id, "kind": kind,
                               "message": message, "run_id": run_id, "at": at})
                if log_events:
                    log.warning("ALERT %s: %s: %s", source_id, kind, message)
            elif not bad and kind in open_alerts:
                db["alerts"].update(open_alerts[kind]["id"], {"cleared_at": at})
                events.append({"event": "cleared", "source_id": source_id, "kind": kind,
                               "message": open_alerts[kind]["message"], "run_id": run_id, "at": at})
                if log_events:
                    log.info("cleared %s: %s (recovered)", source_id, kind)
    return events


def post_webhook(url: str | None, events: list[dict], timeout: float = 10.0) -> bool:
    """POST alert events as JSON; a failing receiver is logged, never fatal."""
    if not url or not events:
        return True
    body = json.dumps({"source": "newsmon", "events": events}).encode()
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "User-Agent": "newsmon-alerts"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(1024)
        return True
    except Exception as e:  # noqa: BLE001 - any failure of the receiver is only logged
        log.warning("webhook %s failed: %s", url_for_logs(url), type(e).__name__)
        return False


def options_of(config_path) -> dict:
    """The ``[newsmon]`` options of a config (empty when it cannot be read now)."""
    from newsmon.config import ConfigError, load_config

    try:
        return load_config(config_path).options
    except ConfigError:
        return {}


def after_run(db, source_id: str, options: dict | None = None, *, log_events: bool = True) -> list[dict]:
    """The health rules after a run of ``source_id``: alerts opened or cleared, the
    changes posted to ``webhook_url``; returns the changes (see :func:`check_source`).

    ``options`` are the config's ``[newsmon]`` options (``failure_alert_runs``,
    ``webhook_url``). ``log_events=False`` when the caller reports them itself.
    """
    options = options or {}
    events = check_source(db, source_id, log_events=log_events,
                          failure_runs=int(options.get("failure_alert_runs") or DEFAULT_FAILURE_RUNS))
    post_webhook(options.get("webhook_url"), events)
    return events


def run_alerts(db, run_id: int) -> list[dict]:
    """The alerts a run opened, and those cleared since it started: ``{"event", "kind", "message"}``."""
    run = db.execute("SELECT source_id, started_at FROM crawl_runs WHERE id = ?", [run_id]).fetchone()
    if not run:
        return []
    opened = db.execute("SELECT kind, message FROM alerts WHERE run_id = ? ORDER BY id", [run_id]).fetchall()
    cleared = db.execute("SELECT kind, message FROM alerts WHERE source_id = ? AND run_id != ? "
                         "AND cleared_at >= ? ORDER BY id", [run[0], run_id, run[1]]).fetchall()
    return ([{"event": "alert", "kind": k, "message": m} for k, m in opened]
            + [{"event": "cleared", "kind": k, "message": m} for k, m in cleared])
