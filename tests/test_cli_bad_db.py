"""Bad databases: every command says in one line what is wrong and what to do,
exits non-zero, and leaves the file as it was.

The files are real: a text file, random bytes, a truncated copy of a newsmon
database, one with pages in the middle overwritten, one this user may not
read, one in a read-only directory, and a path in a directory that does not
exist. Running as root, the commands run without root's permission override
(setpriv drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH), so file modes bind.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, newsmon_cmd

CONFIG = '[sources.local]\nkind = "feed"\nurls = ["http://127.0.0.1:9/feed.xml"]\nschedule = "every 1h"\n'


def newsmon_db(path: Path) -> Path:
    """A small newsmon database of many pages, its WAL folded in (one file, as a backup is)."""
    from newsmon.store.db import open_db

    db = open_db(path)
    with db.conn:
        for i in range(400):
            db.conn.execute("INSERT INTO sources (id, name, kind, urls, settings) VALUES (?, ?, 'feed', '[]', ?)",
                            [f"source-{i}", f"Source {i}", "x" * 300])
    db.conn.execute("PRAGMA journal_mode = DELETE")
    db.conn.close()
    return path


def run(*args, unprivileged=False, timeout=120) -> subprocess.CompletedProcess:
    cmd = newsmon_cmd() + [str(a) for a in args]
    if unprivileged and os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("root without setpriv: file permissions cannot bind")
        cmd = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *cmd]
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSMON_RUN_ID", "NEWSMON_DB", "NEWSMON_CONFIG")}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)


def one_line_error(proc) -> str:
    assert proc.returncode != 0, proc.stdout + proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("Error: "), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    return lines[0]


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def make_text(path: Path) -> Path:
    path.write_text("notes from the meeting\nnothing to see\n", encoding="utf-8")
    return path


def make_random(path: Path) -> Path:
    path.write_bytes(random.Random(21).randbytes(64 * 1024))
    return path


def make_truncated(path: Path) -> Path:
    good = newsmon_db(path.with_name("good.db")).read_bytes()
    path.write_bytes(good[: len(good) // 2])
    return path


def make_middle(path: Path) -> Path:
    newsmon_db(path)
    size, page = path.stat().st_size, 4096
    noise = random.Random(4).randbytes(page)
    with open(path, "r+b") as f:
        for n in range(size // page // 3, 2 * size // page // 3):
            f.seek(n * page)
            f.write(noise)
    return path


BAD = {"text": (make_text, "is not a SQLite database"),
       "random": (make_random, "is not a SQLite database"),
       "truncated": (make_truncated, "is truncated"),
       "corrupt in the middle": (make_middle, "is damaged")}

COMMANDS = {
    "status": lambda db, config: ["status", "--db", db],
    "status --json": lambda db, config: ["status", "--json", "--db", db],
    "crawl": lambda db, config: ["crawl", "local", "--config", config, "--db", db],
    "run --once": lambda db, config: ["run", "--once", "--config", config, "--db", db],
    "reprocess": lambda db, config: ["reprocess", "--db", db],
    "serve": lambda db, config: ["serve", "--db", db, "--port", "9"],
    "export": lambda db, config: ["export", "--db", db],
    "demo": lambda db, config: ["demo", "--db", db, "--port", "0"],
}


@pytest.mark.parametrize("kind", list(BAD))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_bad_file_is_one_line_and_left_alone(tmp_path, config, kind, command):
    make, message = BAD[kind]
    db = make(tmp_path / "news.db")
    before = db.read_bytes()
    line = one_line_error(run(*COMMANDS[command](db, config)))
    assert message in line and str(db) in line, line
    assert db.read_bytes() == before
    assert not Path(f"{db}-wal").exists() and not Path(f"{db}-journal").exists()


@pytest.mark.parametrize("kind", list(BAD))
def test_check_db_says_what_is_wrong_and_changes_nothing(tmp_path, kind):
    make, _ = BAD[kind]
    db = make(tmp_path / "news.db")
    before = db.read_bytes()
    proc = run("check-db", "--db", db)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    if kind in ("text", "random"):
        assert "is not a SQLite database" in one_line_error(proc)
    else:
        assert "FAIL" in proc.stdout, proc.stdout
        assert "restore it from a backup" in proc.stdout
    assert db.read_bytes() == before


def test_check_db_of_a_sound_database_and_of_an_index_out_of_step(tmp_path):
    db = newsmon_db(tmp_path / "news.db")
    proc = run("check-db", "--db", db)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in ("sqlite integrity_check", "foreign keys", "full-text indexes", "schema"):
        assert any(line.split()[0] == "ok" and name in line for line in proc.stdout.splitlines()), proc.stdout
    # an article written behind the full-text index's back: searching would miss it
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER articles_ai")
    conn.execute("INSERT INTO articles (url, source_id, title, text) "
                 "VALUES ('http://x/1', 'source-1', 'Unindexed', 'text')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    proc = run("check-db", "--db", db)
    assert proc.returncode != 0
    assert "FAIL" in proc.stdout and "articles_fts" in proc.stdout and "rebuild" in proc.stdout, proc.stdout
    assert db.read_bytes() == before


def test_an_unreadable_file(tmp_path, config):
    db = newsmon_db(tmp_path / "news.db")
    before = db.read_bytes()
    db.chmod(0)
    try:
        for command in ("status", "crawl", "check-db", "serve"):
            args = COMMANDS.get(command, lambda d, c: ["check-db", "--db", d])(db, config)
            line = one_line_error(run(*args, unprivileged=True))
            assert "cannot read" in line and "permission denied" in line, line
    finally:
        db.chmod(0o644)
    assert db.read_bytes() == before


@pytest.fixture
def read_only_dir(tmp_path):
    place = tmp_path / "media"
    place.mkdir()
    newsmon_db(place / "news.db")
    place.chmod(0o555)
    yield place
    place.chmod(0o755)


def test_a_database_in_a_read_only_directory(read_only_dir, config):
    db = read_only_dir / "news.db"
    before = db.read_bytes()
    for command in ("status", "crawl", "reprocess", "serve", "export"):
        line = one_line_error(run(*COMMANDS[command](db, config), unprivileged=True))
        assert "read-only directory" in line and "--immutable" in line, line
    assert db.read_bytes() == before
    assert sorted(p.name for p in read_only_dir.iterdir()) == ["news.db"]


def test_serve_immutable_serves_read_only_media(read_only_dir):
    db = read_only_dir / "news.db"
    before = db.read_bytes()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = newsmon_cmd() + ["serve", "--immutable", "--db", str(db), "--port", str(port)]
    if os.geteuid() == 0:
        cmd = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *cmd]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/news/sources.json?_shape=array",
                                            timeout=5) as response:
                    rows = __import__("json").loads(response.read())
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read()
                assert time.monotonic() < deadline, "datasette did not start"
                time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(20)
    assert len(rows) > 10
    assert db.read_bytes() == before
    assert sorted(p.name for p in read_only_dir.iterdir()) == ["news.db"]


def test_db_in_a_missing_directory_is_an_error(tmp_path, config):
    db = tmp_path / "no" / "such" / "dir" / "news.db"
    for args in (["crawl", "local", "--config", config, "--db", db], ["run", "--once", "--config", config, "--db", db],
                 ["demo", "--db", db, "--port", "0"]):
        line = one_line_error(run(*args))
        assert "does not exist" in line and "mkdir" in line, line
    assert not (tmp_path / "no").exists()


def test_another_programs_sqlite_file_is_not_taken_over(tmp_path, config):
    db = tmp_path / "places.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.com/')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    line = one_line_error(run("crawl", "local", "--config", config, "--db", db))
    assert "another program's SQLite database" in line and "moz_places" in line, line
    assert db.read_bytes() == before
