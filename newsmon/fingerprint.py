r"""Text fingerprints: normalized text, its exact hash, its MinHash slots.

Pure module, numpy and the standard library only: the analysis workers
compute a page's fingerprints next to its extraction (see
``newsmon.analysis.analyze_page``), so the crawl process, whose
writer thread shares one GIL with the downloads, does not. newsmon.dedupe
re-exports these names and explains the choices (shingle size, number of
permutations, threshold).

``signature_values`` is datasketch's MinHash with the ``affine32`` scheme
(``MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32")`` updated with
:func:`shingle_hashes` through an identity hash function), computed without
importing datasketch: that package loads scipy and redis, 60 MB in every
worker. tests/test_dedupe.py holds the two equal.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import numpy as np

SHINGLE_SIZE = 3
NUM_PERM = 128
SEED = 1

_HASH_SCHEME = "affine32"
_EMPTY = np.uint32(0xFFFFFFFF)  # the value of every slot of an empty MinHash
_M1 = np.uint64(0x9E3779B97F4A7C15)  # odd multipliers for order-sensitive mixing
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)

# --------------------------------------------------------------------------
# Text normalization, exact hash
# --------------------------------------------------------------------------

# Typographic variants that publishers (and one publisher over time) use
# interchangeably; unified so that they do not count as edits.
_CHAR_MAP = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u0060\u00b4", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u2039\u203a", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", ""),  # invisible
    "\u2026": "...",
}
# one regex pass over the (rare) variant characters: str.translate with a
# dict costs a lookup per character, ten times slower on a whole article
_VARIANTS = re.compile("[" + re.escape("".join(_CHAR_MAP)) + "]")
_WORD = re.compile(r"\w+")


def normalize_text(text: str) -> str:
    """NFKC, casefold, unified quotes/dashes, whitespace collapsed to one space."""
    text = text or ""
    if not text.isascii():  # ASCII is already NFKC and has no variants
        text = unicodedata.normalize("NFKC", text)
        text = _VARIANTS.sub(lambda m: _CHAR_MAP[m.group()], text)
    return " ".join(text.casefold().split())  # split(): any Unicode whitespace, in C


def text_hash(text: str) -> str:
    """SHA-256 hex of :func:`normalize_text`: equal for whitespace/typography-only changes."""
    return _normalized_hash(normalize_text(text))


def _normalized_hash(normalized: str) -> str:
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def fingerprints(text: str) -> tuple[str, np.ndarray]:
    """``(text_hash(text), signature_values(text))``, normalizing the text once."""
    normalized = normalize_text(text)
    return _normalized_hash(normalized), _signature(_shingles(normalized))


# --------------------------------------------------------------------------
# MinHash
# --------------------------------------------------------------------------


@lru_cache(maxsize=1 << 14)   # news vocabulary repeats: 87 % of lookups hit (89 % at 4x the words)
def _word_hash(word: bytes) -> int:
    """A stable 64-bit hash of one UTF-8 word (blake2b; Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.blake2b(word, digest_size=8).digest(), "little")


# ASCII's non-word characters (all but [A-Za-z0-9_], what \w matches there), as spaces
_ASCII_NON_WORD = bytes(b if b < 128 and (chr(b).isalnum() or b == 0x5F) else 0x20 for b in range(256))


def _utf8_words(normalized: str) -> list[bytes]:
    r"""The UTF-8 of each ``\w+`` run: for ASCII text a byte translation and a split,
    in C, several times cheaper than the regex."""
    if normalized.isascii():
        return normalized.encode("ascii").translate(_ASCII_NON_WORD).split()
    return [w.encode("utf-8") for w in _WORD.findall(normalized)]


def shingle_hashes(text: str, k: int = SHINGLE_SIZE) -> np.ndarray:
    """32-bit hashes of the word k-shingles of the normalized text.

    Words are hashed once each (cached: news vocabulary repeats), then the
    k-grams are mixed with numpy, which is far cheaper than hashing each
    shingle's bytes. A text shorter than k words is one shingle.
    """
    return np.unique(_shingles(normalize_text(text), k))


def _shingles(normalized: str, k: int = SHINGLE_SIZE) -> np.ndarray:
    """:func:`shingle_hashes` of normalized text, repeats kept (a minimum does not mind them)."""
    words = _utf8_words(normalized)
    if not words:
        return np.empty(0, dtype=np.uint32)
    h = np.fromiter(map(_word_hash, words), dtype=np.uint64, count=len(words))
    k = min(k, len(h))
    n = len(h) - k + 1
    mixed = h[:n].copy()
    for i in range(1, k):  # polynomial mixing: order matters ("a b c" != "c b a")
        mixed = mixed * _M1 + h[i:i + n] * _M2 + np.uint64(i)
    folded = (mixed >> np.uint64(32)) ^ (mixed & np.uint64(0xFFFFFFFF))
    return folded.astype(np.uint32)


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters: odd a, any b, from RandomState(seed)."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


_A, _B = _permutations(NUM_PERM, SEED)


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (datasketch pre-mixes every input with it)."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def signature_values(text: str) -> np.ndarray:
    """The ``NUM_PERM`` uint32 MinHash slots of the text's word shingles (all
    ``0xFFFFFFFF`` for a text without words)."""
    return _signature(_shingles(normalize_text(text)))


def _signature(shingles: np.ndarray) -> np.ndarray:
    if not len(shingles):
        return np.full(NUM_PERM, _EMPTY, dtype=np.uint32)
    mixed = _fmix32(shingles).reshape(-1, 1)
    return (mixed * _A + _B).min(axis=0)     # uint32 arithmetic wraps, as datasketch's does
