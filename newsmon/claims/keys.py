"""Stable keys: one speaker across articles, one statement across outlets."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from newsmon.claims.vocabulary import ROLE_WORDS

_TITLE_PREFIX = ROLE_WORDS | {"the", "mr", "mrs", "ms", "dr", "gov", "sen", "rep", "prof"}


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def fold(s: str) -> str:
    """Casefold and strip accents so 'Tomás' and 'Tomas' share a key."""
    s = unicodedata.normalize("NFKD", s.casefold())
    if s.isascii():
        return s
    # a text has few distinct non-ASCII characters: test each once, replace() the marks (in C)
    for ch in set(_NON_ASCII.findall(s)):
        if unicodedata.combining(ch):
            s = s.replace(ch, "")
    return s


@lru_cache(maxsize=1 << 14)  # a speaker's claims each need it, twice (see claim_key)
def speaker_key(name: str) -> str:
    """Normalized key for one speaker: casefold, no accents/punctuation, no leading titles."""
    words = re.sub(r"[’']s\b", "", fold(name or ""))
    words = re.sub(r"[^\w\s-]", " ", words).replace("-", " ").split()
    while len(words) > 1 and words[0] in _TITLE_PREFIX:
        words.pop(0)  # "President Vladimir Putin" and "Vladimir Putin" are one person
    return " ".join(words)


def _quote_norm(quote: str) -> str:
    """Quote text reduced to words: case, quote marks, dashes and punctuation ignored."""
    s = fold(quote or "").replace("…", " ")
    return " ".join(re.sub(r"[^\w\s]|_", " ", s).split())


def claim_key(speaker: str, quote: str) -> str:
    """Stable id for 'this speaker said these words' across articles (sha1 hex).

    The speaker counts by the last word of its key (a surname): an outlet that
    names "Peskov" and one that names "Dmitry Peskov" carry one statement."""
    raw = speaker_key(speaker or "").rpartition(" ")[2] + "\x1f" + _quote_norm(quote)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()
