"""`newsmon demo` is short, quiet and repeatable (issue 21, item 1).

Run twice into one database: the counts stay the same, the sample site's
URLs stay the same (its port: the one the database was made with), and every
canned query of metadata.yml has rows: claims, syndicated stories across
outlets, edited articles with diffs, source health with an alert.
"""

from __future__ import annotations

import socket
import sqlite3

import pytest
import yaml

from tests.conftest import ROOT, free_port, run_newsmon

pytestmark = pytest.mark.slow


def counts(db) -> dict:
    conn = sqlite3.connect(db)
    try:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {"articles": one("SELECT count(*) FROM articles"),
                "duplicates": one("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"),
                "versions": one("SELECT count(*) FROM article_versions"),
                "claims": one("SELECT count(*) FROM claims"),
                "claim_groups": one("SELECT count(*) FROM claim_groups"),
                "open_alerts": one("SELECT count(*) FROM alerts WHERE cleared_at IS NULL")}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def demo_twice(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "news.db"
    port = free_port()
    first = run_newsmon("demo", "--db", db, "--port", port, timeout=600)
    after_first = counts(db)
    second = run_newsmon("demo", "--db", db, timeout=600)    # no --port: the database's own
    return {"db": db, "port": port, "first": first, "second": second,
            "after_first": after_first, "after_second": counts(db)}


def test_a_fresh_demo_is_short_and_logs_no_error(demo_twice):
    proc = demo_twice["first"]
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    out = proc.stdout + proc.stderr
    lines = out.splitlines()
    assert len(lines) < 80, out           # ~490 lines of Scrapy INFO before
    for noise in ("ERROR", "Traceback", "Overridden settings", "Dumping Scrapy stats", "INFO"):
        assert noise not in out, out
    assert "pass 1 of 2" in out and "pass 2 of 2: 2 articles edited" in out
    assert "gazette: failed" in out and "expected: the sample Gazette's feed is gone" in out
    assert f"sample news site at http://127.0.0.1:{demo_twice['port']}" in out
    assert "open it with:  newsmon serve --db" in proc.stdout


def test_a_second_demo_adds_nothing(demo_twice):
    proc = demo_twice["second"]
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert f"http://127.0.0.1:{demo_twice['port']}" in proc.stderr      # the same site, the same URLs
    assert demo_twice["after_second"] == demo_twice["after_first"]
    assert demo_twice["after_first"]["articles"] >= 25 and demo_twice["after_first"]["open_alerts"] == 1
    conn = sqlite3.connect(demo_twice["db"])
    urls = [r[0] for r in conn.execute("SELECT url FROM articles")]
    assert all(u.startswith(f"http://127.0.0.1:{demo_twice['port']}/") for u in urls)


def test_every_canned_query_shows_demo_data(demo_twice):
    queries = yaml.safe_load((ROOT / "metadata.yml").read_text())["databases"]["news"]["queries"]
    conn = sqlite3.connect(demo_twice["db"])
    conn.row_factory = sqlite3.Row
    group = conn.execute("SELECT id FROM claim_groups WHERE article_count > 1 ORDER BY article_count DESC").fetchone()
    assert group, "no claim reported by several articles"
    params = {"speaker": "Putin", "claim_group_id": group[0], "search": "Putin"}
    for name, query in queries.items():
        rows = conn.execute(query["sql"], params).fetchall()
        assert rows, f"canned query {name} is empty on the demo database"
    syndicated = conn.execute("SELECT * FROM duplicate_clusters WHERE outlets > 1").fetchall()
    assert syndicated and all(r["first_source"] not in (r["also_run_by"] or "").split(",") for r in syndicated)
    edits = conn.execute("SELECT diff FROM article_versions WHERE version > 1").fetchall()
    assert len(edits) == 2 and all(r["diff"] for r in edits)
    alert = conn.execute("SELECT source_id, kind FROM alerts WHERE cleared_at IS NULL").fetchall()
    assert [tuple(a) for a in alert] == [("gazette", "failing")]


def test_a_taken_port_is_said_in_one_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_newsmon("demo", "--db", tmp_path / "news.db", "--port", port, timeout=120)
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and f"port {port} is taken" in lines[0], proc.stderr
    assert not (tmp_path / "news.db").exists()
