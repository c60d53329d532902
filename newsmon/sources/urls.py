"""Which links look like articles: URL shapes, and article_patterns generalised from example links."""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urlsplit

STATIC_EXT = re.compile(r"\.(?:css|js|json|png|jpe?g|gif|svg|webp|ico|pdf|zip|gz|mp[34]|avi|mov|woff2?|ttf|xml|rss|atom|txt)$", re.I)
NOT_ARTICLE_SEGMENTS = {
    "tag", "tags", "topic", "topics", "category", "categories", "author", "authors", "search",
    "login", "account", "subscribe", "about", "contact", "privacy", "terms", "advertise",
    "page", "static", "assets", "feed", "rss", "cdn-cgi", "wp-admin", "wp-content", "wp-json",
}


# ---------------------------------------------------------------------------
# URL shapes and article_patterns


_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_NUM2 = re.compile(r"^\d{1,2}$")
_ID = re.compile(r"^\d{5,}$")
_EXT = re.compile(r"(\.s?html?|\.php|\.aspx?)$", re.I)
_SLUG = re.compile(r"^[^\W_]+(?:[-_][^\W_]+){2,}$")


def _segment_class(seg: str) -> str:
    core = _EXT.sub("", seg)
    if _YEAR.match(core):
        return "year"
    if _ID.match(core):
        return "id"
    if _NUM2.match(core):
        return "num2"
    if _SLUG.match(core) and len(core) >= 12:
        return "slug"
    if re.search(r"\d{5,}", core) and len(core) >= 8:
        return "id"   # "story12345", "a-1234567"
    return "word"


def url_shape(url: str) -> tuple[str, ...] | None:
    """Classes of the path segments of a URL that could be an article, else None.

    An article URL has a dated path, a long slug or a numeric id in it; index,
    tag, author, static and account pages are not articles.
    """
    parts = urlsplit(url)
    segs = [s for s in parts.path.split("/") if s]
    if not segs or STATIC_EXT.search(parts.path):
        return None
    if any(s.lower() in NOT_ARTICLE_SEGMENTS for s in segs[:-1]) or segs[-1].lower() in NOT_ARTICLE_SEGMENTS:
        return None
    classes = tuple(_segment_class(s) for s in segs)
    last = classes[-1]
    dated = "year" in classes and classes.index("year") < len(classes) - 1
    if last in ("slug", "id") or (dated and last != "num2"):
        return classes
    return None


def looks_like_article_url(url: str) -> bool:
    """True for URLs shaped like articles (see :func:`url_shape`)."""
    return url_shape(url) is not None


_CLASS_RE = {"year": r"\d{4}", "num2": r"\d{1,2}", "id": r"[^/]*\d{5,}[^/]*",
             "slug": r"[^\W_]+(?:[-_][^\W_]+){2,}", "word": r"[^/]+"}


def _group_pattern(paths: list[list[str]], classes: tuple[str, ...]) -> str:
    out = []
    for i, cls in enumerate(classes):
        values = {p[i] for p in paths}
        if len(values) == 1 and (cls == "word" or len(paths) == 1):
            out.append(re.escape(next(iter(values))))
            continue
        exts = {(_EXT.search(v).group(1).lower() if _EXT.search(v) else "") for v in values}
        ext = next(iter(exts)) if len(exts) == 1 else None
        core = _CLASS_RE[cls]
        if ext:
            core += re.escape(ext)
        elif len(exts) > 1:
            core += r"(?:\.\w+)?"
        out.append(core)
    return "/" + "/".join(out) + r"/?(?:[?#]|$)"


def infer_patterns(urls, *, min_group: int = 2, max_patterns: int = 3) -> list[tuple[str, list[str]]]:
    """Article URL regexes generalised from example URLs: ``[(pattern, matching urls)]``.

    URLs are grouped by the classes of their path segments (year, month/day,
    numeric id, slug, word); a segment shared by the whole group stays literal
    (the section prefix), the others become character classes. Biggest groups
    first.
    """
    groups: dict[tuple, list[str]] = defaultdict(list)
    for url in dict.fromkeys(urls):
        shape = url_shape(url)
        if shape:
            groups[shape].append(url)
    # words that vary across a group stay a class; a literal first segment keeps sections apart
    ranked = []
    for shape, members in groups.items():
        paths = [[s for s in urlsplit(u).path.split("/") if s] for u in members]
        # split by first segment when it is a shared 'word' section for most of the group
        by_first: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(paths):
            by_first[p[0] if shape[0] == "word" else ""].append(i)
        if shape[0] == "word" and len(by_first) <= 3:
            parts = list(by_first.values())
        else:
            parts = [list(range(len(paths)))]
        for idx in parts:
            if len(idx) < min_group:
                continue
            ranked.append((len(idx), _group_pattern([paths[i] for i in idx], shape), [members[i] for i in idx]))
    ranked.sort(key=lambda r: -r[0])
    return [(pattern, members) for _, pattern, members in ranked[:max_patterns]]


def path_prefix(url: str) -> str:
    """The directory of a start URL: "/news/" for /news/ or /news/index.html; "/" for the home page."""
    path = urlsplit(url).path or "/"
    if not path.endswith("/"):
        path = path.rsplit("/", 1)[0] + "/"
    return path


def is_under(url: str, start: str) -> bool:
    prefix = path_prefix(start)
    return urlsplit(url).path.startswith(prefix)
