"""`newsmon export`: articles with the claims of their current version, as JSON Lines or CSV.

Streams: articles are read in pages of EXPORT_BATCH, their claims with one
query a page, so an archive of any size exports in constant memory.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime, timedelta

from newsmon.config import parse_interval

EXPORT_BATCH = 500
ARTICLE_COLUMNS = ["id", "url", "source_id", "title", "authors", "published_at", "published_at_source",
                   "modified_at", "language", "description", "text", "word_count", "first_seen_at",
                   "last_changed_at", "version_count", "duplicate_of", "duplicate_method"]
CLAIM_COLUMNS = ["speaker", "speaker_role", "speaker_mention", "kind", "cue", "quote", "sentence",
                 "char_start", "char_end", "claim_group_id"]


def since_time(text: str, now: datetime | None = None) -> str:
    """'2026-11-24', '2026-11-24T10:00:00Z' or a span back from now ('24h', '7d') as newsmon's UTC time text."""
    text = text.strip()
    if re.fullmatch(r"\d+\s*(s|sec|m|min|h|d)", text, re.I):
        when = (now or datetime.now(UTC)) - timedelta(seconds=parse_interval(text))
    else:
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{text!r} is not a date: use e.g. 2026-11-24, 2026-11-24T10:00:00Z or 7d") from None
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def iter_articles(db, *, source_id: str | None = None, since: str | None = None):
    """Article dicts (ARTICLE_COLUMNS, ``authors`` a list) with their ``claims``, by id."""
    where, params = [], []
    if source_id:
        where.append("source_id = ?")
        params.append(source_id)
    if since:
        where.append("(first_seen_at >= ? OR last_changed_at >= ?)")
        params += [since, since]
    sql = (f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM articles"
           + (f" WHERE {' AND '.join(where)}" if where else "") + " AND id > ? ORDER BY id LIMIT ?")
    if not where:
        sql = sql.replace(" AND id > ?", " WHERE id > ?")
    last = 0
    while True:
        rows = [dict(zip(ARTICLE_COLUMNS, r)) for r in db.execute(sql, [*params, last, EXPORT_BATCH])]
        if not rows:
            return
        claims: dict[int, list] = {r["id"]: [] for r in rows}
        ids = list(claims)
        for row in db.execute(
                f"SELECT c.article_id, {', '.join('c.' + c for c in CLAIM_COLUMNS)} FROM claims c "
                f"JOIN articles a ON a.id = c.article_id AND c.version = a.version_count "
                f"WHERE c.article_id IN ({', '.join('?' * len(ids))}) ORDER BY c.article_id, c.char_start, c.id",
                ids):
            claims[row[0]].append(dict(zip(CLAIM_COLUMNS, row[1:])))
        for r in rows:
            try:
                r["authors"] = json.loads(r["authors"]) if r["authors"] else []
            except ValueError:
                r["authors"] = [r["authors"]]
            r["claims"] = claims[r["id"]]
            yield r
        last = rows[-1]["id"]


def export_articles(db, out, *, fmt: str = "jsonl", source_id: str | None = None,
                    since: str | None = None) -> int:
    """Write the articles to the text stream ``out``; how many were written."""
    n = 0
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow([*ARTICLE_COLUMNS, "claim_count", "claims"])
        for a in iter_articles(db, source_id=source_id, since=since):
            writer.writerow([*(json.dumps(a[c], ensure_ascii=False) if c == "authors" else a[c]
                               for c in ARTICLE_COLUMNS),
                             len(a["claims"]), json.dumps(a["claims"], ensure_ascii=False)])
            n += 1
    else:
        for a in iter_articles(db, source_id=source_id, since=since):
            out.write(json.dumps(a, ensure_ascii=False) + "\n")
            n += 1
    return n
