"""The one writer of distributed mode: items from Redis into the SQLite file.

``newsmon ingest`` runs :func:`ingest_forever`, one process next to the
database. Crawler processes (pipelines.redis.RedisItemPipeline) push
analysed pages to the Redis list ``newsmon:<instance>:items`` (the
database's instance id: newsmon.cluster.instance); here they are taken
reliably and stored by :func:`newsmon.store.ingest.ingest_pages`:

1. on start, whatever a previous ingest left in ``newsmon:<instance>:items:processing``
   (it died between taking and acknowledging) goes back to ``newsmon:items``;
2. a batch is moved atomically to the processing list (BLMOVE/LMOVE), so an
   item is always in one of the two lists until it is acknowledged;
3. the batch is ingested in one SQLite transaction that also records each
   item's id in ``ingest_acks`` and the outcome counts in its ``crawl_runs``
   row; an item whose id is already acknowledged is skipped;
4. only after the commit the items are removed from the processing list
   (LREM), the known-URL keys the spiders consult are published, and the
   run's ``ingested`` counter is advanced.

A crash at any point loses nothing (items are in Redis until step 4) and
stores nothing twice (step 3 sees the id committed by the crashed run; and
the same page ingested twice would anyway be 'unchanged', not a new row).

Pure module: no Scrapy; Redis is passed in (a ``redis.Redis`` client).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsmon import dedupe
from newsmon.cluster.instance import current_instance, instance_id, next_ingest_seq, note_ingest
from newsmon.cluster.runs import RunKeys
from newsmon.cluster.wire import KNOWN_TTL, SEEN_TTL, decode_item, is_redis_error, key, unreachable, url_key
from newsmon.runner import pid_alive
from newsmon.store.db import open_db, write_transaction
from newsmon.store.ingest import ingest_pages
from newsmon.store.queries import known_url_rows, site_lines
from newsmon.times import utcnow

log = logging.getLogger("newsmon.ingest")

OUTCOME_COLUMNS = {"new": "articles_new", "updated": "articles_updated",
                   "unchanged": "articles_unchanged", "duplicate": "duplicates",
                   "dropped": "dropped", "error": "errors"}
ACK_DAYS = 14          # acknowledged ids kept this long (an item older than that was long stored)
SITE_LINES_EVERY = 30.0


class IngestLocked(RuntimeError):
    pass


class IngestLock:
    """One ingest process per database: a flock on ``<db>.ingest.lock``."""

    def __init__(self, db_path: Path):
        self.path = Path(str(db_path) + ".ingest.lock")
        self.fd = None

    def acquire(self):
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise IngestLocked(f"another newsmon ingest is running on this database ({self.path})") from None
        self.fd = fd

    def release(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def prune_acks(db) -> None:
    """Forget acknowledged ids older than ACK_DAYS (an item that old was long stored)."""
    with write_transaction(db):
        cutoff = (datetime.now(UTC) - timedelta(days=ACK_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
        db.execute("DELETE FROM ingest_acks WHERE ingested_at < ?", [cutoff])


class Ingester:
    """Takes items from Redis and stores them; see the module docstring."""

    def __init__(self, db_path: Path, server, *, batch_size: int = 50, store_html: bool = True,
                 threshold: float | None = None, site_line_min_pages: int = 3):
        self.db_path = Path(db_path)
        self.server = server
        self.batch_size = batch_size
        self.store_html = store_html
        self.min_pages = site_line_min_pages
        self.db = open_db(self.db_path)
        self.instance = current_instance(self.db, server)   # a restored backup gets a new one first
        self.items = key(self.instance, "items")
        self.processing = key(self.instance, "items", "processing")
        self.dead = key(self.instance, "items", "dead")
        prune_acks(self.db)
        self.index = dedupe.NearDuplicateIndex(self.db.conn, threshold=threshold or dedupe.DEFAULT_THRESHOLD)
        self.counts: Counter = Counter()
        self._site_lines_at: dict[str, float] = {}

    def close(self):
        self.db.conn.close()

    def follow_instance(self) -> None:
        """Take the database's instance id again (the scheduler renews it for a restored backup)."""
        instance = instance_id(self.db)
        if instance != self.instance:
            log.warning("the database's instance id changed (%s -> %s): ingesting under the new one",
                        self.instance, instance)
            self.instance = instance
            self.items = key(instance, "items")
            self.processing = key(instance, "items", "processing")
            self.dead = key(instance, "items", "dead")

    # -- start -------------------------------------------------------------------
    def recover(self) -> int:
        """Put back items a previous ingest took but never acknowledged."""
        n = 0
        while self.server.lmove(self.processing, self.items, "LEFT", "RIGHT") is not None:
            n += 1
        if n:
            log.info("re-queued %d items a previous ingest did not acknowledge", n)
        return n

    def publish_all(self) -> int:
        """Known URLs (only where missing: a spider's lookup keeps the fresher TTL) and site lines."""
        n = 0
        pipe = self.server.pipeline(transaction=False)
        for source_id, url, row in known_url_rows(self.db):
            pipe.set(url_key(self.instance, source_id, url), json.dumps(row), ex=KNOWN_TTL, nx=True)
            n += 1
            if n % 1000 == 0:
                pipe.execute()
        pipe.execute()
        for (source_id,) in self.db.execute("SELECT id FROM sources").fetchall():
            self.publish_site_lines(source_id, force=True)
        return n

    def publish_site_lines(self, source_id: str, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._site_lines_at.get(source_id, 0) < SITE_LINES_EVERY:
            return
        self._site_lines_at[source_id] = now
        lines = site_lines(self.db, source_id, self.min_pages)
        k = key(self.instance, "sitelines", source_id)
        pipe = self.server.pipeline()
        pipe.delete(k)
        if lines:
            pipe.sadd(k, *lines)
        pipe.execute()

    # -- one batch ---------------------------------------------------------------
    def take(self, timeout: float) -> list[bytes]:
        first = self.server.blmove(self.items, self.processing, timeout, "RIGHT", "LEFT")
        if first is None:
            return []
        pipe = self.server.pipeline(transaction=False)
        for _ in range(self.batch_size - 1):
            pipe.lmove(self.items, self.processing, "RIGHT", "LEFT")
        return [first] + [raw for raw in pipe.execute() if raw is not None]

    def store(self, raws: list[bytes]) -> Counter:
        """Ingest ``raws`` (already in the processing list) and acknowledge them."""
        items, bad = [], []
        for raw in raws:
            try:
                items.append((raw, decode_item(raw)))
            except Exception as e:  # noqa: BLE001 - a corrupt payload is set aside, not retried forever
                log.error("undecodable item set aside in %s: %s", self.dead, e)
                bad.append(raw)
        ids = [item["id"] for _, item in items]
        marks = ",".join("?" * len(ids))
        done = {r[0] for r in self.db.execute(
            f"SELECT id FROM ingest_acks WHERE id IN ({marks})", ids).fetchall()} if ids else set()
        fresh = [(raw, item) for raw, item in items if item["id"] not in done]
        runs = {r[0] for r in self.db.execute("SELECT id FROM crawl_runs").fetchall()} if fresh else set()
        outcomes: Counter = Counter()
        per_run: dict = defaultdict(Counter)
        dropped: dict = defaultdict(Counter)      # run id -> drop reason -> pages
        sources = set()
        urls = []
        now = utcnow()
        with write_transaction(self.db):
            groups: dict = defaultdict(list)
            for _, item in fresh:
                run_id = item.get("run_id") if item.get("run_id") in runs else None
                groups[run_id].append(item)
            for run_id, group in groups.items():
                recs = [item["rec"] for item in group]
                results = ingest_pages(self.db, self.index, recs, run_id=run_id, store_html=self.store_html)
                for rec, result in zip(recs, results):
                    outcomes[result["outcome"]] += 1
                    per_run[run_id][result["outcome"]] += 1
                    if result["outcome"] == "dropped":
                        dropped[run_id][result["reason"]] += 1
                    sources.add(rec["source_id"])
                    # what the spiders look up: the page's URL, and every URL its article is known under
                    urls += [rec["url"], *result.get("urls", ())]
            for run_id, counts in per_run.items():
                if run_id is None:
                    continue
                sets = ", ".join(f"{OUTCOME_COLUMNS[o]} = coalesce({OUTCOME_COLUMNS[o]}, 0) + ?" for o in counts)
                self.db.execute(f"UPDATE crawl_runs SET {sets} WHERE id = ?", [*counts.values(), run_id])
                if dropped[run_id]:
                    # why pages were dropped, as a single-machine run records it (RunMonitor)
                    row = self.db.execute("SELECT dropped_reasons FROM crawl_runs WHERE id = ?", [run_id]).fetchone()
                    total = Counter(json.loads(row[0] or "{}")) + dropped[run_id]
                    self.db.execute("UPDATE crawl_runs SET dropped_reasons = ? WHERE id = ?",
                                    [json.dumps(dict(total), sort_keys=True), run_id])
            self.db.conn.executemany("INSERT OR IGNORE INTO ingest_acks (id, run_id, ingested_at) VALUES (?, ?, ?)",
                                     [(item["id"], item.get("run_id"), now) for _, item in fresh])
            seq = next_ingest_seq(self.db)   # how far this database got, for Redis to remember
        known = known_url_rows(self.db, urls=urls) if urls else []
        # committed: now acknowledge, and tell the spiders what is known
        ingested = Counter(str(item.get("run_id") or "adhoc") for _, item in items)
        pipe = self.server.pipeline()
        for raw in bad:
            pipe.lpush(self.dead, raw)
        for source_id, url, row in known:
            pipe.set(url_key(self.instance, source_id, url), json.dumps(row), ex=KNOWN_TTL)
        for run, n in ingested.items():
            if run != "adhoc":
                counter = RunKeys(self.instance, run).ingested
                pipe.incrby(counter, n)
                pipe.expire(counter, SEEN_TTL)
        note_ingest(pipe, self.instance, seq)
        for raw in raws:
            pipe.lrem(self.processing, 1, raw)
        pipe.execute()
        for source_id in sources:
            self.publish_site_lines(source_id)
        outcomes["skipped_acknowledged"] = len(items) - len(fresh)
        self.counts.update(outcomes)
        return outcomes


OWNER_TTL = 30   # seconds: an ingest that stops refreshing its claim on the queue is gone


class QueueOwner:
    """One ingest per database instance: two would steal each other's items (and re-queue
    them on start). Ingests of other databases have their own items and go on beside it."""

    def __init__(self, server, db_path: Path, instance: str):
        import socket
        self.server = server
        self.key = key(instance, "ingest", "owner")
        self.instance = instance
        self.me = f"{socket.gethostname()}:{os.getpid()}:{Path(db_path).resolve()}"
        self.at = 0.0

    def acquire(self, wait: float = OWNER_TTL + 5):
        import socket

        deadline = time.monotonic() + wait
        while not self.server.set(self.key, self.me, nx=True, ex=OWNER_TTL):
            holder = (self.server.get(self.key) or b"?").decode()
            host, _, rest = holder.partition(":")
            pid = rest.partition(":")[0]
            if host == socket.gethostname() and pid.isdigit() and not pid_alive(int(pid)):
                log.warning("taking over the queue from ingest %s, which died", holder)
                self.server.set(self.key, self.me, ex=OWNER_TTL)
                break
            if time.monotonic() > deadline:
                raise IngestLocked(f"another newsmon ingest ({holder}) is taking this database's items from Redis")
            log.info("waiting for ingest %s to stop (or its claim to expire)", holder)
            time.sleep(2)
        self.at = time.monotonic()

    def refresh(self):
        if time.monotonic() - self.at > OWNER_TTL / 3:
            self.server.set(self.key, self.me, ex=OWNER_TTL)
            self.at = time.monotonic()

    def release(self):
        if (self.server.get(self.key) or b"").decode() == self.me:
            self.server.delete(self.key)


def ingest_forever(db_path: Path, server, *, batch_size: int = 50, idle_exit: float | None = None,
                   should_stop=lambda: False, store_html: bool = True, threshold: float | None = None,
                   poll: float = 1.0) -> Counter:
    """The ingest loop; returns the outcome counts when stopped (or idle for ``idle_exit`` s).

    Redis failing on the way ends it with :class:`newsmon.cluster.wire.ClusterUnavailable`
    (items stay in Redis until stored: a restart goes on where it stopped)."""
    lock = IngestLock(db_path)
    lock.acquire()
    ingester = owner = None
    try:
        ingester = Ingester(db_path, server, batch_size=batch_size, store_html=store_html, threshold=threshold)
        idle_since = time.monotonic()
        while not should_stop():
            if owner is None or owner.instance != ingester.instance:
                # start, or the scheduler found this database behind Redis and gave it a new id
                if owner is not None:
                    owner.release()
                owner = QueueOwner(server, db_path, ingester.instance)
                owner.acquire()
                ingester.recover()
                published = ingester.publish_all()
                log.info("ingest of %s (instance %s): %d known URLs published; waiting for items", db_path,
                         ingester.instance, published)
            owner.refresh()
            raws = ingester.take(poll)
            if raws:
                outcomes = ingester.store(raws)
                idle_since = time.monotonic()
                log.info("stored %d items: %s", len(raws),
                         ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()) if v))
            elif idle_exit is not None and time.monotonic() - idle_since > idle_exit:
                break
            ingester.follow_instance()
        return ingester.counts
    except Exception as e:
        if is_redis_error(e):
            raise unreachable(e) from None
        raise
    finally:
        if ingester is not None:
            ingester.close()
        if owner is not None:
            try:
                owner.release()
            except Exception as e:  # noqa: BLE001 - Redis gone: the claim expires
                log.debug("queue claim not released: %s", e)
        lock.release()
