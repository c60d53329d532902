"""Store one analysed page: the dedupe decision, edit tracking and claims.

This is the single write path of newsmon: the Scrapy StorePipeline, `newsmon
reprocess` and the distributed ingest process all call :func:`ingest_pages`;
every row of articles, article_versions, claims, speakers and claim_groups is
written here. The keys it stores (text hash, MinHash slots, speaker and
statement keys) come with the analysis (newsmon.analysis), computed once.
Everything one page changes is written in one transaction, so a crawl
killed at any moment leaves no article without its version and no claim
without its article.

Outcomes, as counted in the crawl summary:
- ``new``        a story seen for the first time
- ``duplicate``  stored, but pointing to the first-seen article
                 (``duplicate_method`` url | exact | near)
- ``updated``    a known article whose text changed: a new version + diff
- ``unchanged``  a known article refetched with the same text
- ``dropped``    not an article (the page is kept with its reason)

A reanalysis of a stored page (``newsmon reprocess``) is ``changed``,
``claims``, ``unchanged`` or ``lost`` (see :func:`_reanalyse`).
"""

from __future__ import annotations

import json
import logging
import sqlite3

import sqlite_utils

from newsmon import dedupe
from newsmon.htmlblob import compress_html
from newsmon.store.db import insert_row, update_row, upsert_row, write_transaction
from newsmon.times import utcnow

log = logging.getLogger(__name__)

OUTCOMES = ("new", "updated", "unchanged", "duplicate", "dropped", "error")


def _article_for_urls(db: sqlite_utils.Database, urls) -> dict | None:
    for url in urls:
        if not url:
            continue
        row = db.execute(
            "SELECT a.* FROM article_urls u JOIN articles a ON a.id = u.article_id WHERE u.url = ?",
            [url]).fetchone()
        if row is None:
            row = db.execute("SELECT * FROM articles WHERE url = ?", [url]).fetchone()
        if row is not None:
            cols = [d[0] for d in db.execute("SELECT * FROM articles LIMIT 0").description]
            return dict(zip(cols, row))
    return None


def _add_urls(db, article_id: int, urls, method: str, now: str) -> None:
    for url in dict.fromkeys(u for u in urls if u):
        db.execute(
            "INSERT OR IGNORE INTO article_urls (url, article_id, method, first_seen_at) VALUES (?, ?, ?, ?)",
            [url, article_id, method, now])


def _root(db, article_id: int) -> int:
    """Follow duplicate_of to the first-seen article (chains stay one level deep)."""
    row = db.execute("SELECT duplicate_of FROM articles WHERE id = ?", [article_id]).fetchone()
    return row[0] if row and row[0] else article_id


_CLAIM_COLUMNS = ("article_id", "version", "speaker", "speaker_id", "speaker_role", "speaker_mention",
                  "cue", "kind", "quote", "sentence", "char_start", "char_end", "claim_group_id")
# A page's claims go in with one INSERT statement, not one each: ~0.1 ms a page less
# for the crawl's writer thread (0.45 ms before full-text indexing waited for the
# commit, see newsmon.store.db: FTS5 flushed a segment at each statement).
_CLAIM_ROW = f"({', '.join('?' * len(_CLAIM_COLUMNS))})"
_INSERT_CLAIMS = f"INSERT INTO claims ({', '.join(_CLAIM_COLUMNS)}) VALUES "
_CLAIMS_PER_INSERT = 500    # 6,500 parameters, under SQLite's 32,766
# what a reanalysis compares to tell "claims changed" from "unchanged"
_CLAIM_FIELDS = ("speaker", "speaker_role", "speaker_mention", "cue", "kind", "quote",
                 "sentence", "char_start", "char_end")


def _speaker_id(db, claim: dict, key: str, now: str) -> int:
    """The speakers row of a claim's speaker, found by key, or by surname for a bare one.

    One person across outlets: "Peskov" joins the one person whose full name ends
    with that surname ("Dmitry Peskov"), and a new full name adopts a bare-surname
    row it alone can be. Precision first: a bare surname that two full names share
    ("Smith": Jane and John) stays a row of its own, and two full names are never
    merged (speaker_key strips titles, so "Kremlin spokesman Dmitry Peskov" is
    "Dmitry Peskov" already).
    """
    name = claim["speaker"]
    row = db.conn.execute("SELECT id, aliases FROM speakers WHERE key = ?", [key]).fetchone()
    mention = claim.get("speaker_mention")
    person = claim.get("speaker_type") in ("person", None)
    if row is None and person and " " in key:
        row = _same_full_name(db, key)   # "James Comey" is "James B. Comey"
        if row is not None and name != row[2]:
            _add_alias(db, row[0], row[1], name)
            row = db.conn.execute("SELECT id, aliases FROM speakers WHERE id = ?", [row[0]]).fetchone()
    if row is None and person and " " not in key:
        row = _only_person_with_surname(db, key)
        if row is not None:
            mention = mention or name
            if name != mention:  # the bare name is an alias too
                _add_alias(db, row[0], row[1], name)
                row = db.conn.execute("SELECT id, aliases FROM speakers WHERE id = ?", [row[0]]).fetchone()
    if row is None:
        aliases = sorted({mention} - {name, None}) if mention and mention[0].isupper() else []
        speaker_id = db.conn.execute(
            "INSERT INTO speakers (key, name, kind, aliases, first_seen_at) VALUES (?, ?, ?, ?, ?)",
            [key, name, claim.get("speaker_type"), json.dumps(aliases), now]).lastrowid
        if claim.get("speaker_type") == "person" and " " in key:
            _adopt_bare_surname(db, speaker_id, key, now)
        return speaker_id
    speaker_id, aliases_json = row
    if mention and mention != name and mention[0].isupper() and mention.lower() not in ("he", "she", "they"):
        _add_alias(db, speaker_id, aliases_json, mention)
    if claim.get("speaker_type") == "organisation":  # an article showed it ("a spokesperson for …")
        db.conn.execute("UPDATE speakers SET kind = 'organisation' WHERE id = ? AND kind IS NOT 'organisation'",
                        [speaker_id])
    return speaker_id


def _add_alias(db, speaker_id: int, aliases_json: str | None, alias: str) -> None:
    aliases = set(json.loads(aliases_json or "[]"))
    if alias not in aliases:
        db.conn.execute("UPDATE speakers SET aliases = ? WHERE id = ?", [json.dumps(sorted(aliases | {alias})), speaker_id])


def _people_with_surname(db, surname: str) -> list:
    """(id, aliases) of the people whose full name ends with `surname` (a speaker key's last word)."""
    return db.conn.execute("SELECT id, aliases FROM speakers WHERE kind = 'person' AND key LIKE ?",
                           ["% " + surname.replace("%", "").replace("_", "")]).fetchall()


def _same_full_name(db, key: str):
    """(id, aliases, name) of the one person whose full name is this one with a middle name
    or initial more or fewer ('James Comey', 'James B. Comey'); None when none or several
    ('George Bush' could be George H. W. or George W.)."""
    words = key.split()
    found = [r for r in db.conn.execute(
        "SELECT id, aliases, name, key FROM speakers WHERE kind = 'person' AND key LIKE ?",
        [words[0].replace("%", "").replace("_", "") + " % " + words[-1].replace("%", "").replace("_", "")]).fetchall()]
    found += [r for r in db.conn.execute(
        "SELECT id, aliases, name, key FROM speakers WHERE kind = 'person' AND key = ?",
        [f"{words[0]} {words[-1]}"]).fetchall()] if len(words) > 2 else []
    # one of the two is first name and surname alone, the other adds middle names
    same = [r for r in found if len(r[3].split()) == 2 or len(words) == 2]
    return same[0][:3] if len(same) == 1 else None


def _only_person_with_surname(db, surname: str):
    people = _people_with_surname(db, surname)
    return people[0] if len(people) == 1 else None


def _adopt_bare_surname(db, speaker_id: int, key: str, now: str) -> None:
    """A new full name takes over the row of its bare surname when it is the only one it can be;
    when it is the second full name with that surname, the bare surname's claims are again
    a speaker of their own (they could be either person's)."""
    surname = key.rsplit(" ", 1)[1]
    people = _people_with_surname(db, surname)
    bare = db.conn.execute("SELECT id, name, aliases FROM speakers WHERE key = ? AND (kind = 'person' OR kind IS NULL)",
                           [surname]).fetchone()
    if len(people) == 1:
        if bare is not None:
            _move_speaker(db, bare[0], speaker_id)
        return
    # a second full name: claims that named only the surname no longer tell which person
    ids = [p[0] for p in people if p[0] != speaker_id]
    marks = ",".join("?" * len(ids))
    rows = db.conn.execute(f"SELECT id, speaker FROM claims WHERE speaker_id IN ({marks}) AND lower(speaker) = ?",
                           [*ids, surname]).fetchall()
    if not rows:
        return
    if bare is None:
        bare_id = db.conn.execute(
            "INSERT INTO speakers (key, name, kind, aliases, first_seen_at) VALUES (?, ?, 'person', '[]', ?)",
            [surname, rows[0][1], now]).lastrowid
    else:
        bare_id = bare[0]
    claim_ids = [r[0] for r in rows]
    cmarks = ",".join("?" * len(claim_ids))
    db.conn.execute(f"UPDATE claims SET speaker_id = ? WHERE id IN ({cmarks})", [bare_id, *claim_ids])
    db.conn.execute(f"UPDATE claim_groups SET speaker_id = ? WHERE id IN (SELECT claim_group_id FROM claims "
                    f"WHERE id IN ({cmarks})) AND speaker_id IN ({marks})", [bare_id, *claim_ids, *ids])
    for pid, aliases_json in people:
        aliases = [a for a in json.loads(aliases_json or "[]") if a.lower() != surname]
        db.conn.execute("UPDATE speakers SET aliases = ? WHERE id = ?", [json.dumps(aliases), pid])


def _move_speaker(db, from_id: int, to_id: int) -> None:
    """Every claim of one speakers row to another, its name and aliases kept as aliases."""
    name, aliases_json = db.conn.execute("SELECT name, aliases FROM speakers WHERE id = ?", [from_id]).fetchone()
    db.conn.execute("UPDATE claims SET speaker_id = ? WHERE speaker_id = ?", [to_id, from_id])
    db.conn.execute("UPDATE claim_groups SET speaker_id = ? WHERE speaker_id = ?", [to_id, from_id])
    db.conn.execute("DELETE FROM speakers WHERE id = ?", [from_id])
    for alias in sorted({name, *json.loads(aliases_json or "[]")}):
        row = db.conn.execute("SELECT aliases FROM speakers WHERE id = ?", [to_id]).fetchone()
        _add_alias(db, to_id, row[0], alias)


def is_generic_speaker(claim: dict) -> bool:
    """A group or an organisation named by a common noun ('economists', 'the council'):
    one article's, not a speaker to follow across articles."""
    name = claim.get("speaker") or ""
    return claim.get("speaker_type") in ("group", "unnamed") or name[:1].islower()


def _claim_group_id(db, claim: dict, key: str, speaker_id: int, article_id: int, now: str) -> int:
    """The statement's group (created on first sight; its article_count is set by write_claims)."""
    row = db.conn.execute("SELECT id FROM claim_groups WHERE key = ?", [key]).fetchone()
    if row is not None:
        return row[0]
    return db.conn.execute(
        "INSERT INTO claim_groups (key, speaker_id, speaker, quote, first_seen_at, first_article_id, "
        "article_count) VALUES (?, ?, ?, ?, ?, ?, 0)",
        [key, speaker_id, claim["speaker"], claim["quote"], now, article_id]).lastrowid


def write_claims(db, article_id: int, version: int, claims: list[dict], keys: list, now: str) -> None:
    """The claims of one article version, replacing any it had (caller owns the transaction).

    ``keys``: ``[speaker_key, claim_key]`` of each claim, as the analysis computed
    them (newsmon.analysis.page_fingerprint). Each claim group these claims join or
    leave gets its true article_count (the articles with a claim in it); a group no
    article reports any more is deleted.
    """
    if len(keys) != len(claims):
        raise ValueError(f"{len(claims)} claims but {len(keys)} claim keys: the analysis computes one pair a claim")
    touched = {r[0] for r in db.execute(
        "SELECT DISTINCT claim_group_id FROM claims WHERE article_id = ? AND version = ? "
        "AND claim_group_id IS NOT NULL", [article_id, version])}
    if touched or db.execute("SELECT 1 FROM claims WHERE article_id = ? AND version = ? LIMIT 1",
                             [article_id, version]).fetchone():
        db.execute("DELETE FROM claims WHERE article_id = ? AND version = ?", [article_id, version])
    rows = []
    for claim, (speaker, group) in zip(claims, keys):
        speaker_id = group_id = None
        if claim.get("speaker"):    # an unattributed quote is not "the same statement by the same speaker"
            if not is_generic_speaker(claim):  # "the council" of one article is not another's
                speaker_id = _speaker_id(db, claim, speaker, now)
            group_id = _claim_group_id(db, claim, group, speaker_id, article_id, now)
            touched.add(group_id)
        row = dict(claim, article_id=article_id, version=version, speaker_id=speaker_id,
                   claim_group_id=group_id)
        rows.append([row.get(c) for c in _CLAIM_COLUMNS])
    for i in range(0, len(rows), _CLAIMS_PER_INSERT):
        chunk = rows[i:i + _CLAIMS_PER_INSERT]
        db.conn.execute(_INSERT_CLAIMS + ", ".join([_CLAIM_ROW] * len(chunk)), [v for r in chunk for v in r])
    if touched:
        marks = ",".join("?" * len(touched))
        db.execute(f"UPDATE claim_groups SET article_count = (SELECT count(DISTINCT article_id) FROM claims "
                   f"WHERE claim_group_id = claim_groups.id) WHERE id IN ({marks})", list(touched))
        db.execute(f"DELETE FROM claim_groups WHERE id IN ({marks}) AND article_count = 0", list(touched))


def _article_fields(article: dict) -> dict:
    return {
        "title": article.get("title"),
        "authors": json.dumps(article.get("authors") or []),
        "published_at": article.get("published_at"),
        "published_at_source": article.get("published_at_source"),
        "modified_at": article.get("modified_at"),
        "sitename": article.get("sitename"),
        "language": article.get("language"),
        "description": article.get("description"),
        "text": article["text"],
        "word_count": article.get("word_count") or len(article["text"].split()),
    }


def _fingerprint(rec: dict) -> dict:
    """The analysis' keys of an article page; a page analysed without them is refused."""
    fingerprint = rec.get("fingerprint")
    if not fingerprint or not fingerprint.get("text_hash") or fingerprint.get("minhash") is None:
        raise ValueError("an article without its fingerprint: analyse pages with newsmon.analysis.analyze_page")
    return fingerprint


def ingest_pages(db: sqlite_utils.Database, index: dedupe.NearDuplicateIndex, recs: list[dict], *,
                 run_id: int | None = None, store_html: bool = True) -> list[dict]:
    """Write analysed pages in one transaction; one result dict per page.

    ``rec`` holds: source_id, url (the canonical request URL), final_url,
    fetched_at, status, content_type, encoding, html, feed_published,
    feed_updated, etag, last_modified, not_modified (a 304), and from the
    analysis (newsmon.analysis.analyze_page): article (or None), drop_reason,
    claims, fingerprint. A rec with ``reanalysis`` (an article id) is a new
    analysis of that article's stored page: see :func:`_reanalyse`.

    Each page gets its own savepoint: a page that fails is rolled back alone
    and reported as ``{"outcome": "error", ...}``; a database that fails
    (disk full, read-only) raises, and nothing of the batch is committed.
    A stored article's result lists the URLs it is now known under (``urls``).
    """
    results = []
    with write_transaction(db):
        for rec in recs:
            db.execute("SAVEPOINT page")
            try:
                now = rec.get("fetched_at") or utcnow()
                if rec.get("reanalysis"):
                    result = _reanalyse(db, index, rec, utcnow())
                else:
                    result = _ingest(db, index, rec, now, run_id, store_html)
            except sqlite3.IntegrityError as e:
                db.execute("ROLLBACK TO page")
                result = {"outcome": "error", "reason": f"integrity: {e}"}
            except sqlite3.Error:
                raise  # the database itself failed (disk full, read-only): the batch fails
            except Exception as e:
                log.exception("could not ingest %s", rec.get("url"))
                db.execute("ROLLBACK TO page")
                result = {"outcome": "error", "reason": f"{type(e).__name__}: {e}"}
            db.execute("RELEASE page")
            results.append(result)
    return results


def ingest_page(db: sqlite_utils.Database, index: dedupe.NearDuplicateIndex, rec: dict, *,
                run_id: int | None = None, store_html: bool = True) -> dict:
    """Write one analysed page; see :func:`ingest_pages`."""
    return ingest_pages(db, index, [rec], run_id=run_id, store_html=store_html)[0]


def _ingest(db, index, rec, now, run_id, store_html) -> dict:
    article = rec.get("article")
    page = {
        "url": rec["url"], "source_id": rec["source_id"], "run_id": run_id,
        "fetched_at": now, "status": rec.get("status"),
        "content_type": rec.get("content_type"), "encoding": rec.get("encoding"),
        "feed_published": rec.get("feed_published"),
        "feed_updated_at": rec.get("feed_updated"), "drop_reason": rec.get("drop_reason"),
    }
    if rec.get("not_modified"):
        known = _article_for_urls(db, [rec["url"]])
        if known is None:
            return {"outcome": "dropped", "reason": "not_modified_unknown"}
        update_row(db, "articles", known["id"], {"last_seen_at": now, "last_fetched_at": now,
                                                 "feed_updated_at": rec.get("feed_updated") or known["feed_updated_at"]})
        return {"outcome": "unchanged", "article_id": known["id"]}
    if store_html and rec.get("html") is not None:
        page["html"] = rec["html"]
    if rec.get("drop_reason") or not article:
        page["drop_reason"] = rec.get("drop_reason") or "no_article"
        save_page(db, page)
        return {"outcome": "dropped", "reason": page["drop_reason"]}

    declared = dedupe.pick_canonical(rec.get("final_url") or rec["url"], article.get("canonical_url"))
    seen_urls = [declared, rec["url"], dedupe.canonicalize_url(rec.get("final_url") or rec["url"])]
    text = article["text"]
    fingerprint = _fingerprint(rec)
    digest = fingerprint["text_hash"]
    known = _article_for_urls(db, seen_urls)
    fields = _article_fields(article)
    validators = {"etag": rec.get("etag"), "last_modified": rec.get("last_modified")}

    if known is not None:
        article_id = known["id"]
        page["article_id"] = article_id
        save_page(db, page)
        # fetched under a URL it was already stored under: a refetch, not another copy
        refetch = rec["url"] == known["url"] or db.execute(
            "SELECT 1 FROM article_urls WHERE url = ? AND article_id = ?", [rec["url"], article_id]).fetchone()
        _add_urls(db, article_id, seen_urls, "url", now)
        base = {"last_seen_at": now, "last_fetched_at": now, "final_url": rec.get("final_url"),
                "feed_updated_at": rec.get("feed_updated") or known["feed_updated_at"], **validators}
        if known["text_hash"] == digest:
            update_row(db, "articles", article_id, base)
            outcome = "unchanged" if refetch else "duplicate"
            return {"outcome": outcome, "article_id": article_id, "method": "url", "urls": _urls(db, article_id)}
        version = (known["version_count"] or 1) + 1
        diff = dedupe.text_diff(known["text"] or "", text,
                                f"version {version - 1}", f"version {version}")
        update_row(db, "articles", article_id, base | fields | {
            "text_hash": digest, "version_count": version, "last_changed_at": now})
        insert_row(db, "article_versions", {
            "article_id": article_id, "version": version, "fetched_at": now,
            "run_id": run_id, "title": article.get("title"), "text": text,
            "text_hash": digest, "diff": diff})
        if not known["duplicate_of"]:
            index.remove(article_id)
            index.add(article_id, fingerprint["minhash"])
        write_claims(db, article_id, version, rec.get("claims") or [], fingerprint["claim_keys"], now)
        return {"outcome": "updated", "article_id": article_id, "version": version, "urls": _urls(db, article_id)}

    # a story not stored under any of its URLs: exact, then near duplicate?
    duplicate_of, method, similarity = None, None, None
    row = db.execute(
        "SELECT id FROM articles WHERE text_hash = ? ORDER BY id LIMIT 1", [digest]).fetchone()
    signature = fingerprint["minhash"]
    if row:
        duplicate_of, method, similarity = _root(db, row[0]), "exact", 1.0
    else:
        matches = index.query(signature)
        if matches:
            best, similarity = matches[0]
            duplicate_of, method = _root(db, best), "near"
    article_id = insert_row(db, "articles", {
        "url": declared, "source_id": rec["source_id"], **fields, "text_hash": digest,
        "first_seen_at": now, "last_seen_at": now, "last_fetched_at": now,
        "last_changed_at": now, "version_count": 1, "duplicate_of": duplicate_of,
        "duplicate_method": method,
        "duplicate_similarity": round(similarity, 4) if similarity is not None else None,
        "final_url": rec.get("final_url"), "feed_updated_at": rec.get("feed_updated"),
        **validators,
    })
    insert_row(db, "article_versions", {
        "article_id": article_id, "version": 1, "fetched_at": now, "run_id": run_id,
        "title": article.get("title"), "text": text, "text_hash": digest, "diff": None})
    _add_urls(db, article_id, seen_urls, "url", now)
    page["article_id"] = article_id
    save_page(db, page)
    if duplicate_of is None:
        index.add(article_id, signature)
    if duplicate_of is None:  # a copy must not teach the learner the story's own lines
        count_site_lines(db, rec["source_id"], article.get("site_line_candidates") or [], now)
    write_claims(db, article_id, 1, rec.get("claims") or [], fingerprint["claim_keys"], now)
    if duplicate_of is not None:
        return {"outcome": "duplicate", "article_id": article_id, "method": method,
                "duplicate_of": duplicate_of, "similarity": similarity, "urls": _urls(db, article_id)}
    return {"outcome": "new", "article_id": article_id, "urls": _urls(db, article_id)}


def _urls(db, article_id: int) -> list[str]:
    return [r[0] for r in db.execute("SELECT url FROM article_urls WHERE article_id = ?", [article_id])]


def _reanalyse(db, index, rec: dict, now: str) -> dict:
    """A new analysis of a stored article's page (``rec["reanalysis"]``: its id) rewrites its
    current version in place: a change that comes from newsmon, not from the publisher,
    is not an edit and makes no new version.

    Outcomes: ``changed`` (text or metadata rewritten; also when the stored text was
    damaged and its hash no longer matches), ``claims`` (same text, claims rewritten),
    ``unchanged``, or ``lost`` (the page is no longer an article: kept as it was).
    """
    article_id = rec["reanalysis"]
    if rec.get("drop_reason") or not rec.get("article"):
        return {"outcome": "lost", "article_id": article_id, "reason": rec.get("drop_reason") or "no_article"}
    article = rec["article"]
    fingerprint = _fingerprint(rec)
    fields = _article_fields(article)
    digest = fingerprint["text_hash"]
    cols = list(fields) + ["text_hash", "version_count", "duplicate_of"]
    row = dict(zip(cols, db.execute(f"SELECT {', '.join(cols)} FROM articles WHERE id = ?",
                                    [article_id]).fetchone()))
    version = row["version_count"] or 1
    stored_version = db.execute("SELECT text, text_hash, title FROM article_versions "
                                "WHERE article_id = ? AND version = ?", [article_id, version]).fetchone()
    text_changed = (row["text"] != article["text"] or row["text_hash"] != digest
                    or stored_version is None or tuple(stored_version) != (article["text"], digest, fields["title"]))
    meta_changed = any(row[k] != v for k, v in fields.items())
    claims = rec.get("claims") or []
    stored_claims = db.execute(f"SELECT {', '.join(_CLAIM_FIELDS)} FROM claims WHERE article_id = ? AND version = ? "
                               "ORDER BY id", [article_id, version]).fetchall()
    claims_changed = stored_claims != [tuple(c.get(k) for k in _CLAIM_FIELDS) for c in claims]
    if text_changed or meta_changed:
        update_row(db, "articles", article_id, fields | {"text_hash": digest})
        if stored_version is not None:
            db.execute("UPDATE article_versions SET text = ?, text_hash = ?, title = ? "
                       "WHERE article_id = ? AND version = ?",
                       [article["text"], digest, fields["title"], article_id, version])
        if text_changed and not row["duplicate_of"]:
            index.remove(article_id)
            index.add(article_id, fingerprint["minhash"])
    if claims_changed:
        write_claims(db, article_id, version, claims, fingerprint["claim_keys"], now)
    outcome = "changed" if text_changed or meta_changed else "claims" if claims_changed else "unchanged"
    return {"outcome": outcome, "article_id": article_id}


def save_page(db: sqlite_utils.Database, page: dict) -> None:
    """Keep the latest raw HTML of a fetched URL (caller owns the transaction)."""
    row = dict(page)
    html = row.pop("html", None)
    if html is not None:
        row["html"] = compress_html(html)
        row["html_size"] = len(html)
    old = db.execute("SELECT first_fetched_at FROM pages WHERE url = ?", [row["url"]]).fetchone()
    row["first_fetched_at"] = old[0] if old and old[0] else row.get("fetched_at")
    upsert_row(db, "pages", row, "url")


def count_site_lines(db: sqlite_utils.Database, site: str, keys, now: str) -> None:
    """Count a new page's short lines (caller owns the transaction)."""
    for key in set(keys):
        db.execute(
            """INSERT INTO site_lines (site, key, line, page_count, first_seen_at)
               VALUES (?, ?, ?, 1, ?)
               ON CONFLICT (site, key) DO UPDATE SET page_count = page_count + 1""",
            [site, key, key, now])
