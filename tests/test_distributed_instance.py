"""The database's instance id (schema 5) and how a restored backup or a copy is told from the original."""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

from newsmon.cluster.instance import claim_run, current_instance, instance_id, next_ingest_seq, note_ingest
from newsmon.store.db import open_db, write_transaction
from newsmon.store.queries import start_run
from tests.distributed_cluster import needs_redis

KEPT = Path(__file__).resolve().parent / "data" / "schema"


def test_every_database_gets_its_own_instance_id_when_it_is_made(tmp_path):
    ids = []
    for name in ("a.db", "b.db"):
        db = open_db(tmp_path / name)
        ids.append(instance_id(db))
        db.conn.close()
    assert ids[0] != ids[1] and all(re.fullmatch(r"[0-9a-f]{12}", i) for i in ids)
    db = open_db(tmp_path / "a.db")
    assert instance_id(db) == ids[0]      # kept: it names the database's state in Redis


def test_a_database_of_the_previous_schema_gets_an_instance_id_when_migrated(tmp_path):
    path = tmp_path / "v4.db"
    with gzip.open(KEPT / "v4.db.gz") as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    db = open_db(path)
    assert re.fullmatch(r"[0-9a-f]{12}", instance_id(db))
    assert db.execute("SELECT value FROM meta WHERE key = 'ingest_seq'").fetchone() == ("0",)
    assert "lost_in_flight" in db["crawl_runs"].columns_dict


def _run(db, redis_client) -> tuple[int, str]:
    """A new run of the database, claimed in Redis: (run id, the instance it is announced under)."""
    run_id = start_run(db, "herald")
    return run_id, claim_run(db, redis_client, current_instance(db, redis_client), run_id)


@needs_redis
def test_a_restored_backup_or_a_copy_goes_on_under_a_new_instance_id(tmp_path, redis_client):
    db = open_db(tmp_path / "news.db")
    db["sources"].insert({"id": "herald", "name": "herald", "kind": "feed"})
    backup = tmp_path / "backup.db"
    db.conn.execute("VACUUM INTO ?", [str(backup)])   # taken before the runs below
    original = instance_id(db)
    # the original runs and stores: it stays itself
    for _ in range(3):
        run_id, instance = _run(db, redis_client)
        assert instance == original
    with write_transaction(db):
        seq = next_ingest_seq(db)
    pipe = redis_client.pipeline()
    note_ingest(pipe, original, seq)
    pipe.execute()
    assert current_instance(db, redis_client) == original

    # the backup holds less than Redis saw of its instance: new id, before anything is read
    restored = open_db(backup)
    assert instance_id(restored) == original
    renewed = current_instance(restored, redis_client)
    assert renewed != original and instance_id(restored) == renewed
    assert _run(restored, redis_client)[1] == renewed

    # a copy in step with the original: caught when both use the same run id
    copy = tmp_path / "copy.db"
    db.conn.execute("VACUUM INTO ?", [str(copy)])
    twin = open_db(copy)
    run_id, instance = _run(db, redis_client)
    assert instance == original
    twin_run, twin_instance = _run(twin, redis_client)
    assert twin_run == run_id and twin_instance not in (original, renewed)
    # ... and the original, ahead of nothing, keeps its id
    assert current_instance(db, redis_client) == original
