"""Metadata from the page: JSON-LD, meta tags, canonical URL, language, authors."""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin, urlsplit

from newsmon.extract.lines import collapse_ws

_ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle",
                  "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle",
                  "blogposting", "liveblogposting", "socialmediaposting", "report",
                  "scholarlyarticle", "techarticle", "posting"}
_COLLECTION_TYPES = {"collectionpage", "itemlist", "searchresultspage"}


def jsonld_objects(tree) -> list[dict]:
    """All JSON-LD objects of the page, @graph and lists flattened."""
    out = []
    for script in tree.xpath('//script[contains(translate(@type,"LDJSON","ldjson"),"ld+json")]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            try:   # common breakage: trailing commas, raw newlines in strings
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", raw.replace("\n", " ")), strict=False)
            except ValueError:
                continue
        stack = [data]
        while stack:
            obj = stack.pop()
            if isinstance(obj, list):
                stack.extend(obj)
            elif isinstance(obj, dict):
                out.append(obj)
                if "@graph" in obj:
                    stack.append(obj["@graph"])
    return out


def _types(obj: dict) -> set[str]:
    t = obj.get("@type") or []
    return {str(x).casefold() for x in (t if isinstance(t, list) else [t])}


def jsonld_article(objs: list[dict]) -> dict:
    """The article object of the page's JSON-LD, or {}."""
    for obj in objs:
        if _types(obj) & _ARTICLE_TYPES:
            return obj
    for obj in objs:                           # a WebPage with dates is next best
        if "datePublished" in obj:
            return obj
    return {}


PUBLISHED_META = ("article:published_time", "og:article:published_time", "og:published_time",
                   "datepublished", "pubdate", "publishdate", "publish-date", "publish_date",
                   "publication_date", "date", "dc.date", "dc.date.issued", "dcterms.issued",
                   "dcterms.created", "sailthru.date", "parsely-pub-date", "article.published",
                   "rnews:datepublished", "cxenseparse:recs:publishtime", "article_date_original")
MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified",
                  "last-modified", "article.updated", "lastmod")


def meta_map(tree) -> dict[str, str]:
    """First value of each <meta> name/property/itemprop (lowercased)."""
    out: dict[str, str] = {}
    for m in tree.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or m.get("http-equiv") or "")
        key = key.strip().casefold()
        val = (m.get("content") or "").strip()
        if key and val and key not in out:
            out[key] = val
    return out


def meta_date(tree, meta: dict, names) -> str | None:
    for name in names:
        if meta.get(name):
            return meta[name]
    prop = "datePublished" if names is PUBLISHED_META else "dateModified"
    for el in tree.xpath(f'//@itemprop[. = "{prop}"]/..'):    # = //*[@itemprop=..], twice as fast
        val = el.get("datetime") or el.get("content")
        if val:
            return val.strip()
    return None


def _abs_http(href: str | None, base: str | None) -> str | None:
    """Absolute http(s) URL or None."""
    if not href:
        return None
    try:
        full = urljoin(base or "", href.strip())
        parts = urlsplit(full)
    except ValueError:
        return None
    return full if parts.scheme in ("http", "https") and parts.netloc else None


def find_canonical_url(tree, meta: dict, url: str | None) -> str | None:
    """rel=canonical (resolved against the page URL), else og:url."""
    for link in tree.iter("link"):
        rels = (link.get("rel") or "").casefold().split()
        if "canonical" in rels:
            found = _abs_http(link.get("href"), url)
            if found:
                return found
    return _abs_http(meta.get("og:url"), url)


def page_language(tree, meta: dict, ld: dict, fallback: str | None) -> str | None:
    """Primary language subtag from JSON-LD, <html lang>, content-language or og:locale."""
    lang = ld.get("inLanguage") if isinstance(ld.get("inLanguage"), str) else None
    for cand in (lang, tree.get("lang"), tree.get("xml:lang"), meta.get("content-language"),
                 meta.get("og:locale"), fallback):
        if cand:
            sub = re.split(r"[-_,;\s]", cand.strip())[0].casefold()
            if re.fullmatch(r"[a-z]{2,3}", sub):
                return sub
    return None


# authors

_ROLE_WORDS = {
    "staff", "reporter", "reporters", "correspondent", "correspondents", "writer", "writers",
    "editor", "editors", "editorial", "desk", "team", "bureau", "news", "newsroom", "agency",
    "agencies", "service", "contributor", "contributors", "columnist", "email", "e-mail",
    "author", "authors", "admin", "administrator", "online", "digital", "web", "press", "wire",
    "updated", "published", "posted", "share", "follow", "guest", "senior", "special", "chief",
    "media", "network", "the", "by", "of", "more", "view", "all", "articles", "posts", "profile",
    "twitter", "facebook", "linkedin", "instagram", "read", "and", "photo", "photos", "video",
}
_PARTICLES = {"de", "da", "del", "della", "der", "den", "di", "do", "dos", "das", "du", "la",
              "le", "van", "von", "ter", "bin", "binti", "al", "el", "y", "e", "st."}
_BY_PREFIX = re.compile(r"^\s*(?:(?:written|reported|words|posted|compiled|edited)\s+)?by\s*:?\s+", re.I)
_SPLIT_NAMES = re.compile(r"\s*(?:[;,|/•·]|\band\b|&|\bwith\b|\n)\s*", re.I)


def _is_person_name(name: str) -> bool:
    """2-5 capitalised words (name particles allowed), no digits, no role words."""
    tokens = name.split()
    if not 2 <= len(tokens) <= 5:
        return False
    if any(ch.isdigit() or ch in "@:/()[]" for ch in name):
        return False
    capitals = 0
    for tok in tokens:
        bare = tok.strip(".,'’-")
        if bare.casefold() in _ROLE_WORDS:
            return False
        if bare.casefold() in _PARTICLES:
            continue
        if not bare or not bare[0].isupper():
            return False
        capitals += 1
    return capitals >= 2


def clean_authors(raw_values) -> list[str]:
    """Person names from raw author strings: splits "A and B", drops roles, bylines, emails."""
    names: list[str] = []
    for raw in raw_values:
        if not raw or not isinstance(raw, str):
            continue
        raw = re.sub(r"\S+@\S+|https?://\S+", " ", raw)
        for part in _SPLIT_NAMES.split(raw):
            part = _BY_PREFIX.sub("", part.strip()).strip(" .-–—:")
            part = collapse_ws(part)
            if _is_person_name(part) and part not in names:
                names.append(part)
    return names


def _jsonld_authors(ld: dict) -> list[str] | None:
    """Author strings of the JSON-LD article (Person entries only); None when absent."""
    authors = ld.get("author") or ld.get("creator")
    if not authors:
        return None
    out = []
    for a in authors if isinstance(authors, list) else [authors]:
        if isinstance(a, str):
            out.append(a)
        elif isinstance(a, dict) and not (_types(a) - {"person"}) and isinstance(a.get("name"), str):
            out.append(a["name"])
    return out


def pick_authors(ld: dict, meta: dict, traf_author) -> list[str]:
    """JSON-LD Person authors, else meta author tags, else trafilatura's byline guess
    (``traf_author``: a string, None, or a function that returns one, called only then)."""
    for raw in (_jsonld_authors(ld),
                [meta.get(k) for k in ("author", "article:author", "parsely-author",
                                       "sailthru.author", "byl", "dc.creator")
                 if meta.get(k) and not meta[k].startswith("http")]):
        names = clean_authors(raw or [])
        if names:
            return names
    if callable(traf_author):
        traf_author = traf_author()
    return clean_authors([traf_author.replace(";", ",")]) if traf_author else []
