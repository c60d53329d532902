"""One speaker across outlets, two people never merged by a shared surname (issue 20, item 3).

Articles from different sources go through the real analysis (extract_claims and
the keys of newsmon.analysis) and the real write path into a SQLite file; the
speakers are then looked up with Datasette's canned query claims_by_speaker, as
a reader would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from newsmon import dedupe
from newsmon.analysis import page_fingerprint
from newsmon.claims import extract_claims
from newsmon.store.db import open_db
from newsmon.store.ingest import ingest_page

ROOT = Path(__file__).resolve().parents[1]
CLAIMS_BY_SPEAKER = yaml.safe_load((ROOT / "metadata.yml").read_text())["databases"]["news"]["queries"][
    "claims_by_speaker"]["sql"]

KREMLIN_1 = ("Moscow rejected the proposal for a ceasefire over the holidays on Wednesday.\n\n"
             "“There is no basis for such a pause at the moment,” Peskov told reporters in Moscow.\n\n"
             "The proposal had been put forward by mediators from Turkey and Qatar last week.")
KREMLIN_2 = ("No holiday truce in Ukraine\n\n"
             "Kremlin spokesman Dmitry Peskov said on Wednesday that the proposal was premature. "
             "“There is no basis for such a pause at the moment,” Peskov said.\n\n"
             "Ukraine's foreign ministry called the answer cynical.")
KREMLIN_3 = ("Russia will send a delegation to the grain talks in Istanbul next month.\n\n"
             "“The delegation will be led by a deputy foreign minister,” Dmitry Peskov said in a call with journalists.")


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "news.db")
    for sid in ("herald", "ledger", "wire"):
        db["sources"].insert({"id": sid, "name": sid, "kind": "feed"})
    return db


def store(db, url: str, source: str, text: str) -> list[dict]:
    claims = extract_claims(text)
    article = {"title": text.split("\n")[0], "text": text, "authors": [], "published_at": "2026-11-01",
               "published_at_source": "jsonld", "language": "en", "site_line_candidates": []}
    result = ingest_page(db, dedupe.NearDuplicateIndex(db.conn), {
        "url": url, "final_url": url, "source_id": source, "fetched_at": "2026-11-01T10:00:00Z", "status": 200,
        "html": "<html></html>", "article": article, "drop_reason": None, "claims": claims,
        "fingerprint": page_fingerprint(text, claims)})
    assert result["outcome"] == "new", result
    return claims


def by_speaker(db, name: str) -> list[tuple]:
    return db.execute(CLAIMS_BY_SPEAKER, {"speaker": name}).fetchall()


def speakers(db) -> list[tuple]:
    return [(r[0], json.loads(r[1])) for r in db.execute("SELECT name, aliases FROM speakers ORDER BY name")]


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 0, 2)])
def test_peskov_in_three_outlets_is_one_speaker(db, order):
    texts = [("herald", KREMLIN_1), ("ledger", KREMLIN_2), ("wire", KREMLIN_3)]
    for i in order:
        source, text = texts[i]
        store(db, f"http://127.0.0.1/{source}/{i}", source, text)
    rows = speakers(db)
    assert [name for name, _ in rows] == ["Dmitry Peskov"], rows
    assert "Peskov" in rows[0][1]
    # whichever name a reader types, all four claims of the three articles come back
    for name in ("Peskov", "Dmitry Peskov"):
        found = by_speaker(db, name)
        assert len(found) == 4 and {r[8] for r in found} == {"herald", "ledger", "wire"}, found
    # the statement two outlets carried, one naming "Peskov", the other "Dmitry Peskov", is one group
    groups = db.execute("SELECT quote, article_count FROM claim_groups WHERE quote LIKE 'There is no basis%'").fetchall()
    assert groups == [("There is no basis for such a pause at the moment", 2)]


SMITHS = [
    ("herald", "“We will cut the waiting lists by half,” said Jane Smith, the health minister.\n\n"
               "Opposition parties called the pledge unrealistic."),
    ("ledger", "“The merger will create three hundred jobs in the region,” said John Smith, chief executive of Tarn Steel.\n\n"
               "Shares in the company rose four percent."),
    ("wire", "Talks between the unions and the rail operator broke down late on Friday.\n\n"
             "“Nobody wants a strike before Christmas,” Smith said."),
]


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 0, 1)])
def test_two_people_sharing_a_surname_are_never_merged(db, order):
    for i in order:
        source, text = SMITHS[i]
        store(db, f"http://127.0.0.1/{source}", source, text)
    names = [name for name, _ in speakers(db)]
    # a bare "Smith" could be either: it stays a speaker of its own
    assert names == ["Jane Smith", "John Smith", "Smith"], names
    assert [r[5] for r in by_speaker(db, "Jane Smith")] == ["We will cut the waiting lists by half"]
    assert [r[5] for r in by_speaker(db, "John Smith")] == ["The merger will create three hundred jobs in the region"]


def test_group_and_unnamed_organisation_speakers_are_kept_but_not_followed_across_articles(db):
    store(db, "http://127.0.0.1/a", "herald", "The council said it would review the bus lanes in the spring.\n\n"
                                              "Economists warned that fares would rise again next year.")
    store(db, "http://127.0.0.1/b", "ledger", "Flooding closed the ring road for a second day.\n\n"
                                              "The council said the pumps had failed overnight.")
    rows = db.execute("SELECT speaker, speaker_mention, speaker_id FROM claims ORDER BY id").fetchall()
    assert rows == [("the council", "The council", None), ("Economists", "Economists", None),
                    ("the council", "The council", None)]
    assert speakers(db) == []
    # the reader still finds them by how the article named them
    assert len(by_speaker(db, "council")) == 2


def test_a_middle_initial_is_the_same_person_but_two_middle_names_are_not(db):
    store(db, "http://127.0.0.1/1", "herald", "“The investigation is closed,” said James B. Comey, the FBI director.")
    store(db, "http://127.0.0.1/2", "ledger", "“We will review the new emails,” James Comey told Congress on Friday.")
    store(db, "http://127.0.0.1/3", "wire", "“Read my lips,” said George H. W. Bush at the convention.\n\n"
                                            "Delegates cheered for several minutes.")
    store(db, "http://127.0.0.1/4", "herald", "“Mission accomplished,” said George W. Bush aboard the carrier.")
    names = [name for name, _ in speakers(db)]
    assert names == ["George H. W. Bush", "George W. Bush", "James B. Comey"], names
    assert len(by_speaker(db, "James Comey")) == 2
