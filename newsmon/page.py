"""`newsmon extract`: one page analysed as `newsmon crawl` would store it.

A URL is fetched with add-source's fetcher (newsmon.sources.fetch.Fetcher),
which applies the crawl's rules: http(s) only, no private, loopback or
link-local address except the host asked for (as a source's own start URLs
are allowed), redirects checked the same way, a timeout, the crawl's page
size cap (also after gzip decompression). The bytes are decoded as a crawl
decodes them (newsmon.decode) and analysed by the crawl's own function
(newsmon.analysis.analyze_page): text, metadata, the drop verdict, claims.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from newsmon.addresses import host_key

HTML_TYPES = ("text/html", "application/xhtml+xml")


class PageError(Exception):
    """The page could not be had (not fetched, not readable); the message says why."""


def is_url(value: str) -> bool:
    return urlsplit(value).scheme.lower() in ("http", "https")


def fetch_page(url: str, allow_private=()) -> dict:
    """The page at ``url``: ``{"url", "final_url", "status", "content_type", "body"}``, or a
    ``{"drop_reason"}`` a crawl would record (too_large); PageError when it cannot be fetched."""
    from newsmon.sources.fetch import MAX_PAGE_BYTES, Fetcher

    fetcher = Fetcher({host_key(url), *allow_private})
    page = fetcher.get(url, MAX_PAGE_BYTES)
    if page.error and "larger than" in page.error:   # the cap, or a decompression bomb
        return {"url": url, "final_url": page.final_url, "status": page.status,
                "content_type": page.content_type, "body": b"", "drop_reason": "too_large"}
    if page.error:
        raise PageError(f"cannot fetch {url}: {page.error}")
    if page.status != 200:
        raise PageError(f"cannot fetch {url}: HTTP {page.status}")
    return {"url": url, "final_url": page.final_url, "status": page.status,
            "content_type": page.content_type, "body": page.body}


def read_page(path: str | Path, url: str | None = None) -> dict:
    from newsmon.sources.fetch import MAX_PAGE_BYTES

    path = Path(path)
    try:
        body = path.read_bytes()
    except OSError as e:
        raise PageError(f"cannot read {path}: {e.strerror or e}") from None
    page = {"url": url, "final_url": url, "status": None, "content_type": "", "body": body}
    if len(body) > MAX_PAGE_BYTES:
        page.update(body=b"", drop_reason="too_large")
    return page


def analyze(page: dict) -> dict:
    """The page (from :func:`fetch_page` or :func:`read_page`) with ``article``,
    ``drop_reason`` and ``claims`` as a crawl stores them."""
    from newsmon.analysis import analyze_page
    from newsmon.decode import decode_page
    from newsmon.dedupe import canonicalize_url

    out = {k: v for k, v in page.items() if k != "body"}
    out["url"] = canonicalize_url(page["url"]) if page.get("url") else None
    out.update(article=None, claims=[], drop_reason=page.get("drop_reason"))
    ctype = (page.get("content_type") or "").lower().strip()
    if out["drop_reason"] is None and ctype and not ctype.startswith(HTML_TYPES):
        out["drop_reason"] = "not_html"
    if out["drop_reason"] is None:
        decoded = decode_page(page["body"], page.get("content_type"), page.get("final_url") or "")
        if decoded is None:
            out["drop_reason"] = "binary"
        else:
            analysis = analyze_page(decoded[0], page.get("final_url"))
            out.update(article=analysis["article"], drop_reason=analysis["drop_reason"],
                       claims=analysis["claims"], encoding=decoded[1])
    out["stored"] = out["drop_reason"] is None and out["article"] is not None
    return out


def extract_page(source: str, *, url: str | None = None, allow_private=()) -> dict:
    """A URL or a file, analysed (see :func:`analyze`); ``url`` names a file's page."""
    page = fetch_page(source, allow_private) if is_url(source) else read_page(source, url)
    return analyze(page)
