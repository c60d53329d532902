"""The learned attribution tagger: training, export, and the numpy decoder newsmon runs.

A small CRF is trained here with python-crfsuite on sentences written for this
test (tests never read ../shared), exported as newsmon ships its model, and
AttributionTagger must tag exactly what crfsuite tags from the same features,
whatever the chunking of its Viterbi. The shipped model is checked to load
offline and to find a textbook reported statement the rules do not.
"""

from __future__ import annotations

import json

import pytest

from newsmon.claims.tagger import (
    LEXICON_PATH,
    WEIGHTS_PATH,
    AttributionTagger,
    _WordFeatures,
    export_weights,
    features,
    spans_of,
    tokenize,
)

pycrfsuite = pytest.importorskip("pycrfsuite")

TRAIN = [
    ("Officials said the bridge would reopen in March .", "B-S B-C B-Q I-Q I-Q I-Q I-Q I-Q O"),
    ("The mayor argued that fares must rise .", "B-S I-S B-C O B-Q I-Q I-Q O"),
    ("“ We will not wait , ” Ortiz said .", "O B-Q I-Q I-Q I-Q O O B-S B-C O"),
    ("Traffic was light on Monday .", "O O O O O O"),
    ("Critics believe the plan is too costly .", "B-S B-C B-Q I-Q I-Q I-Q I-Q O"),
    ("The company announced record profits .", "O O O O O O"),
    ("Prices rose . Analysts said , in a note , that demand was strong . It was a surprise , the bank said .",
     "O O O B-S B-C O O O O O O B-Q I-Q I-Q O B-Q I-Q I-Q I-Q O B-S I-S B-C O"),
]
TEXT = ("Unions said the strike would go ahead, and the council argued that talks had failed.\n\n"
        "“We will not wait,” Ortiz said. Traffic was light on Monday, and critics believe "
        "the plan is too costly.\n\nThe mayor argued that fares must rise, officials said.\n\n"
        "Prices rose. Analysts said, in a note, that demand was strong. It was a surprise, the bank said, "
        "and shares fell.")


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tagger")
    lexicon = {"said": "hi", "argued": "hi", "believe": "mid"}
    wf = _WordFeatures(lexicon)
    trainer = pycrfsuite.Trainer(verbose=False)
    for _ in range(3):
        for text, tags in TRAIN:
            trainer.append(features(text.split(), wf), tags.split())
    trainer.set_params({"c1": 0.0, "c2": 0.01, "max_iterations": 60, "feature.possible_transitions": True})
    trainer.train(str(tmp / "m.crfsuite"))
    export_weights(tmp / "m.crfsuite", tmp / "m.npz")
    (tmp / "m.json").write_text(json.dumps({"cues": lexicon}))
    crf = pycrfsuite.Tagger()
    crf.open(str(tmp / "m.crfsuite"))
    return crf, tmp / "m.npz", tmp / "m.json", wf


def paragraphs(text):
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


@pytest.mark.parametrize("chunk", [1000, 7, 3, 1])
def test_numpy_decoder_tags_what_crfsuite_tags(small_model, chunk):
    crf, weights, lexicon, wf = small_model
    tagger = AttributionTagger(weights, lexicon)
    tagger.chunk = chunk
    paras = paragraphs(TEXT)
    got = tagger.tag_text(TEXT, paras)
    found = 0
    for (a, b), spans in zip(paras, got):
        toks = tokenize(TEXT, a, b)
        want = spans_of(crf.tag(features([t[2] for t in toks], wf)), toks)
        assert [(s.kind, s.start, s.end) for s in spans] == [(s.kind, s.start, s.end) for s in want]
        found += len(spans)
    assert found >= 4  # the test model does tag something, so the comparison means something


def test_shipped_model_loads_offline_and_finds_a_reported_statement():
    assert WEIGHTS_PATH.exists() and LEXICON_PATH.exists()
    assert WEIGHTS_PATH.stat().st_size < 3_000_000  # small enough to ship
    from newsmon.claims import extract_claims

    text = ("Water Bills to Rise\n\n"
            "Residents of the eastern districts fear that the new tariff will double their bills, "
            "the consumer group Which? suggested in its report on Tuesday.")
    claims = extract_claims(text)
    assert any("tariff will double their bills" in c["quote"] for c in claims), claims


@pytest.mark.parametrize("text, span, speaker_text, kind", [
    # a possessive the tagger marks as the speaker stands for the person ("his comment that …")
    ("Hale stood by his comment that the budget was a disgrace.", "his", "his", "pronoun"),
    # a tag that stopped at the article takes the noun after it, never the cue
    ("The attack sparked a fresh debate over violence.", "The", "The attack", "unnamed"),
    ("The warned that prices would rise.", "The", None, None),
    # a name in capitals the article also writes inside a sentence is no headline
    ("As POLITICO revealed, most payments went to one firm. It was POLITICO again.", "POLITICO", "POLITICO", None),
])
def test_tagged_speaker_spans(text, span, speaker_text, kind):
    from newsmon.claims.learned import MID_CAPS_RE, _mention
    from newsmon.claims.tagger import Span

    at = text.index(span)
    got = _mention(text, text, Span("S", 0, 1, at, at + len(span)), lambda: set(MID_CAPS_RE.findall(text)))
    assert (got.text if got else None) == speaker_text
    if kind:
        assert got.kind == kind


def test_a_participle_inside_a_noun_phrase_is_no_attribution():
    """The demo's "a Grade II listed building": "listed" modifies the noun, nobody speaks."""
    from pathlib import Path

    from newsmon.claims import extract_claims

    article = Path(__file__).resolve().parents[1] / "newsmon/demo/data/articles/courier/01-farmers-market-moves-indoors.txt"
    claims = extract_claims(article.read_text(encoding="utf-8"))
    assert claims and not [c for c in claims if c["cue"] == "listed"]
