r"""Dedupe primitives: canonical URLs, exact text hashes, diffs, near-duplicates.

Pure module (no Scrapy): used by the spiders (URL canonicalization), by
newsmon.store.ingest (the dedupe decision) and by ``newsmon reprocess``.

Three levels of "the same story":

- **URL**: :func:`canonicalize_url` removes what does not identify a page
  (tracking parameters, fragment, default port, case of scheme/host,
  query order); :func:`pick_canonical` honours a page's declared canonical
  URL only when it stays on the same site.
- **exact text**: :func:`text_hash` of normalized text, so a refetch that
  only changed whitespace, quote style or dashes is "unchanged".
- **near-duplicate**: MinHash signatures (:func:`text_signature`) of word
  shingles in a persistent LSH index (:class:`NearDuplicateIndex`) stored in
  the same SQLite database, so a syndicated copy is found across runs and
  processes.

Choices (measured on the seed articles, tests/test_dedupe.py and
bench/dedupe_bench.py):

- ``SHINGLE_SIZE = 3`` words (of NFKC-casefolded ``\w+`` tokens).
  Syndicated copies differ by reworded sentences and substituted words;
  every changed word breaks ``k`` shingles, so a small ``k`` keeps copies
  similar (5% of words substituted leaves ~86% of 3-shingles intact but
  only ~77% of 5-shingles). Three words are still specific enough that two
  different articles on the same topic share almost nothing: the two seed
  articles (both on Putin/Zelensky talks, sharing names and phrases such as
  "kremlin spokesman dmitry peskov") have an exact 3-shingle Jaccard of
  0.005 (2-shingles: 0.025).
- ``NUM_PERM = 128`` permutations: the standard error of the Jaccard
  estimate is sqrt(J(1-J)/128), 0.044 at J=0.5, so a copy at J>=0.65 passes
  a 0.5 threshold with >99.9% probability. 256 would bring the error to
  0.031 at twice the hashing and storage (512 bytes a signature now); the
  gap between copies and different articles is too wide to need it.
- ``DEFAULT_THRESHOLD = 0.5`` (estimated Jaccard). Copies with a changed
  headline, a paragraph added or cut, a reworded sentence or other
  boilerplate lines keep J of 0.75-0.97 (all of those edits at once on the
  seed article: 0.84); articles on the same topic stay below 0.05. 0.5 sits
  in that gap with room on both sides; lower would start to merge follow-up
  stories that reuse half of an earlier report's paragraphs, which are new
  stories (and the bench's copies missed at 0.5 have J 0.38-0.48: 5% of
  words substituted *and* paragraphs added and cut in a 300-word text).
- LSH banding comes from the threshold via datasketch's optimizer (:func:`lsh_params`),
  weighted 0.1/0.9 towards recall because every candidate is verified on
  its stored signature anyway: 0.5 -> 32 bands x 4 rows (all 128 slots).
  See ``LSH_WEIGHTS`` for the resulting S-curve.
"""

from __future__ import annotations

import difflib
import hashlib
import ipaddress
import logging
import sqlite3
import time
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

import numpy as np
from w3lib.url import canonicalize_url as _w3lib_canonicalize_url

if TYPE_CHECKING:
    from datasketch import LeanMinHash

from newsmon.fingerprint import (  # noqa: F401 - re-exported: dedupe's text half
    _EMPTY,
    _HASH_SCHEME,
    NUM_PERM,
    SEED,
    SHINGLE_SIZE,
    normalize_text,
    shingle_hashes,
    signature_values,
    text_hash,
)
from newsmon.store.schema import RAW_TABLES

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------
# URLs
# --------------------------------------------------------------------------

#: Query parameters that only say how a reader arrived (campaigns, click
#: ids, newsletter ids), never which page it is. Compared case-insensitively.
TRACKING_PARAMS = frozenset({
    # ad-platform click ids
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
    "twclid", "ttclid", "li_fat_id", "igshid", "epik",
    # analytics / email marketing
    "_ga", "_gl", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "vero_id",
    "oly_anon_id", "oly_enc_id", "wt.mc_id", "s_cid", "ocid", "cmpid", "smid",
    # social share / referrer markers
    "ref_src", "ref_url", "__twitter_impression", "at_medium", "at_campaign",
    "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee",
})
#: Parameter-name prefixes of whole tracking families (Google Analytics
#: utm_*, Matomo/Piwik pk_* and mtm_*, HubSpot ads hsa_*).
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking_param(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _strip_tracking(query: str) -> str:
    """Drop tracking pairs from an already canonical (encoded, sorted) query.

    Filtering the encoded pairs, instead of re-encoding, keeps w3lib's
    encoding byte for byte, which is what makes the function idempotent.
    """
    kept = [pair for pair in query.split("&")
            if pair and not _is_tracking_param(unquote_plus(pair.split("=", 1)[0]))]
    return "&".join(kept)


def canonicalize_url(url: str) -> str:
    """The canonical form of ``url``: one stored key per page.

    w3lib's canonicalization (sorted query, normalized percent-encoding,
    IDNA host, fragment dropped) plus: tracking parameters removed, host
    lowercased, default port dropped. Path case is kept (paths are case
    sensitive). Idempotent. A malformed URL (bad port, broken IPv6 host)
    comes back without its fragment instead of raising: one bad link on a
    page must not take down the spider's callback.
    """
    url = (url or "").strip()
    if not url:
        return url
    try:
        parts = urlsplit(_w3lib_canonicalize_url(url, keep_fragments=False))
    except ValueError:
        return url.split("#", 1)[0]
    netloc = parts.netloc
    host = parts.hostname  # lowercased by urllib
    if host is not None:
        try:
            port = parts.port
        except ValueError:  # an invalid port: leave the netloc as it is
            port = None
            host = None
        if host is not None:
            userinfo = netloc.rpartition("@")[0]
            shown_host = f"[{host}]" if ":" in host else host
            netloc = (f"{userinfo}@" if userinfo else "") + shown_host
            if port is not None and port != _DEFAULT_PORTS.get(parts.scheme):
                netloc += f":{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, _strip_tracking(parts.query), ""))


@lru_cache(maxsize=1)
def _tld_extractor():
    """tldextract with its bundled public suffix list (never fetched: offline).

    tldextract comes with Scrapy; without it, sites are compared by exact
    host only (the conservative answer).
    """
    try:
        import tldextract
    except ImportError:  # pragma: no cover - Scrapy depends on it
        return None
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def registrable_domain(host: str) -> str | None:
    """``news.bbc.co.uk`` -> ``bbc.co.uk``; None for IPs, single labels and
    hosts that are themselves a public suffix (then only the exact host counts).
    Private suffixes (``github.io``) count as suffixes: two blogs on one
    hosting domain are different sites."""
    host = (host or "").lower().rstrip(".")
    if not host or _is_ip(host) or "." not in host:
        return None
    extract = _tld_extractor()
    if extract is None:
        return None
    parts = extract(host, include_psl_private_domains=True)
    if not parts.domain or not parts.suffix:
        return None
    return f"{parts.domain}.{parts.suffix}"


def same_site(url_a: str, url_b: str) -> bool:
    """Same host (and port), or two hosts of one registrable domain."""
    a, b = urlsplit(url_a), urlsplit(url_b)
    if a.scheme not in _DEFAULT_PORTS or b.scheme not in _DEFAULT_PORTS:
        return False
    try:
        port_a = a.port or _DEFAULT_PORTS[a.scheme]
        port_b = b.port or _DEFAULT_PORTS[b.scheme]
    except ValueError:
        return False
    host_a, host_b = (a.hostname or ""), (b.hostname or "")
    if not host_a or not host_b:
        return False
    if host_a == host_b:
        # http -> https upgrades are common in canonical links; a different
        # non-default port on the same host is another server (test sites)
        return port_a == port_b or {port_a, port_b} == {80, 443}
    domain_a = registrable_domain(host_a)
    return domain_a is not None and domain_a == registrable_domain(host_b)


def pick_canonical(page_url: str, declared: str | None) -> str:
    """The URL to store a page under.

    A declared canonical (rel=canonical, og:url) is honoured when it is on
    the same site as the page: it merges AMP, print and tracking variants.
    It is ignored when it points elsewhere (a syndicated copy naming the
    original must stay a separate article, found as a duplicate instead)
    and when it points to the site's front page from an article (a common
    CMS template bug that would merge every article into one).
    """
    page = canonicalize_url(page_url)
    declared = (declared or "").strip()
    if not declared:
        return page
    candidate = canonicalize_url(urljoin(page_url, declared))
    if not same_site(page, candidate):
        return page
    if urlsplit(candidate).path in ("", "/") and urlsplit(page).path not in ("", "/"):
        return page
    return candidate


# --------------------------------------------------------------------------
# Text normalization, exact hash, diff
# --------------------------------------------------------------------------

def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def text_diff(old: str, new: str, from_label: str, to_label: str) -> str:
    """Unified diff of two texts, one diff line per paragraph.

    Paragraphs are the unit editors work in and the unit a reader scans; a
    changed word shows as its paragraph removed and re-added. Returns "" for
    texts with the same paragraphs.
    """
    lines = difflib.unified_diff(_paragraphs(old), _paragraphs(new),
                                 fromfile=from_label, tofile=to_label, lineterm="", n=1)
    return "\n".join(lines)


# --------------------------------------------------------------------------
# MinHash signatures
# --------------------------------------------------------------------------

DEFAULT_THRESHOLD = 0.5
#: Bump when normalization, tokenization or hashing changes: stored
#: signatures of another version are not comparable and get rebuilt.
SIGNATURE_VERSION = 1
#: LSH optimizer weights (false positive, false negative): a false
#: candidate costs one signature comparison, a missed one is a duplicate
#: stored as new. At 0.5 this gives 32 bands x 4 rows (all 128 slots): a
#: pair at J=0.6 is a candidate 98.8% of the time, at J=0.7 >99.9%, an
#: unrelated same-topic pair at J=0.1 0.3%, a random pair at J=0.02 ~5e-6.
LSH_WEIGHTS = (0.1, 0.9)


def text_signature(text: str) -> LeanMinHash:
    """MinHash (datasketch, ``NUM_PERM`` permutations) of the text's word shingles.

    The slots are :func:`newsmon.fingerprint.signature_values`, which
    computes datasketch's own affine32 MinHash without importing it (tests
    hold the two equal); the index takes either form.
    """
    from datasketch import LeanMinHash  # here: the package loads scipy and redis (0.5 s, 50 MB)

    return LeanMinHash(seed=SEED, hashvalues=signature_values(text), scheme=_HASH_SCHEME)


def _hashvalues(signature) -> np.ndarray:
    """The uint32 slots of a MinHash / LeanMinHash (or a raw array), validated."""
    if hasattr(signature, "hashvalues"):     # a datasketch MinHash / LeanMinHash
        if getattr(signature, "seed", None) != SEED or getattr(signature, "scheme", _HASH_SCHEME) != _HASH_SCHEME:
            raise ValueError("signature was not made by text_signature (seed/scheme differ)")
        values = signature.hashvalues
    else:
        values = signature
    values = np.asarray(values, dtype=np.uint32)
    if values.shape != (NUM_PERM,):
        raise ValueError(f"signature must have {NUM_PERM} hash values, got {values.shape}")
    return values


def is_empty(signature) -> bool:
    """True for the signature of a text without words (matches nothing)."""
    return bool(np.all(_hashvalues(signature) == _EMPTY))


def estimate_jaccard(sig_a, sig_b) -> float:
    """Estimated Jaccard similarity of two signatures (share of equal slots)."""
    return float(np.mean(_hashvalues(sig_a) == _hashvalues(sig_b)))


# Gauss-Legendre nodes on [-1, 1]: n nodes integrate polynomials of degree < 2n exactly,
# and the S-curve of b bands x r rows is one of degree b*r <= NUM_PERM
_GAUSS_NODES, _GAUSS_WEIGHTS = np.polynomial.legendre.leggauss(NUM_PERM // 2 + 1)


def _integral(f, lo: float, hi: float) -> float:
    half = (hi - lo) / 2
    return float(half * np.dot(_GAUSS_WEIGHTS, f(lo + half * (_GAUSS_NODES + 1))))


@lru_cache(maxsize=16)
def lsh_params(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows) minimizing weighted false positive/negative mass around ``threshold``.

    datasketch's optimizer (``datasketch.lsh._optimal_param``, with these
    weights), integrating with numpy instead of scipy, which only importing
    datasketch would load (tests hold the two equal).
    """
    best, layout = float("inf"), (0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            false_pos = _integral(lambda s, b=b, r=r: 1 - (1 - s ** r) ** b, 0.0, threshold)
            false_neg = _integral(lambda s, b=b, r=r: (1 - s ** r) ** b, threshold, 1.0)
            error = false_pos * LSH_WEIGHTS[0] + false_neg * LSH_WEIGHTS[1]
            if error < best:
                best, layout = error, (b, r)
    return layout


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """P(a pair with this Jaccard shares at least one band): the LSH S-curve."""
    return 1.0 - (1.0 - similarity ** rows) ** bands


# --------------------------------------------------------------------------
# The persistent index
# --------------------------------------------------------------------------

_TABLES = ("minhash_meta", "minhash_signatures", "minhash_bands")
_SIGNATURE_KEY = f"v{SIGNATURE_VERSION}:k{SHINGLE_SIZE}:perm{NUM_PERM}:seed{SEED}:{_HASH_SCHEME}"
_REBUILD_BATCH = 1000


def _band_keys(values: np.ndarray, bands: int, rows: int) -> list[tuple[int, int]]:
    """(band, signed 64-bit hash of that band's rows) for each band."""
    raw = values.astype("<u4").tobytes()
    width = rows * 4
    return [(band, int.from_bytes(hashlib.blake2b(raw[band * width:(band + 1) * width],
                                                  digest_size=8).digest(), "little", signed=True))
            for band in range(bands)]


class NearDuplicateIndex:
    """MinHash LSH index persisted in the caller's SQLite database.

    Tables: ``minhash_signatures`` (article_id -> 128 uint32 slots, 512
    bytes), ``minhash_bands`` (one row per band, primary key (band, hash,
    article_id)) and ``minhash_meta`` (signature and banding parameters). A
    query is ``bands`` index seeks plus the verification of the candidates'
    signatures: its cost grows only with the depth of the B-tree (logarithmically),
    and nothing is loaded into memory up front.

    Transactions belong to the caller: :meth:`add` and :meth:`remove` never
    begin or commit (ingest wraps a batch in BEGIN IMMEDIATE ... COMMIT with
    a savepoint per page, and a rolled back page must leave no index rows).
    Outside a transaction, Python's sqlite3 opens one implicitly on the first
    write; the caller commits it. Only a rebuild in the constructor owns its
    transaction, and only when the connection is not already in one.

    The banding (bands x rows) is chosen for the threshold of the first
    index created in a database and stored; later opens reuse it (all rows
    must share one layout) unless their threshold needs more recall, then
    the bands are rebuilt from the stored signatures. Changing the threshold
    while another process writes the same database is not supported.
    """

    def __init__(self, conn: sqlite3.Connection, threshold: float = DEFAULT_THRESHOLD):
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        self.conn = conn
        self.threshold = float(threshold)
        for name in _TABLES:    # declared in newsmon.store.schema; a bare connection gets them too
            conn.execute(RAW_TABLES[name])
        self.bands, self.rows = self._layout()
        self._rebuild_if_missing()

    # -- setup -------------------------------------------------------------

    def _meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM minhash_meta"))

    def _set_meta(self, **values) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO minhash_meta (key, value) VALUES (?, ?)",
                              [(k, str(v)) for k, v in values.items()])

    def _layout(self) -> tuple[int, int]:
        """The stored banding if it serves this threshold, else the one for it."""
        meta = self._meta()
        wanted = lsh_params(self.threshold)
        if meta.get("signature") != _SIGNATURE_KEY or "bands" not in meta:
            return wanted
        stored = int(meta["bands"]), int(meta["rows"])
        # reuse a layout that finds pairs at our threshold at least as often
        # as our own would (a higher threshold than the stored one's)
        if candidate_probability(self.threshold, *stored) >= candidate_probability(self.threshold, *wanted):
            return stored
        return wanted

    def _rebuild_if_missing(self) -> None:
        """Bring the index in line with the articles and this layout, if needed.

        Decided once cheaply, then again under the write lock: a concurrent
        process opening the same database may have just done the work.
        """
        if self._repair_needed() is not None:
            self._in_own_transaction(self._repair)

    def _repair_needed(self) -> str | None:
        meta = self._meta()
        has_sigs = self.conn.execute("SELECT 1 FROM minhash_signatures LIMIT 1").fetchone()
        if meta.get("signature") != _SIGNATURE_KEY:
            if has_sigs or meta:
                return "signatures_changed"
            return "rebuild" if self._articles_to_index() else "meta"
        if not has_sigs:
            return "rebuild" if self._articles_to_index() else None
        layout_ok = (meta.get("bands"), meta.get("rows")) == (str(self.bands), str(self.rows))
        has_bands = self.conn.execute("SELECT 1 FROM minhash_bands LIMIT 1").fetchone()
        return None if layout_ok and has_bands else "rebands"

    def _repair(self) -> None:
        action = self._repair_needed()
        if action == "signatures_changed":
            log.warning("minhash index: signature parameters changed (%s -> %s); rebuilding",
                        self._meta().get("signature"), _SIGNATURE_KEY)
            self._rebuild_from_articles()
        elif action == "rebuild":
            log.warning("minhash index is empty but articles exist; rebuilding it from their text")
            self._rebuild_from_articles()
        elif action == "rebands":
            self._rebuild_bands()
        elif action == "meta":
            self._write_meta()

    def _in_own_transaction(self, work) -> None:
        """Run ``work`` atomically: its own BEGIN IMMEDIATE ... COMMIT when the
        connection is idle, else a savepoint inside the caller's transaction
        (which then decides whether the rebuild is kept)."""
        conn = self.conn
        if conn.in_transaction:
            conn.execute("SAVEPOINT minhash_rebuild")
            try:
                work()
            except BaseException:
                conn.execute("ROLLBACK TO minhash_rebuild")
                conn.execute("RELEASE minhash_rebuild")
                raise
            conn.execute("RELEASE minhash_rebuild")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            work()
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    def _write_meta(self) -> None:
        self._set_meta(signature=_SIGNATURE_KEY, bands=self.bands, rows=self.rows,
                       threshold=self.threshold)

    def _articles_to_index(self) -> bool:
        exists = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'articles'").fetchone()
        if not exists:
            return False
        return self.conn.execute(
            "SELECT 1 FROM articles WHERE duplicate_of IS NULL AND text IS NOT NULL LIMIT 1"
        ).fetchone() is not None

    def _rebuild_from_articles(self) -> None:
        """Index every first-seen article (duplicate_of IS NULL) from its stored text."""
        started = time.monotonic()
        self.conn.execute("DELETE FROM minhash_bands")
        self.conn.execute("DELETE FROM minhash_signatures")
        self._write_meta()
        count = 0
        if self._articles_to_index():
            rows = self.conn.execute(
                "SELECT id, text FROM articles WHERE duplicate_of IS NULL AND text IS NOT NULL "
                "ORDER BY id")
            while batch := rows.fetchmany(_REBUILD_BATCH):
                self.add_many((article_id, signature_values(text)) for article_id, text in batch)
                count += len(batch)
        log.info("minhash index rebuilt from %d articles in %.1fs", count, time.monotonic() - started)

    def _rebuild_bands(self) -> None:
        """Re-band the stored signatures for this index's layout."""
        started = time.monotonic()
        self.conn.execute("DELETE FROM minhash_bands")
        self._write_meta()
        count = 0
        rows = self.conn.execute("SELECT article_id, sig FROM minhash_signatures")
        while batch := rows.fetchmany(_REBUILD_BATCH):
            self.conn.executemany(
                "INSERT OR IGNORE INTO minhash_bands (band, hash, article_id) VALUES (?, ?, ?)",
                [(band, key, article_id)
                 for article_id, blob in batch
                 for band, key in _band_keys(np.frombuffer(blob, dtype="<u4"), self.bands, self.rows)])
            count += len(batch)
        log.info("minhash bands rebuilt (%d x %d) for %d signatures in %.1fs",
                 self.bands, self.rows, count, time.monotonic() - started)

    # -- writes (inside the caller's transaction) ---------------------------

    def add(self, article_id: int, signature) -> None:
        """Index one article (replacing its previous signature, if any)."""
        self.add_many([(article_id, signature)])

    def add_many(self, items: Iterable[tuple[int, object]]) -> None:
        """Index several articles with two executemany calls (bulk loads).

        An id given twice keeps its last signature; an id already indexed is
        replaced.
        """
        latest = {int(article_id): _hashvalues(signature) for article_id, signature in items}
        sig_rows, band_rows = [], []
        for article_id, values in latest.items():
            self.remove(article_id)
            if np.all(values == _EMPTY):
                continue  # a text without words: nothing to match
            sig_rows.append((article_id, values.astype("<u4").tobytes()))
            band_rows.extend((band, key, article_id)
                             for band, key in _band_keys(values, self.bands, self.rows))
        self.conn.executemany(
            "INSERT INTO minhash_signatures (article_id, sig) VALUES (?, ?)", sig_rows)
        self.conn.executemany(
            "INSERT OR IGNORE INTO minhash_bands (band, hash, article_id) VALUES (?, ?, ?)", band_rows)

    def remove(self, article_id: int) -> None:
        """Forget one article (no-op if it is not indexed)."""
        row = self.conn.execute("SELECT sig FROM minhash_signatures WHERE article_id = ?",
                                [int(article_id)]).fetchone()
        if row is None:
            return
        keys = _band_keys(np.frombuffer(row[0], dtype="<u4"), self.bands, self.rows)
        self.conn.executemany(
            "DELETE FROM minhash_bands WHERE band = ? AND hash = ? AND article_id = ?",
            [(band, key, int(article_id)) for band, key in keys])
        self.conn.execute("DELETE FROM minhash_signatures WHERE article_id = ?", [int(article_id)])

    # -- reads -------------------------------------------------------------

    def candidates(self, signature) -> list[int]:
        """Article ids sharing at least one band with ``signature`` (unverified)."""
        values = _hashvalues(signature)
        if np.all(values == _EMPTY):
            return []
        keys = _band_keys(values, self.bands, self.rows)
        where = " OR ".join(["(band = ? AND hash = ?)"] * len(keys))
        params = [v for key in keys for v in key]
        return [r[0] for r in self.conn.execute(
            f"SELECT DISTINCT article_id FROM minhash_bands WHERE {where}", params)]

    def query(self, signature) -> list[tuple[int, float]]:
        """[(article_id, estimated Jaccard)] at or above the threshold, best first
        (ties: the earliest article id first)."""
        values = _hashvalues(signature)
        if np.all(values == _EMPTY):
            return []
        keys = _band_keys(values, self.bands, self.rows)
        where = " OR ".join(["(b.band = ? AND b.hash = ?)"] * len(keys))
        params = [v for key in keys for v in key]
        rows = self.conn.execute(
            "SELECT s.article_id, s.sig FROM minhash_signatures s WHERE s.article_id IN "
            f"(SELECT b.article_id FROM minhash_bands b WHERE {where})", params).fetchall()
        if not rows:
            return []
        stored = np.frombuffer(b"".join(r[1] for r in rows), dtype="<u4").reshape(len(rows), NUM_PERM)
        similarity = (stored == values).mean(axis=1)
        found = [(rows[i][0], float(similarity[i])) for i in np.flatnonzero(similarity >= self.threshold)]
        return sorted(found, key=lambda pair: (-pair[1], pair[0]))

    def __len__(self) -> int:
        return self.conn.execute("SELECT count(*) FROM minhash_signatures").fetchone()[0]
