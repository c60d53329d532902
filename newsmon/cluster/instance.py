"""Whose state it is: the database's instance id, and noticing a restored backup or a copy.

Every database gets a random instance id when it is created (schema 5,
``meta.instance_id``); distributed mode names all of a database's Redis keys
with it (newsmon.cluster.wire). A new or second database therefore starts
with nothing in Redis: no runs, seen-URL sets, queued items or known URLs of
another.

A restored backup (or a copy of the file) carries its original's id. Redis
remembers how far that database got (``newsmon:<instance>:marks``: the last
run announced, the last batch ingested); a database that holds less than
that is behind what Redis knows of it, so it takes a new id before it reads
or writes anything there, and recrawls what it does not hold as a new
database would. The check reads Redis before the database: the database is
written first, so a database in step with Redis is never taken for a copy.

Pure module over the database and a ``redis.Redis`` client.
"""

from __future__ import annotations

import logging
import secrets

from newsmon.cluster.wire import SEEN_TTL, key
from newsmon.store.db import write_transaction

log = logging.getLogger("newsmon.distributed")

# claim a run id: only a run id above every one announced before under this instance
CLAIM_RUN = """
local last = tonumber(redis.call('HGET', KEYS[1], 'last_run') or '0')
if last >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'last_run', ARGV[1])
return 1
"""


def _meta(db, name: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [name]).fetchone()
    return row[0] if row else None


def instance_id(db) -> str:
    """The database's instance id (made here for a database opened without migrating)."""
    value = _meta(db, "instance_id")
    if value is None:
        with write_transaction(db):
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('instance_id', ?)", [secrets.token_hex(6)])
        value = _meta(db, "instance_id")
    return value


def ingest_seq(db) -> int:
    return int(_meta(db, "ingest_seq") or 0)


def next_ingest_seq(db) -> int:
    """Count one more stored batch (inside the batch's transaction); the new count."""
    db.execute("INSERT INTO meta (key, value) VALUES ('ingest_seq', '1') "
               "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")
    return ingest_seq(db)


def marks_key(instance: str) -> str:
    return key(instance, "marks")


def _behind(server, db, instance: str) -> str | None:
    """Why the database holds less than Redis recorded for its instance, or None."""
    marks = {k.decode(): int(v) for k, v in server.hgetall(marks_key(instance)).items()}   # Redis first
    last_run = db.execute("SELECT coalesce(max(id), 0) FROM crawl_runs").fetchone()[0]
    if marks.get("last_run", 0) > last_run:
        return f"Redis saw its run {marks['last_run']}, it holds runs up to {last_run}"
    if marks.get("ingest_seq", 0) > ingest_seq(db):
        return f"Redis saw it store batch {marks['ingest_seq']}, it holds {ingest_seq(db)}"
    return None


def renew(db, server, old: str, why: str) -> str:
    """Give the database a new instance id (unless another process just did); the id it has now."""
    new = secrets.token_hex(6)
    with write_transaction(db):
        changed = db.execute("UPDATE meta SET value = ? WHERE key = 'instance_id' AND value = ?",
                             [new, old]).rowcount
    if not changed:
        return instance_id(db)
    log.warning("this database is a restored backup or a copy of database %s (%s): it goes on as a new "
                "database, %s, and recrawls what it does not hold", old, why, new)
    # the old instance's queued items belong to runs this database does not have: let them expire
    for name in (key(old, "items"), key(old, "items", "processing")):
        server.expire(name, SEEN_TTL)
    return new


def current_instance(db, server) -> str:
    """The database's instance id, renewed first when the database is behind what Redis knows of it."""
    instance = instance_id(db)
    why = _behind(server, db, instance)
    return renew(db, server, instance, why) if why else instance


def claim_run(db, server, instance: str, run_id: int) -> str:
    """Record ``run_id`` as this instance's latest run; the instance to announce it under.

    A run id Redis saw before under this instance means a copy of this
    database got there first: this one goes on under a new instance id."""
    while not server.eval(CLAIM_RUN, 1, marks_key(instance), run_id):
        instance = renew(db, server, instance, f"Redis saw its run {run_id} already")
    return instance


def note_ingest(pipe, instance: str, seq: int) -> None:
    """Record (in a Redis pipeline, after the commit) the last batch stored."""
    pipe.hset(marks_key(instance), "ingest_seq", seq)
