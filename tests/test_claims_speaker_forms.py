"""Speakers of attribution forms the cue lists of the rules do not name, each a minimal
text written for this test: a reporting verb the trained cue lexicon knows after a
quote, an inverted unnamed speaker, a quote introduced by the paragraph before it,
a dateline or an opening phrase before the subject, a role nobody in the article holds."""

from __future__ import annotations

import pytest

from newsmon.claims import extract_claims


def speaker_of(text: str, quote_start: str) -> tuple[str | None, str]:
    """(speaker, kind) of the claim whose quote starts with quote_start."""
    for c in extract_claims(text):
        if c["quote"].lstrip("“\"").startswith(quote_start):
            return c["speaker"], c["kind"]
    raise AssertionError(f"no claim for {quote_start!r} in {[c['quote'] for c in extract_claims(text)]}")


@pytest.mark.parametrize("text, quote, speaker", [
    # a verb the rules' cue list lacks, after a quote ending in a comma; a name ending in -ly
    ("“You have insulted women for years and never apologised,” Kelly charged in her opening question.",
     "You have insulted", "Kelly"),
    ("“The standard you applied appears nowhere in the statute,” the two senators write. "
     "“We ask for the memo.”", "The standard you applied", "the two senators"),
    ("“The staff do not trust him any more,” this source told the newspaper.",
     "The staff do not trust", "this source"),
    # inverted: the verb first, then the speaker
    ("“It is time we had a woman running this country,” exhorted the evening's host, actress Maria Lopez.",
     "It is time", "Maria Lopez"),
    ("“This is crucial for both of them,” said one former party leadership aide. “Members will come.”",
     "This is crucial", "one former party leadership aide"),
    ("“He will go to work for you, and he will not stop,” said the 46-year-old.",
     "He will go to work", "the 46-year-old"),
])
def test_speaker_after_a_quote(text, quote, speaker):
    assert speaker_of(text, quote) == (speaker, "direct")


def test_quote_paragraph_after_an_introducing_colon():
    text = ("The council made the same allegation in February, and Mayor Hana Obi responded:\n"
            "“If there are people who break the rules, the answer is to enforce them, not to close the park.”")
    assert speaker_of(text, "If there are people") == ("Hana Obi", "direct")


def test_a_title_before_a_colon_is_no_speaker():
    text = ("Partial transcript as follows:\n"
            "“We have done more for this town than anyone expected of us in four years.”")
    assert all(c["speaker"] != "Partial" for c in extract_claims(text))


@pytest.mark.parametrize("text, speaker", [
    ("LAKE CITY, Ore. - Rallying hundreds of workers at a depot, Governor Anna Reyes promised to "
     "deliver change, and added that the plant would stay open.", "Anna Reyes"),
    ("Shortly after the vote, Senate leader Tom Hale issued a statement saying that the bill was dead.",
     "Tom Hale"),
])
def test_subject_after_a_dateline_or_an_opening_phrase(text, speaker):
    claims = extract_claims(text)
    assert claims and all(c["speaker"] == speaker for c in claims), claims


def test_a_role_nobody_holds_is_shown_as_written():
    claims = extract_claims("Her fate in the election hinges on the economy at the time, analyst says.")
    assert [(c["speaker"], c["speaker_type"]) for c in claims] == [("analyst", "unnamed")]


@pytest.mark.parametrize("text, quote, speaker", [
    ("We asked shoppers what they think.\n“Maybe we can build a wall around the mayor instead.” ― Steve Quinlan.\n"
     "“The least qualified man ever to run for this office.” ― Ana Ruiz", "The least qualified", "Ana Ruiz"),
    ("The claim was checked.\n\"Almost all new income is going to the top 1 percent of earners.\"\n- Bernie Sanders.\n"
     "The senator is relying on old data.", "Almost all new income", "Bernie Sanders"),
])
def test_a_quote_signed_by_a_name_after_a_dash(text, quote, speaker):
    assert speaker_of(text, quote) == (speaker, "direct")


def test_a_section_heading_between_dashes_signs_nothing():
    text = "“Nobody wants to see their town change this fast.”\n– An immigrant himself –.\nRamos lives here."
    assert all(c["speaker"] is None for c in extract_claims(text))


def test_a_surname_that_is_a_role_word():
    text = ("Rep. Peter King of New York spoke after the hearing. "
            "“We need far more data on this before we vote,” Mr. King said.")
    assert speaker_of(text, "We need far more data")[0] == "Peter King"


def test_a_title_keeps_a_surname_with_its_gender():
    text = ("Hillary Clinton spoke in Des Moines on Monday. Bill Clinton campaigned in Ohio, where he "
            "drew a large crowd. Mrs. Clinton said the plan would create jobs in every state. "
            "Mr. Clinton said the race was far from over.")
    assert {c["quote"]: c["speaker"] for c in extract_claims(text)} == {
        "the plan would create jobs in every state": "Hillary Clinton",
        "the race was far from over": "Bill Clinton"}


@pytest.mark.parametrize("text, quote, speaker", [
    # an office, a campaign, a team: the owner's name does not replace the body that spoke
    ("The governor’s office announced that the alert system would be tested in all 44 districts.",
     "the alert system", "the governor’s office"),
    ("On Friday the governor’s office announced that the alert system would be tested in May.",
     "the alert system", "the governor’s office"),
    # a possessive determiner belongs to the phrase it opens, never to a name
    ("Maria Lopez runs the agency. Her office said that the report was false.", "the report", "her office"),
    ("Tom Hale leads the Green Party. His campaign said on Monday that the report was false.",
     "the report", "his campaign"),
    # a named person of a body speaks, not the body (which may be a possessive itself)
    ("Brenda Hollis of the Save St. Mary’s campaign said families had waited for hours.",
     "families had waited", "Brenda Hollis"),
    ("Brenda Hollis of the Save Our Hospital group said families had waited for hours.",
     "families had waited", "Brenda Hollis"),
    ("John Smith of the National Union said that pay was too low.", "pay was too low", "John Smith"),
])
def test_possessive_speaker_phrases(text, quote, speaker):
    assert speaker_of(text, quote)[0] == speaker


@pytest.mark.parametrize("text, quote, speaker", [
    # a surname ending in -ly is no adverb to trim before the cue
    ("Mrs. Schlafly said she considered the disclosure a deliberate attempt to embarrass her.",
     "she considered", "Schlafly"),
    # after a determiner "note" or "report" is the speaker's noun, not the cue
    ("“Mark, you are a total loser!” the note says.", "Mark, you are", "the note"),
    ("“The changes add to the urgency,” the report stated.", "The changes add", "the report"),
    # an aside between the speaker's appositive and the cue
    ("Brian Murphy, the chairman of the county party in New Hampshire, for example, said the rally hurt.",
     "the rally hurt", "Brian Murphy"),
    # a long relative clause, an aside, or a second appositive between the person and the cue
    ("Tom Hale, meanwhile, who sits at zero endorsements, said that fact speaks volumes.", "fact speaks", "Tom Hale"),
    ("Mr. Slinker, whose latest start-up, Paradata, uses big data, said the candidate was a start-up kind of guy.",
     "the candidate was", "Slinker"),
    ("Giovanni Maria Vian, the editor of the Vatican's newspaper, L'Osservatore Romano, said every pope was "
     "political.", "every pope was", "Giovanni Maria Vian"),
    # a party tag after the name; a share of those polled; a campaign named by its candidate
    ("On Saturday Sen. Elizabeth Warren (D-MA) said the nominee was a failure in business.",
     "the nominee was", "Elizabeth Warren"),
    ("Among the governor's voters, 74 percent said they would vote for him again.", "they would vote", "74 percent"),
    ("The Sanders campaign responded on Friday, saying the criticism was fair game.",
     "the criticism was", "Sanders campaign"),
    # a news agency's credit between the dateline and the subject
    ("ORLANDO, Fla. (Reuters) - Mayor Anna Reyes met survivors of the attack on Thursday and said the "
     "city must act to control gun violence.", "the city must act", "Anna Reyes"),
])
def test_speaker_phrases_around_the_cue(text, quote, speaker):
    assert speaker_of(text, quote)[0] == speaker


def test_he_is_never_resolved_to_a_publication():
    text = ("Joey Salceda filed the bill in Manila, according to the Philippine Star.\n\n"
            "“We are letting people come in from terrorist nations,” he said.")
    assert speaker_of(text, "We are letting")[0] == "Joey Salceda"


@pytest.mark.parametrize("text, quote, speaker", [
    # an opening phrase of several commas before the subject
    ("At a campaign event in Ames, Iowa, on Sunday, Mayor Anna Reyes defended the plan, saying that the city "
     "could not wait any longer.", "the city could not", "Anna Reyes"),
    # a subject named by common nouns, kept as written, for a participle cue
    ("The departments declined to provide any documents about the process, saying they could not discuss "
     "the case.", "they could not discuss", "the departments"),
    ("Both parents stiffened their criticism of the council, saying that it had failed their son.",
     "it had failed", "Both parents"),
    # its verb an irregular past tense, no "-ed" to end the subject at
    ("The billionaire businessman began by talking about the drug crisis, saying that heroin is now "
     "cheaper than candy.", "heroin is now", "the billionaire businessman"),
])
def test_the_subject_speaks_for_a_participle_cue(text, quote, speaker):
    assert speaker_of(text, quote)[0] == speaker


@pytest.mark.parametrize("text, quote, speaker", [
    # a closed-class word that opens the sentence capitalised names nobody
    ("Soon after, Mayor Anna Reyes left the room, saying that the talks had failed.",
     "the talks had failed", "Anna Reyes"),
    ("Therefore, Anna Reyes left the room, saying that the talks had failed.",
     "the talks had failed", "Anna Reyes"),
    # ", Ohio," after "in Columbus" ends a place inside an aside, not an appositive naming the speaker
    ("Clinton, during a town hall meeting in Columbus, Ohio, said she was going to put coal companies "
     "out of business.", "she was going to put", "Clinton"),
    # a relative pronoun after the head of the speaker's noun phrase is not part of it
    ("He was amused by some far-right commentators who have suggested that he is a secret liberal.",
     "that he is a secret liberal", "some far-right commentators"),
    ("The WHO said it would review the data as soon as it was submitted.", "it would review", "WHO"),
])
def test_speaker_is_the_head_not_what_surrounds_it(text, quote, speaker):
    assert speaker_of(text, quote)[0] == speaker


@pytest.mark.parametrize("text, quote, speaker", [
    # the participle hangs off the clause right before it, not the sentence's first name
    ("Mayor Peter Kask will sell the harbour this year, Ann Kivi said, adding that repairs would take a year.",
     "repairs would take", "Ann Kivi"),
    ("Farmers want the dam removed, and the Valley Anglers Club has gone to court over it, arguing "
     "that the river needs its floods.", "the river needs", "Valley Anglers Club"),
    # the first verb of that clause is its main verb: a name in its complement is not the subject
    ("Marta Ilves welcomed the news that Peter Kask would resign, saying the party needed a fresh start.",
     "the party needed", "Marta Ilves"),
    # the subject after an opening phrase of several commas, and after "as"
    ("Two days later, at a hearing in Tartu, Estonia, Marta Ilves was just as firm, insisting that the "
     "contract had been broken.", "the contract had", "Marta Ilves"),
    ("It was a tense evening for the board, as Marta Ilves repeated her objections, saying the figures "
     "did not add up.", "the figures did", "Marta Ilves"),
    # a quantifier's noun phrase, kept as written
    ("But other members of the committee have urged a delay, saying that the audit is not finished.",
     "the audit is", "other members of the committee"),
    # a counted group after an opening phrase, as written
    ("In a letter to the paper last week, three harbour pilots urged the council to wait, arguing that "
     "the channel is too shallow.", "the channel is", "three harbour pilots"),
])
def test_a_participle_speaks_for_the_clause_it_hangs_off(text, quote, speaker):
    assert speaker_of(text, quote)[0] == speaker


@pytest.mark.parametrize("text, quote, speaker", [
    # the source after "according to" governs the clause before it, not a name inside that clause
    ("Mayor Peter Kask is also joining the lawsuit against the ministry, according to one of his senior aides.",
     "Mayor Peter Kask is also joining", "one of his senior aides"),
    # so does a noun phrase and a speech verb that close the sentence
    ("The council also wants to stop state policies that hurt small farmers, who are more likely to vote "
     "Green, the lawsuit says.", "to stop state policies", "the lawsuit"),
])
def test_a_closing_attribution_speaks_for_the_clause_before_it(text, quote, speaker):
    assert speaker_of(text, quote)[0] == speaker


@pytest.mark.parametrize("text, subject", [
    ("Ann Kivi has gone further than Mr. Kask on housing by proposing", "Ann Kivi"),
    ("Anna Reyes rejected the offer from the port authority while insisting", "Anna Reyes"),
    ("Mayor Peter Kask will sell the harbour, Ann Kivi said, adding", "Ann Kivi"),
    # a participle that opens the sentence: the main clause's subject after it, adverbs aside
    ("After suggesting on Wednesday that he regretted the insults, Mr. Kask only occasionally disagreed with her.",
     "Mr. Kask"),
    ("Acknowledging that the plan had flaws, Anna Reyes did suggest that the harbour needed money.", "Anna Reyes"),
])
def test_a_participle_after_a_preposition_or_a_comma_has_the_clause_subject(text, subject):
    from newsmon.claims.speakers import participle_subject

    words = text.split()
    if words[0].endswith("ing") or words[1].endswith("ing"):   # the participle opens the sentence
        got = participle_subject(text, 0, text.index(next(w for w in words if w.endswith("ing"))), len(text))
    else:
        got = participle_subject(text, 0, text.rindex(" ") + 1)
    assert got is not None and got.text == subject


def test_a_transcript_turn_names_its_speaker_before_the_colon():
    text = ('Anna Reyes was interviewed by Peter Kask on the morning show.\n\n'
            '"KASK: But, Mayor Reyes, I have to ask you, because as the Herald wrote, the voters worry about '
            'the harbour, and about the cost.\n\n'
            '"REYES: Well, the question really should be why the council and its allies keep inviting '
            'developers to the harbour at all.')
    claims = {c["quote"][:12]: c["speaker"] for c in extract_claims(text)}
    assert claims == {"But, Mayor R": "Peter Kask", "Well, the qu": "Anna Reyes"}



def test_a_content_ends_before_the_attribution_that_closes_its_sentence():
    text = "In addition, the council plans to make more detailed budget records available soon, a spokesman " \
           "announced Monday morning."
    [claim] = extract_claims(text)
    assert (claim["quote"], claim["speaker"]) == \
        ("to make more detailed budget records available soon", "a spokesman")


def test_a_full_name_before_an_affiliation_speaks_not_the_affiliation():
    text = "“The storm is still far away,” wrote Anna Reyes for Harbour Consult. “Nobody should panic.”"
    assert speaker_of(text, "The storm")[0] == "Anna Reyes"


def test_a_possessive_role_is_not_resolved_to_whoever_holds_the_role():
    text = ("Lawyer Maria Lopez said on Monday that the mayor had done nothing wrong.\n\n"
            "Peter Kask was arrested on Friday. His lawyer said he would not answer questions.")
    assert speaker_of(text, "he would not answer")[0] == "his lawyer"

