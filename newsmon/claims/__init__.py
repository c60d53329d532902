"""Claim extraction: who said what in a news article, rule-based and pure Python.

``extract_claims(text)`` finds attributed statements in cleaned article text:

* direct quotes ("…," X said / said X / X said: "…" / "…," he said, "…"),
  including quotes that run over several paragraphs and quoted fragments tied
  to a speaker by a verb (X called it "…", described Y as "…");
* indirect (reported) speech: "X said (that) …", "X claims …", "according to
  X, …", "X cited …", participles (", saying …"), coordinated cues ("… but
  argued that …").

Speakers are resolved within the article: short names go to the full name the
article introduces ("Peskov" -> "Dmitry Peskov"), titles and roles (before or
after the name) are split off into a role, pronouns go to the latest person of
a compatible gender, role anaphors ("the spokesman", "the company") to who holds
the role; groups and unnamed speakers are kept as the article names them
("economists", "a senior official"). Quoted text that nothing ties to a
speaker (titles, nicknames, scare quotes) is not a claim.

What the rules miss, a learned tagger adds: a linear-chain CRF over tokens
trained on the PolNeAR train split (``train``), shipped as numpy weights in
``data/`` and decoded with numpy (``tagger``); its contents outside the rules'
claims become claims (``learned``). No Scrapy, no downloads.

Modules: ``vocabulary`` (word lists and cue patterns), ``sentences``
(paragraphs, quotes, sentences), ``speakers`` (noun phrases, the article's
SpeakerRegistry, resolution), ``direct`` and ``indirect`` (the two kinds of
attribution), ``tagger`` and ``learned`` (the trained part), ``records`` (a
claim dict), ``keys`` (speaker and statement keys across articles),
``extract`` (extract_claims), ``train`` (retrains the tagger).
"""

from newsmon.claims.extract import extract_claims
from newsmon.claims.keys import claim_key, speaker_key

__all__ = ["claim_key", "extract_claims", "speaker_key"]
