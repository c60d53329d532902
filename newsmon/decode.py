"""A fetched page's bytes as text, as a crawl decodes them: binary data refused,
the declared encoding used only if it really decodes the bytes, no C0 control
characters. Shared by the crawl (crawler/spiders/base.py: decode_html, with
Scrapy's choice of encoding) and ``newsmon extract`` (:func:`decode_page`)."""

from __future__ import annotations

import codecs
import logging
import re

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL_BYTES = bytes(sorted(set(range(0, 32)) - {9, 10, 12, 13}))


def looks_binary(body: bytes, sample: int = 8192) -> bool:
    """Bytes that are not text in any encoding a web page uses (images, archives,
    random data served as text/html): many NUL or control bytes up front."""
    head = body[:sample]
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")):   # UTF-16 with a BOM is text
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))   # counted in C
    return controls > len(head) * 0.05


def _strict(body: bytes, encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def guess_encoding(body: bytes) -> str:
    """The body's encoding by content alone; cp1252 (what browsers use for
    "latin-1") wins ties, as it does on the web."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(body[:262144]))
    if not matches:
        return "cp1252"
    best = matches[0]
    tied = [m.encoding for m in matches
            if m.chaos <= best.chaos + 0.01 and abs(m.coherence - best.coherence) <= 0.01]
    for preferred in ("utf_8", "cp1252"):
        if preferred in tied:
            return preferred
    return best.encoding


# encodings whose bytes below 0x20 are exactly the text's C0 controls
_ASCII_SUPERSETS = ("utf-8", "ascii")
_ASCII_SUPERSET_PREFIXES = ("cp125", "iso8859-", "latin", "mac-")
_CONTROL_RE_BYTES = bytes([*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20)])   # _CONTROL_RE's


def _without_controls(text: str, body: bytes, encoding: str) -> str:
    """``text`` without C0 controls; when its encoding is an ASCII superset, the bytes
    tell whether there are any (in C, five times cheaper than a regex over the text)."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        name = ""
    if (name in _ASCII_SUPERSETS or name.startswith(_ASCII_SUPERSET_PREFIXES)) \
            and len(body.translate(None, _CONTROL_RE_BYTES)) == len(body):
        return text
    return _CONTROL_RE.sub("", text)




def decode_body(body: bytes, encoding: str | None, url: str = "") -> tuple[str, str] | None:
    """(text, encoding) of an HTML body whose encoding was guessed as ``encoding``
    (from its headers, BOM or <meta>), or None for binary data.

    ``encoding`` is used only if it really decodes the bytes: a page that
    declares UTF-8 and is latin-1, or declares nothing, is decoded by what its
    bytes are. The text never holds NUL or other C0 control characters.
    """
    if looks_binary(body):
        return None
    text = _strict(body, encoding)
    if text is None:
        declared = encoding
        encoding = "utf-8" if _strict(body, "utf-8") is not None else guess_encoding(body)
        text = body.decode(encoding, errors="replace")
        logging.getLogger(__name__).info("%s: declared %s does not decode it, read as %s", url, declared, encoding)
    return _without_controls(text, body, encoding), encoding


def decode_page(body: bytes, content_type: str | None = None, url: str = "") -> tuple[str, str] | None:
    """:func:`decode_body` with the encoding chosen as Scrapy chooses it for a crawl:
    the Content-Type charset, a BOM, the page's <meta charset>, else by content."""
    from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

    bom, _ = read_bom(body)
    declared = http_content_type_encoding(content_type) if content_type else None
    encoding = bom or declared or html_body_declared_encoding(body)
    return decode_body(body, encoding, url)
