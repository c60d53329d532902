"""Where a quoted word is a label and where a document is a source: sentences written here."""

import pytest

from newsmon import extract_claims
from newsmon.claims.speakers import sentence_subject


def quotes(text):
    return {c["quote"]: c for c in extract_claims(text)}


@pytest.mark.parametrize("text, label", [
    ("The mayor dismissed the council's audit as “absurd.” The vote is next week.", "absurd"),
    ("At the rally the governor called him a “pathological liar” and left the stage.", "pathological liar"),
    ("The senator called Harlan Webb a “career politician” on Tuesday.", "career politician"),
])
def test_a_label_given_to_a_person_or_one_quoted_word_is_no_claim(text, label):
    assert label not in quotes(text)


def test_a_quoted_pair_judging_what_was_said_stays_a_claim():
    got = quotes("The ministry dismissed the rebels' offer of talks, calling it “empty words.”")
    assert got["empty words"]["speaker"] == "ministry" or "ministry" in got["empty words"]["speaker_mention"].lower()


def test_what_a_document_shows_is_a_claim_with_the_document_as_its_source():
    got = quotes("The outbreak was concentrated in two provinces, according to figures published on Friday.\n\n"
                 "Sales rose 8% in the third quarter, according to the company’s annual report.")
    assert got["The outbreak was concentrated in two provinces"]["speaker"] == "figures"
    assert got["Sales rose 8% in the third quarter"]["speaker"] == "the company’s annual report"


def test_a_day_after_an_abbreviated_month_ends_no_sentence():
    text = "Officials said on Monday that the fund has raised $2 million since Jan. 1, 2025, from small donors."
    claim = quotes(text)["the fund has raised $2 million since Jan. 1, 2025, from small donors"]
    assert claim["speaker"] == "Officials" or claim["speaker_mention"] == "Officials"


def test_a_time_opening_the_sentence_without_a_comma_is_not_its_subject():
    subject, _ = sentence_subject("Last week Stumpf in a televised interview appeared to blame the staff", 0)
    assert subject is not None and subject.text == "Stumpf"


def test_a_programme_title_after_of_is_no_quote():
    text = ("On this weekend’s broadcast of “Fox Report Sunday,” Senator Ada Lund said her party "
            "would win the state.")
    assert "Fox Report Sunday" not in quotes(text)


def test_a_point_of_view_is_no_source():
    text = "This legal barrier, according to the Russian perspective, makes any agreement impossible."
    assert not [c for c in extract_claims(text) if (c["speaker_mention"] or "").endswith("perspective")]


def test_a_tagged_cue_that_took_in_its_subject_names_the_speaker():
    text = ("The coal company bought the mines last year and promised to reclaim them.\n\n"
            "Mr. Clarke said the work would start in the spring.\n\n"
            "Should the company run into financial trouble, environmentalists worry that the cost of "
            "reclaiming the mines could fall to taxpayers.")
    got = [c for c in extract_claims(text) if "could fall to taxpayers" in c["quote"]]
    assert got and got[0]["speaker"] == "environmentalists"
