"""`newsmon check-db`: SQLite's integrity check and newsmon's own, without changing the file.

Each check is a :class:`Check` (name, ok, what was found, what to do). The
header and SQLite's ``integrity_check`` run on a read-only connection; the
full-text check is FTS5's ``integrity-check`` command, an INSERT that
changes nothing, run in a transaction that is rolled back, and only on a
database the first checks found sound.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from newsmon.store.db import (
    BUSY_TIMEOUT_MS,
    DatabaseProblem,
    _check_header,
    _header,
    fts_out_of_step,
    sqlite_findings,
)
from newsmon.store.schema import FTS, SCHEMA_VERSION


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""
    todo: str = ""


def _recover(path: Path) -> str:
    return f"restore it from a backup; `sqlite3 {path} .recover` may save what is readable"


def _ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)


def check_database(path: str | Path) -> list[Check]:
    """Every check of the database at ``path``, in order; raises DatabaseProblem for a
    file that is not a SQLite database at all (nothing else to check)."""
    path = Path(path)
    if not path.is_file():
        raise DatabaseProblem(f"no database at {path}")
    head = _header(path)
    size = path.stat().st_size
    checks = []
    try:
        _check_header(path, head, size)
        checks.append(Check("file", True, f"{size / 1e6:.1f} MB, SQLite"))
    except DatabaseProblem as e:
        if "not a SQLite database" in str(e):
            raise
        checks.append(Check("file", False, str(e).split(": restore")[0],
                            _recover(path)))
    sound = checks[0].ok
    try:
        conn = _ro(path)
    except sqlite3.Error as e:
        raise DatabaseProblem(f"cannot open {path} (SQLite: {e})") from None
    try:
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
        except sqlite3.DatabaseError as e:
            problems = [str(e)]
            version = None
        if problems == ["ok"]:
            checks.append(Check("sqlite integrity_check", True, "ok"))
        else:
            sound = False
            shown = sqlite_findings(problems, 3)
            checks.append(Check("sqlite integrity_check", False, shown,
                                _recover(path)))
        if version is not None:
            if version == SCHEMA_VERSION:
                checks.append(Check("schema", True, f"version {version}"))
            elif version < SCHEMA_VERSION:
                checks.append(Check("schema", True, f"version {version}, migrated to {SCHEMA_VERSION} "
                                                    "the next time newsmon writes to it"))
            else:
                checks.append(Check("schema", False, f"version {version}, made by a newer newsmon "
                                                     f"(this one knows {SCHEMA_VERSION})", "upgrade newsmon"))
        if sound:
            try:
                missing = [r[0] for r in conn.execute("PRAGMA foreign_key_check")]
                broken = sorted(set(missing))
                checks.append(Check("foreign keys", not missing,
                                    "ok" if not missing else
                                    f"{len(missing)} rows point to rows that do not exist (in {', '.join(broken)})",
                                    "" if not missing else "restore from a backup, or delete the dangling rows"))
            except sqlite3.DatabaseError as e:
                checks.append(Check("foreign keys", False, str(e)))
    finally:
        conn.close()
    if sound:
        checks.append(_fts_check(path))
    return checks


def _fts_check(path: Path) -> Check:
    tables = [f"{name}_fts" for name in FTS]
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)   # no pragmas: nothing to change
    try:
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        tables = [t for t in tables if t in present]
        if not tables:
            return Check("full-text indexes", True, "none yet")
        bad = [t for t in fts_out_of_step(conn) if t in tables]
        pending = conn.execute("SELECT count(*) FROM fts_pending").fetchone()[0] \
            if "fts_pending" in present else 0
    except sqlite3.DatabaseError as e:
        return Check("full-text indexes", False, str(e))
    finally:
        conn.close()
    if bad:
        fix = "; ".join(f"INSERT INTO {t}({t}) VALUES('rebuild')" for t in bad)
        return Check("full-text indexes", False, f"{', '.join(bad)} out of step with their tables",
                     f"rebuild with sqlite3: {fix}")
    if pending:
        fix = "; ".join(f"INSERT INTO {t}({t}) VALUES('rebuild')" for t in tables)
        return Check("full-text indexes", False, f"{pending} rows wait in fts_pending outside a transaction "
                     "(not searchable)", f"rebuild with sqlite3: {fix}; DELETE FROM fts_pending")
    return Check("full-text indexes", True, f"{', '.join(tables)} in step with their tables")
