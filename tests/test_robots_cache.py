"""robots.txt answers kept in the database between crawls (crawler.middlewares.RobotsCache)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from crawler.middlewares import RobotsCache
from newsmon.store.db import open_db

ORIGIN = "http://127.0.0.1:8080"
RULES = b"User-agent: *\nDisallow: /private/\n"


def stored_at(db_path, hours_ago: float) -> None:
    when = (datetime.now(UTC) - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE robots_txt SET fetched_at = ?", [when])


def test_fresh_answer_is_reused_and_a_day_old_one_is_not(tmp_path):
    db_path = tmp_path / "news.db"
    open_db(db_path).conn.close()
    cache = RobotsCache(db_path, hours=24)
    assert cache.get(ORIGIN) is None
    cache.put(ORIGIN, 200, RULES)
    assert cache.get(ORIGIN) == RULES
    assert cache.get("https://127.0.0.1:8080") is None      # another origin: its own rules
    stored_at(db_path, 23)
    assert cache.get(ORIGIN) == RULES
    stored_at(db_path, 25)
    assert cache.get(ORIGIN) is None
    stored_at(db_path, -2)                                    # from the future: clock trouble
    assert cache.get(ORIGIN) is None
    cache.close()


def test_a_4xx_answer_is_kept_as_allow_all(tmp_path):
    db_path = tmp_path / "news.db"
    open_db(db_path).conn.close()
    cache = RobotsCache(db_path, hours=24)
    cache.put(ORIGIN, 404, b"<html>Not found</html>")
    assert cache.get(ORIGIN) == b""
    cache.close()


def test_no_database_means_no_cache_and_no_file(tmp_path):
    db_path = tmp_path / "missing.db"
    cache = RobotsCache(db_path, hours=24)
    cache.put(ORIGIN, 200, RULES)
    assert cache.get(ORIGIN) is None
    assert not db_path.exists()
    assert RobotsCache(None, hours=24).get(ORIGIN) is None


def test_an_unmigrated_database_is_left_alone(tmp_path):
    db_path = tmp_path / "other.db"
    sqlite3.connect(db_path).close()
    cache = RobotsCache(db_path, hours=24)
    cache.put(ORIGIN, 200, RULES)          # no robots_txt table: not cached, no error
    assert cache.get(ORIGIN) is None
    cache.close()
