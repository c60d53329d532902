"""A crawl of the fixture site stores the speakers a newsroom needs (issue 20).

The real CLI crawls the demo site on 127.0.0.1 (tests/conftest.py: crawl_session)
into a real SQLite file; the claims are read as Datasette's latest_claims canned
query reads them. Organisations and groups are speakers with their mention, the
demo's textbook attributions have claims, and a wire story carried by several
outlets is one claim group.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils
import yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
QUERIES = yaml.safe_load((ROOT / "metadata.yml").read_text())["databases"]["news"]["queries"]


@pytest.fixture(scope="module")
def rows(crawl_session):
    """Every current claim, with the columns latest_claims shows (that query pages them)."""
    db = sqlite_utils.Database(crawl_session["db_path"])
    sql = QUERIES["latest_claims"]["sql"].split("ORDER BY")[0]
    cur = db.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()], db


def find(rows, quote_start):
    return [r for r in rows if r["quote"].startswith(quote_start)]


def test_organisations_and_groups_are_stored_as_speakers(rows):
    claims, db = rows
    council = find(claims, "it had set aside £2 million for kitchen upgrades")
    assert council and {(r["speaker"], r["speaker_mention"]) for r in council} == {("the council", "The council")}
    economists = find(claims, "a prolonged closure could shave output")
    assert economists and all(r["speaker"] == "Economists" for r in economists)
    berlin = find(claims, "it was monitoring the situation")
    assert berlin and {(r["speaker"], r["speaker_mention"]) for r in berlin} == {
        ("German government", "The government in Berlin")}
    harbour = find(claims, "We are very sorry for the disruption")
    assert harbour and harbour[0]["speaker"] == "Harbour Water" and harbour[0]["speaker_role"] == "spokesperson"
    # a named organisation is a speakers row, found by claims_by_speaker; a common noun is not
    kinds = dict(db.execute("SELECT name, kind FROM speakers").fetchall())
    assert kinds.get("Harbour Water") == "organisation" and "the council" not in kinds
    found = db.execute(QUERIES["claims_by_speaker"]["sql"], {"speaker": "council"}).fetchall()
    assert len(found) >= len(council)


def test_few_claims_are_left_without_a_speaker(rows):
    claims, _ = rows
    blank = [r for r in claims if not r["speaker"]]
    assert len(blank) <= 0.08 * len(claims), [(r["speaker_mention"], r["quote"][:50]) for r in blank]


def test_textbook_attributions_of_the_demo_have_claims(rows):
    claims, _ = rows
    for start, speaker, role in [
        ("We have never seen the river this low", "Karin Vogt", "spokeswoman for the agency"),
        ("The system worked as designed", "Margaret Okafor", "retired judge"),
        ("When the score came up on the screen", "Priya Desai", "team captain"),
    ]:
        got = find(claims, start)
        assert got and {(r["speaker"], r["speaker_role"]) for r in got} == {(speaker, role)}, (start, got)
    olsen = find(claims, "markets would see the appointment")
    assert olsen and olsen[0]["speaker_role"] == "chief economist at Nordbank"
    assert not [r for r in claims if r["speaker"] == "Union No."]


def test_a_wire_statement_carried_by_three_outlets_is_one_group(rows):
    claims, _ = rows
    vogt = find(claims, "We have never seen the river this low")
    assert len({r["source_id"] for r in vogt}) >= 2
    assert len({r["claim_group_id"] for r in vogt}) == 1 and vogt[0]["reported_by"] >= 2
