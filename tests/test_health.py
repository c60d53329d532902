"""Source health rules on a real database of recorded runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from newsmon.health import check_source, status_rows
from newsmon.store.db import open_db

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "news.db")
    db["sources"].insert({"id": "herald", "name": "Herald", "kind": "feed"})
    return db


def add_run(db, n, status="ok", pages=10, new=5, dropped=0, http=None):
    started = T0 + timedelta(hours=n)
    db["crawl_runs"].insert({
        "source_id": "herald", "started_at": iso(started),
        "finished_at": iso(started + timedelta(minutes=1)), "status": status,
        "finish_reason": "finished" if status == "ok" else "no_start_page",
        "pages_fetched": pages, "articles_new": new, "articles_updated": 0,
        "articles_unchanged": 0, "duplicates": 0, "dropped": dropped,
        "http_errors": json.dumps(http or {}),
    })


def open_kinds(db):
    return {r["kind"] for r in db.query("SELECT kind FROM alerts WHERE cleared_at IS NULL")}


def test_failing_runs_alert_after_n_and_clear_on_recovery(db):
    for n in range(2):
        add_run(db, n, status="failed", pages=1, new=0)
        assert "failing" not in open_kinds(db) | {e["kind"] for e in check_source(db, "herald")}
    add_run(db, 2, status="failed", pages=1, new=0)
    events = check_source(db, "herald")
    assert ("alert", "failing") in {(e["event"], e["kind"]) for e in events}
    add_run(db, 3)
    events = check_source(db, "herald")
    assert ("cleared", "failing") in {(e["event"], e["kind"]) for e in events}
    assert "failing" not in open_kinds(db)


def test_http_error_jump_stays_open_while_the_source_stays_broken(db):
    for n in range(4):
        add_run(db, n, http={"404": 1})
        check_source(db, "herald")
    assert open_kinds(db) == set()
    for n in range(4, 8):  # every page a 500, run after run: not the "new normal"
        add_run(db, n, status="failed", pages=6, new=0, http={"500": 6})
        check_source(db, "herald")
        assert "http_errors" in open_kinds(db)
    add_run(db, 8, http={"404": 1})
    check_source(db, "herald")
    assert "http_errors" not in open_kinds(db)


def test_layout_alert_when_pages_stop_yielding_articles(db):
    for n in range(3):
        add_run(db, n, new=8, dropped=1)
        check_source(db, "herald")
    add_run(db, 3, new=0, dropped=9)
    events = check_source(db, "herald")
    layout = [e for e in events if e["kind"] == "layout"]
    assert layout and "no article extracted" in layout[0]["message"]
    # a run that fetched no article page says nothing either way: the alert stays
    add_run(db, 4, pages=2, new=0, dropped=0)
    check_source(db, "herald")
    assert "layout" in open_kinds(db)
    add_run(db, 5, new=7, dropped=1)
    check_source(db, "herald")
    assert "layout" not in open_kinds(db)


def test_a_source_that_starts_broken_alerts_at_once(db):
    add_run(db, 0, new=0, dropped=10)
    assert {e["kind"] for e in check_source(db, "herald")} == {"layout"}


def test_stale_source(db):
    for i in range(5):  # an article every hour, then silence
        db["articles"].insert({"url": f"http://x/{i}", "source_id": "herald", "text": "t",
                               "first_seen_at": iso(T0 + timedelta(hours=i))})
    for n in range(5, 30, 5):
        add_run(db, n, new=0, pages=3)
    events = check_source(db, "herald", now=T0 + timedelta(hours=26))
    stale = [e for e in events if e["kind"] == "stale"]
    assert stale and "usually one every 1.0h" in stale[0]["message"]


def test_status_rows_list_open_alert_kinds(db):
    for n in range(3):
        add_run(db, n, status="failed", pages=1, new=0)
    check_source(db, "herald")
    (row,) = status_rows(db)
    assert row["source_id"] == "herald" and row["status"] == "failed"
    assert row["open_alerts"] == 1 and row["alert_kinds"] == "failing"
