"""newsmon.dedupe: canonical URLs, text hashes, diffs and the persistent MinHash LSH index.

Real SQLite files in tmp_path; no mocks.
"""

from __future__ import annotations

import logging
import sqlite3

import pytest

from newsmon import dedupe
from newsmon.dedupe import (
    DEFAULT_THRESHOLD,
    NearDuplicateIndex,
    canonicalize_url,
    pick_canonical,
    text_diff,
    text_hash,
    text_signature,
)
from newsmon.store.db import open_db
from tests.conftest import SEEDS

# --------------------------------------------------------------------------
# URLs
# --------------------------------------------------------------------------


@pytest.mark.parametrize("url, expected", [
    # tracking parameters go, real ones stay (sorted)
    ("http://example.com/a?utm_source=rss&utm_medium=feed&id=7", "http://example.com/a?id=7"),
    ("http://example.com/a?UTM_Campaign=x&fbclid=abc&gclid=1&dclid=2&msclkid=3",
     "http://example.com/a"),
    ("http://example.com/a?mc_cid=1&mc_eid=2&_ga=3&igshid=4&yclid=5&ref_src=twsrc&cmpid=9&page=2",
     "http://example.com/a?page=2"),
    ("http://example.com/a?pk_campaign=x&mtm_source=y&hsa_cam=z&q=news", "http://example.com/a?q=news"),
    # fragment dropped
    ("http://example.com/news/story.html#comments", "http://example.com/news/story.html"),
    # query order normalized
    ("http://example.com/s?b=2&a=1&c=3", "http://example.com/s?a=1&b=2&c=3"),
    # scheme and host lowercased, default ports dropped, path case kept
    ("HTTP://WWW.Example.COM:80/News/Story", "http://www.example.com/News/Story"),
    ("https://example.com:443/x", "https://example.com/x"),
    ("https://example.com:8443/x", "https://example.com:8443/x"),
    # a blank query and a lone '?' vanish
    ("http://example.com/a?", "http://example.com/a"),
    ("http://example.com/a?utm_source=x", "http://example.com/a"),
    # percent-encoding left as w3lib normalizes it
    ("http://example.com/a%20b/%7Euser?q=a+b", "http://example.com/a%20b/~user?q=a+b"),
])
def test_canonicalize_url(url, expected):
    assert canonicalize_url(url) == expected


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8123/news/2026/03/a-story.html",
    "https://example.com/2026/03/12/world/putin-talks.html",
    "http://127.0.0.1:8123/article?id=42",
])
def test_plain_urls_canonicalize_to_themselves(url):
    assert canonicalize_url(url) == url


@pytest.mark.parametrize("url", [
    "HTTP://Example.COM:80/A/b?z=1&utm_source=x&a=%7e#frag",
    "http://bücher.de/straße?q=ä&fbclid=1",
    "https://example.com/a b/c?x=1 2",
    "http://example.com",
    "https://[::1]:443/x?gclid=1",
])
def test_canonicalize_url_is_idempotent(url):
    once = canonicalize_url(url)
    assert canonicalize_url(once) == once


@pytest.mark.parametrize("url, expected", [
    ("http://[::1/a#x", "http://[::1/a"),
    ("http://example.com:99999/x#y", "http://example.com:99999/x"),
    ("", ""),
])
def test_canonicalize_url_survives_malformed_urls(url, expected):
    assert canonicalize_url(url) == expected
    assert canonicalize_url(expected) == expected


def test_canonicalize_url_keeps_parameters_that_only_look_like_tracking():
    assert canonicalize_url("http://example.com/a?ref=home&source=x&utm=1") == \
        "http://example.com/a?ref=home&source=x&utm=1"


@pytest.mark.parametrize("page, declared, expected", [
    # same host: honoured (AMP variant -> article), relative links resolved
    ("http://127.0.0.1:8123/amp/a", "http://127.0.0.1:8123/a", "http://127.0.0.1:8123/a"),
    ("http://127.0.0.1:8123/amp/a", "/a?utm_source=amp", "http://127.0.0.1:8123/a"),
    ("https://example.com/story/print", "../story", "https://example.com/story"),
    # same registrable domain (public suffix aware)
    ("https://m.example.co.uk/news/1", "https://www.example.co.uk/news/1", "https://www.example.co.uk/news/1"),
    # http -> https upgrade on the same host
    ("http://example.com/a", "https://example.com/a", "https://example.com/a"),
    # cross-site: a syndicated copy naming its origin stays its own URL
    ("https://herald.example/wire/123", "https://wire.example/story/123", "https://herald.example/wire/123"),
    # two sites under a private suffix are different sites
    ("https://alice.github.io/post", "https://bob.github.io/post", "https://alice.github.io/post"),
    # another port on one IP is another server
    ("http://127.0.0.1:8123/a", "http://127.0.0.1:9000/a", "http://127.0.0.1:8123/a"),
    # the front page declared as canonical by an article (template bug)
    ("https://example.com/2026/story", "https://example.com/", "https://example.com/2026/story"),
    # nothing or junk declared
    ("https://example.com/a#x", None, "https://example.com/a"),
    ("https://example.com/a", "", "https://example.com/a"),
    ("https://example.com/a", "javascript:void(0)", "https://example.com/a"),
])
def test_pick_canonical(page, declared, expected):
    assert pick_canonical(page, declared) == expected


# --------------------------------------------------------------------------
# Hashes and diffs
# --------------------------------------------------------------------------

PARAGRAPHS = ("The council approved the budget on Tuesday.\n"
              "It adds four bus lines and extends night service.\n"
              "“This is a big day,” the mayor said — to applause.")


def test_text_hash_ignores_whitespace_and_typography():
    reflowed = "  The council approved  the budget\ton Tuesday.\n\n\nIt adds four bus lines and extends night service.\r\n" \
               "\"This is a big day,\" the mayor said - to applause.  "
    assert text_hash(PARAGRAPHS) == text_hash(reflowed)
    assert text_hash(PARAGRAPHS) == text_hash(PARAGRAPHS.upper())  # casefolded
    assert len(text_hash(PARAGRAPHS)) == 64 and int(text_hash(PARAGRAPHS), 16) >= 0


def test_text_hash_changes_with_a_word():
    assert text_hash(PARAGRAPHS) != text_hash(PARAGRAPHS.replace("four", "five"))


def test_text_diff_is_a_unified_paragraph_diff():
    new = PARAGRAPHS.replace("four bus lines", "five bus lines") + "\nDetails follow on Friday."
    diff = text_diff(PARAGRAPHS, new, "version 1", "version 2")
    lines = diff.splitlines()
    assert lines[0] == "--- version 1" and lines[1] == "+++ version 2" and lines[2].startswith("@@")
    assert "\n-It adds four bus lines and extends night service." in diff
    assert "\n+It adds five bus lines and extends night service." in diff
    assert "\n+Details follow on Friday." in diff
    assert text_diff(PARAGRAPHS, PARAGRAPHS + "\n\n", "a", "b") == ""


def test_text_diff_of_a_first_version():
    diff = text_diff("", "One.\nTwo.", "version 0", "version 1")
    assert diff.startswith("--- version 0\n+++ version 1\n") and "\n+One.\n+Two." in diff


# --------------------------------------------------------------------------
# Near-duplicates
# --------------------------------------------------------------------------

WIRE = """Drought forces rationing in three southern provinces

Authorities in three southern provinces ordered water rationing on Monday after the driest winter in four decades left reservoirs at less than a fifth of their capacity.

Households in the affected areas will receive mains water for eight hours a day from next week, the regional water board said in a statement, while farmers face a ban on irrigating crops other than vegetables and fruit trees.

"We have never seen the reservoirs this low at the start of spring," the board's director, Elena Marquez, told reporters at a news conference in the provincial capital. "Every household and every business will have to play its part."

The measures affect about 2.3 million people. Hospitals, schools and care homes are exempt, and tanker lorries will supply villages that are not connected to the main network.

Meteorologists said rainfall since October had reached only 38 percent of the long-term average, and forecasts for the coming month offered little relief. Temperatures are expected to stay above normal through April.

Farmers' unions warned that the irrigation ban could cost the region's olive and cereal growers hundreds of millions of euros, and called on the national government to declare an agricultural emergency that would unlock compensation funds.

The opposition accused the regional government of failing to modernise leaking pipes, which the water board estimates lose nearly a quarter of all treated water before it reaches consumers.

A desalination plant under construction on the coast is not expected to start operating before the end of next year."""


def _paragraphs(text):
    return [p for p in text.split("\n\n")]


def _wire_copies() -> dict[str, str]:
    p = _paragraphs(WIRE)
    return {
        # another headline, the outlet's own boilerplate lines around the story
        "headline_and_boilerplate": "\n\n".join(
            ["Water rationing begins as reservoirs run dry", "Advertisement", "Share this article"]
            + p[1:] + ["Subscribe to our newsletter for the latest news.",
                       "© 2026 The Southern Courier. All rights reserved."]),
        # a local paragraph added, one sentence reworded
        "paragraph_added_sentence_reworded": "\n\n".join(
            p[:4] + ["In the port city of Almara, the council said it would close public fountains "
                     "and stop watering parks with drinking water from Wednesday."] + p[4:]
        ).replace("ordered water rationing on Monday after the driest winter in four decades",
                  "imposed water rationing on Monday following the driest winter for forty years"),
        # cut for length: a paragraph and the last line dropped, headline changed
        "paragraph_cut": "\n\n".join(["Southern provinces ration water"] + p[1:6] + p[7:8]),
    }


def _seed_texts() -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    assert len(texts) == 2
    return texts


@pytest.fixture
def conn(tmp_path):
    conn = sqlite3.connect(tmp_path / "index.db")
    yield conn
    conn.close()


def test_syndicated_copies_match_the_wire_story(conn):
    index = NearDuplicateIndex(conn)
    index.add(1, text_signature(WIRE))
    conn.commit()
    for name, copy in _wire_copies().items():
        matches = index.query(text_signature(copy))
        assert [m[0] for m in matches] == [1], name
        assert DEFAULT_THRESHOLD <= matches[0][1] < 1.0, (name, matches)


def test_copies_match_each_other_and_best_comes_first(conn):
    index = NearDuplicateIndex(conn)
    copies = list(_wire_copies().values())
    index.add(10, text_signature(copies[0]))
    index.add(11, text_signature(WIRE))
    matches = index.query(text_signature(WIRE))
    assert [m[0] for m in matches] == [11, 10]
    assert matches[0][1] == 1.0 and matches[0][1] > matches[1][1]


def test_two_articles_on_the_same_topic_do_not_match(conn):
    """The seeds: both about Putin/Zelensky talks, shared names and phrases, different articles."""
    first, second = _seed_texts()
    assert dedupe.estimate_jaccard(text_signature(first), text_signature(second)) < 0.1
    index = NearDuplicateIndex(conn)
    index.add(1, text_signature(first))
    assert index.query(text_signature(second)) == []
    assert index.query(text_signature(first)) == [(1, 1.0)]


def test_wire_story_does_not_match_the_seeds(conn):
    index = NearDuplicateIndex(conn)
    index.add_many([(i, text_signature(t)) for i, t in enumerate(_seed_texts(), start=1)])
    assert index.query(text_signature(WIRE)) == []


def test_signature_is_stable_and_ignores_formatting():
    sig = text_signature(WIRE)
    assert len(sig.hashvalues) == dedupe.NUM_PERM
    assert dedupe.estimate_jaccard(sig, text_signature(WIRE.replace("\n\n", "\n").upper())) == 1.0
    assert list(sig.hashvalues) == list(text_signature(WIRE).hashvalues)


def test_signature_values_are_datasketchs_minhash():
    """The workers' numpy MinHash (no datasketch import) gives datasketch's slots,
    so signatures stored by either stay comparable."""
    from datasketch import MinHash

    from newsmon.fingerprint import shingle_hashes, signature_values

    texts = ["", "one", "two words", WIRE, *_seed_texts(), "Ünïcode – “quotes” … and 数字 123"]
    for text in texts:
        reference = MinHash(num_perm=dedupe.NUM_PERM, seed=dedupe.SEED, hashfunc=lambda v: v, scheme="affine32")
        shingles = shingle_hashes(text)
        if len(shingles):
            reference.update_batch(shingles.tolist())
        assert signature_values(text).tolist() == reference.hashvalues.tolist(), text[:30]


def test_fingerprints_are_text_hash_and_signature_values():
    """What the crawl's workers compute in one pass is what dedupe compares
    (ASCII texts take a byte-level word split, the rest the regex)."""
    from newsmon.fingerprint import fingerprints, signature_values, text_hash

    texts = ["", "one", "it's a_b 3.14 -- x", WIRE, *_seed_texts(), "Ünïcode – “quotes” … and 数字 123"]
    for text in texts:
        digest, values = fingerprints(text)
        assert digest == text_hash(text) and values.tolist() == signature_values(text).tolist(), text[:30]
    # the byte-level split of ASCII text finds the regex's words
    from newsmon.fingerprint import _WORD, _utf8_words

    ascii_text = "".join(map(chr, range(32, 127))) + " it's a_b 3.14 x-y (z) [q] {w}"
    assert _utf8_words(ascii_text) == [w.encode() for w in _WORD.findall(ascii_text)]


def test_lsh_layout_is_datasketchs_optimum():
    """lsh_params integrates with numpy; datasketch's optimizer (scipy) picks the same layouts."""
    from datasketch.lsh import _optimal_param

    for threshold in (0.05, 0.1, 0.25, 0.3, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 0.95):
        assert dedupe.lsh_params(threshold) == _optimal_param(threshold, dedupe.NUM_PERM, *dedupe.LSH_WEIGHTS)


def test_crawl_side_modules_do_not_load_datasketch():
    """datasketch loads scipy and redis (0.5 s, 50 MB): the crawl process and workers skip it."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = ("import sys, pipelines.extract, pipelines.store, newsmon.analysis, newsmon.dedupe, newsmon.store.ingest, "
            "newsmon.store.reprocess; print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_text_without_words_matches_nothing(conn):
    index = NearDuplicateIndex(conn)
    index.add(1, text_signature(" ... "))
    index.add(2, text_signature(""))
    assert dedupe.is_empty(text_signature(""))
    assert index.query(text_signature("")) == [] and len(index) == 0


def test_threshold_is_applied(conn):
    copy = _wire_copies()["paragraph_cut"]
    similarity = dedupe.estimate_jaccard(text_signature(WIRE), text_signature(copy))
    strict = NearDuplicateIndex(conn, threshold=min(1.0, similarity + 0.05))
    strict.add(1, text_signature(WIRE))
    assert strict.query(text_signature(copy)) == []
    assert strict.query(text_signature(WIRE)) == [(1, 1.0)]


# --------------------------------------------------------------------------
# Persistence, rebuild, transactions
# --------------------------------------------------------------------------


def test_index_persists_across_connections(tmp_path):
    path = tmp_path / "news.db"
    conn = sqlite3.connect(path)
    NearDuplicateIndex(conn).add(7, text_signature(WIRE))
    conn.commit()
    conn.close()

    reopened = sqlite3.connect(path)
    index = NearDuplicateIndex(reopened)
    assert len(index) == 1
    copy = _wire_copies()["headline_and_boilerplate"]
    assert [m[0] for m in index.query(text_signature(copy))] == [7]
    reopened.close()


def _store_articles(db, texts_and_dups):
    db["sources"].insert({"id": "wire", "name": "wire", "kind": "feed"})
    for article_id, (text, duplicate_of) in enumerate(texts_and_dups, start=1):
        db["articles"].insert({"id": article_id, "url": f"http://127.0.0.1/{article_id}",
                               "source_id": "wire", "text": text, "duplicate_of": duplicate_of})
    db.conn.commit()


def test_rebuilds_from_articles_when_the_tables_are_missing(tmp_path, caplog):
    db = open_db(tmp_path / "news.db")
    first, second = _seed_texts()
    copy = _wire_copies()["paragraph_cut"]
    _store_articles(db, [(WIRE, None), (first, None), (copy, 1), (second, None)])
    with caplog.at_level(logging.INFO, logger="newsmon.dedupe"):
        index = NearDuplicateIndex(db.conn)
    assert "rebuilt from 3 articles" in caplog.text
    assert not db.conn.in_transaction  # the rebuild committed its own transaction
    assert len(index) == 3  # the duplicate (article 3) is not indexed
    assert [m[0] for m in index.query(text_signature(copy))] == [1]

    for table in ("minhash_bands", "minhash_signatures", "minhash_meta"):
        db.conn.execute(f"DROP TABLE {table}")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="newsmon.dedupe"):
        rebuilt = NearDuplicateIndex(db.conn)
    assert "rebuilt from 3 articles" in caplog.text
    assert [m[0] for m in rebuilt.query(text_signature(first))] == [2]
    db.conn.close()


def test_rebuilds_when_signature_parameters_changed_and_only_then(tmp_path, caplog):
    db = open_db(tmp_path / "news.db")
    _store_articles(db, [(WIRE, None)])
    NearDuplicateIndex(db.conn)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="newsmon.dedupe"):
        NearDuplicateIndex(db.conn)  # up to date: nothing to do
    assert "rebuil" not in caplog.text
    db.conn.execute("UPDATE minhash_meta SET value = 'v0:old' WHERE key = 'signature'")
    db.conn.execute("UPDATE minhash_signatures SET sig = zeroblob(512)")  # stale, incomparable
    db.conn.commit()
    with caplog.at_level(logging.INFO, logger="newsmon.dedupe"):
        index = NearDuplicateIndex(db.conn)
    assert "signature parameters changed" in caplog.text and "rebuilt from 1 articles" in caplog.text
    assert index.query(text_signature(WIRE)) == [(1, 1.0)]
    db.conn.close()


def test_no_rebuild_for_an_empty_database(tmp_path, caplog):
    db = open_db(tmp_path / "news.db")
    with caplog.at_level(logging.INFO, logger="newsmon.dedupe"):
        index = NearDuplicateIndex(db.conn)
    assert "rebuilt" not in caplog.text and len(index) == 0
    db.conn.close()


def test_rebands_when_a_lower_threshold_needs_more_recall(tmp_path):
    path = tmp_path / "news.db"
    conn = sqlite3.connect(path)
    NearDuplicateIndex(conn, threshold=0.8).add(1, text_signature(WIRE))
    conn.commit()
    loose = NearDuplicateIndex(conn, threshold=0.5)
    assert (loose.bands, loose.rows) == dedupe.lsh_params(0.5)
    bands = conn.execute("SELECT count(*) FROM minhash_bands").fetchone()[0]
    assert bands == loose.bands
    assert [m[0] for m in loose.query(text_signature(_wire_copies()["paragraph_cut"]))] == [1]
    # a higher threshold reuses the stored layout
    strict = NearDuplicateIndex(conn, threshold=0.7)
    assert (strict.bands, strict.rows) == (loose.bands, loose.rows)
    conn.close()


def test_remove(conn):
    index = NearDuplicateIndex(conn)
    index.add(1, text_signature(WIRE))
    index.add(2, text_signature(_seed_texts()[0]))
    index.remove(1)
    index.remove(99)  # unknown: no-op
    assert index.query(text_signature(WIRE)) == []
    assert conn.execute("SELECT count(*) FROM minhash_bands WHERE article_id = 1").fetchone()[0] == 0
    assert conn.execute("SELECT DISTINCT article_id FROM minhash_signatures").fetchall() == [(2,)]


def test_add_replaces_an_articles_previous_signature(conn):
    index = NearDuplicateIndex(conn)
    first, second = _seed_texts()
    index.add(1, text_signature(first))
    index.add(1, text_signature(second))  # an updated article
    assert index.query(text_signature(first)) == []
    assert index.query(text_signature(second)) == [(1, 1.0)]
    assert conn.execute("SELECT count(*) FROM minhash_bands").fetchone()[0] == index.bands


def test_add_many_keeps_the_last_signature_of_an_id(conn):
    index = NearDuplicateIndex(conn)
    first, second = _seed_texts()
    index.add_many([(1, text_signature(first)), (2, text_signature(WIRE)), (1, text_signature(second))])
    assert len(index) == 2
    assert index.query(text_signature(second)) == [(1, 1.0)]
    assert index.query(text_signature(first)) == []


def test_writes_roll_back_with_the_callers_transaction(tmp_path):
    path = tmp_path / "news.db"
    conn = sqlite3.connect(path)
    index = NearDuplicateIndex(conn)
    index.add(1, text_signature(WIRE))
    conn.commit()
    before = conn.execute("SELECT count(*) FROM minhash_bands").fetchone()[0]

    conn.execute("BEGIN IMMEDIATE")
    index.add(2, text_signature(_seed_texts()[0]))
    index.remove(1)
    assert conn.in_transaction  # nothing committed behind the caller's back
    other = sqlite3.connect(path)
    assert other.execute("SELECT count(*) FROM minhash_signatures").fetchone()[0] == 1
    other.close()
    conn.rollback()

    assert conn.execute("SELECT article_id FROM minhash_signatures").fetchall() == [(1,)]
    assert conn.execute("SELECT count(*) FROM minhash_bands").fetchone()[0] == before
    assert [m[0] for m in index.query(text_signature(WIRE))] == [1]
    conn.close()


def test_writes_roll_back_with_a_page_savepoint(conn):
    """ingest.py: BEGIN IMMEDIATE, then SAVEPOINT page ... ROLLBACK TO page per failing page."""
    index = NearDuplicateIndex(conn)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("SAVEPOINT page")
    index.add(1, text_signature(WIRE))
    conn.execute("RELEASE page")
    conn.execute("SAVEPOINT page")
    index.add(2, text_signature(_seed_texts()[1]))
    conn.execute("ROLLBACK TO page")
    conn.execute("RELEASE page")
    conn.commit()
    assert conn.execute("SELECT article_id FROM minhash_signatures").fetchall() == [(1,)]
    assert {r[0] for r in conn.execute("SELECT article_id FROM minhash_bands")} == {1}


def test_constructor_inside_a_transaction_does_not_commit(tmp_path):
    db = open_db(tmp_path / "news.db")
    _store_articles(db, [(WIRE, None)])
    db.conn.execute("BEGIN IMMEDIATE")
    index = NearDuplicateIndex(db.conn)  # rebuilds inside the caller's transaction
    assert db.conn.in_transaction and len(index) == 1
    other = sqlite3.connect(tmp_path / "news.db")
    assert other.execute("SELECT count(*) FROM minhash_signatures").fetchone()[0] == 0   # the rebuild is not committed
    other.close()
    db.conn.rollback()
    assert NearDuplicateIndex(db.conn) is not None and not db.conn.in_transaction
    db.conn.close()


def test_signature_from_another_scheme_is_rejected(conn):
    from datasketch import MinHash

    index = NearDuplicateIndex(conn)
    with pytest.raises(ValueError):
        index.add(1, MinHash(num_perm=64))
    with pytest.raises(ValueError):
        index.query(MinHash(num_perm=dedupe.NUM_PERM, seed=42))
