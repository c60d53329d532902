"""check-source: the real crawl of one source into a throwaway database, and what looks wrong in its articles."""

from __future__ import annotations

import re
import shutil
import sqlite3
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from newsmon.config import Source
from newsmon.runner import format_summary, run_crawl
from newsmon.store.db import open_db
from newsmon.store.queries import upsert_sources

# ---------------------------------------------------------------------------
# check-source: a dry run of the real crawl


JUNK_WORDS = re.compile(
    r"\b(?:loading|subscribe|sign up|newsletter|cookies?|advertisement|share|read more|also read|"
    r"related|follow us|copyright|all rights reserved|click here|comments?)\b|©|^\W", re.I)
SHORT_TEXT_WORDS = 150
JUNK_LINE_MAX_WORDS = 10


def article_problems(article: dict) -> list[str]:
    """What looks wrong with a stored article: no date, short text, junk-looking lines."""
    from newsmon.extract.lines import is_sentence

    problems = []
    if not article.get("published_at"):
        problems.append("no publication date found")
    if not article.get("title"):
        problems.append("no title")
    words = article.get("word_count") or len((article.get("text") or "").split())
    if words < SHORT_TEXT_WORDS:
        problems.append(f"very short text ({words} words): a teaser or a partly extracted page?")
    lines = [ln.strip() for ln in (article.get("text") or "").split("\n") if ln.strip()]
    suspects = []
    for i, line in enumerate(lines):
        if line.startswith("- ") or is_sentence(line) or len(line.split()) > JUNK_LINE_MAX_WORDS:
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        heading = nxt and is_sentence(nxt) and len(nxt.split()) > len(line.split()) and i > 0 \
            and not JUNK_WORDS.search(line) and not line.endswith(":")
        edge = i == 0 or i == len(lines) - 1
        if not heading or edge or line.isupper():
            suspects.append(line)
    if suspects:
        shown = "; ".join(repr(s[:60]) for s in suspects[:4])
        more = f" and {len(suspects) - 4} more" if len(suspects) > 4 else ""
        problems.append(f"junk lines suspected (short, not sentences): {shown}{more}")
    return problems


@dataclass
class DryRun:
    source: Source
    pages: list[dict]            # url, status, drop_reason, article (dict|None), claims (list)
    summary: str                 # runner.format_summary of the crawl
    status: str
    log_tail: list[str]
    warnings: list[str] = field(default_factory=list)   # deprecation warnings of the crawl
    log: list[str] = field(default_factory=list)        # the crawl's whole log (show_log)

    @property
    def usable(self) -> list[dict]:
        return [p for p in self.pages if p["article"] and not p["drop_reason"]]


def dry_run(source: Source, config, limit: int = 5, timeout: float = 600, *,
            log_copy: Path | None = None, show_log: bool = False) -> DryRun:
    """Crawl ``source`` with the real spider and pipelines into a temporary database.

    At most ``limit`` article pages are fetched (NEWSMON_MAX_PAGES); the
    user's database is never opened. The crawl's log is appended to
    ``log_copy`` if given, and kept whole in the result with ``show_log``. Returns what the crawl stored.
    """

    tmp = Path(tempfile.mkdtemp(prefix="newsmon-check-"))
    try:
        db_path = tmp / "check.db"
        db = open_db(db_path)
        upsert_sources(db, [source])
        db.conn.close()
        log_path = tmp / "crawl.log"
        with open(log_path, "wb") as log:
            # a dry run raises no alert and posts nothing to the webhook
            result = run_crawl(source, config.path, db_path, timeout=timeout, log_file=log, health=False,
                               extra_settings={"NEWSMON_MAX_PAGES": limit, "NEWSMON_WORKERS": 1,
                                               "LOGSTATS_INTERVAL": 0, "NEWSMON_HEALTH_CHECKS": False})
        log_text = log_path.read_text(encoding="utf-8", errors="replace")
        if log_copy is not None:
            with open(log_copy, "a", encoding="utf-8") as f:
                f.write(log_text)
        log_lines = log_text.splitlines()
        tail = [ln for ln in log_lines if " WARNING" in ln or " ERROR" in ln or "Traceback" in ln][-15:]
        warnings = [ln for ln in log_lines if "DeprecationWarning" in ln]
        pages = _read_dry_run(db_path)
        return DryRun(source, pages, format_summary(result), result.status, tail, warnings,
                      log_lines if show_log else [])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_dry_run(db_path: Path) -> list[dict]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        pages = [dict(r) for r in conn.execute(
            "SELECT url, status, drop_reason, article_id, fetched_at FROM pages ORDER BY rowid")]
        articles = {r["id"]: dict(r) for r in conn.execute("SELECT * FROM articles")}
        claims = defaultdict(list)
        for r in conn.execute("SELECT article_id, speaker, kind, quote FROM claims ORDER BY id"):
            claims[r["article_id"]].append(dict(r))
    finally:
        conn.close()
    out = []
    seen_articles = set()
    for p in pages:
        article = articles.get(p["article_id"]) if p["article_id"] else None
        seen_articles.add(p["article_id"])
        out.append({"url": p["url"], "status": p["status"], "drop_reason": p["drop_reason"],
                    "article": article, "claims": claims.get(p["article_id"], []) if article else []})
    for aid, article in articles.items():   # stored without a pages row (NEWSMON_STORE_HTML off)
        if aid not in seen_articles:
            out.append({"url": article["url"], "status": 200, "drop_reason": None,
                        "article": article, "claims": claims.get(aid, [])})
    return out


def first_lines(text: str, n: int = 3, width: int = 100) -> list[str]:
    out = []
    for line in (text or "").split("\n"):
        line = line.strip()
        if not line:
            continue
        out.append(line if len(line) <= width else line[: width - 1].rstrip() + "…")
        if len(out) >= n:
            break
    return out
