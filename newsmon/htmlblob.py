"""Raw HTML as stored in ``pages.html``: zstd-compressed UTF-8.

Its own module (no sqlite_utils) because the analysis workers decompress
the pages ``newsmon reprocess`` sends them as stored.
"""

from __future__ import annotations

import zlib

import zstandard

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def compress_html(html: str) -> bytes:
    """zstd level 3: the ratio of zlib -6 on news HTML at a sixth of the CPU
    (0.2 vs 1.3 ms for 66 KB), and 3x faster to decompress for reprocess."""
    return zstandard.compress(html.encode("utf-8", "replace"), 3)


def decompress_html(blob: bytes | None) -> str:
    """Raw HTML of a ``pages.html`` blob: zstd, or zlib as databases before it hold."""
    if not blob:
        return ""
    if blob[:4] == _ZSTD_MAGIC:
        # ZstdDecompressor, unlike zstandard.decompress, takes frames whose header omits the size
        return zstandard.ZstdDecompressor().decompress(blob).decode("utf-8", "replace")
    return zlib.decompress(blob).decode("utf-8", "replace")
