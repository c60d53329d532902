"""Claim extraction: who said what in a news article, rule-based and pure Python.

``extract_claims(text)`` finds attributed statements in cleaned article text:

* direct quotes ("…," X said / said X / X said: "…" / "…," he said, "…"),
  including quotes that run over several paragraphs and quoted fragments tied
  to a speaker by a verb (X called it "…", described Y as "…");
* indirect (reported) speech: "X said (that) …", "X claims …", "according to
  X, …", "X cited …", participles (", saying …"), coordinated cues ("… but
  argued that …").

Speakers are resolved within the article: short names go to the full name the
article introduces ("Peskov" -> "Dmitry Peskov"), titles are split off into a
role, and pronouns / role anaphors ("he", "the spokesman", "the company") go
to the most recent compatible speaker or sentence subject. Precision first:
quoted text that nothing ties to a speaker (titles, nicknames, scare quotes)
is not a claim, and an unresolvable speaker is ``None``, never a guess.

No Scrapy, no models, no downloads: regexes are compiled once at import, and a
short article takes well under a millisecond.

Modules: ``vocabulary`` (word lists and cue patterns), ``sentences``
(paragraphs, quotes, sentences), ``speakers`` (noun phrases, the article's
SpeakerRegistry, resolution), ``direct`` and ``indirect`` (the two kinds of
attribution), ``records`` (a claim dict), ``keys`` (speaker and statement
keys across articles), ``extract`` (extract_claims).
"""

from newsmon.claims.extract import extract_claims
from newsmon.claims.keys import claim_key, speaker_key

__all__ = ["claim_key", "extract_claims", "speaker_key"]
