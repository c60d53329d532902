"""newsmon's Datasette plugin (loaded with ``--plugins-dir``, as ``newsmon serve`` does).

- render_cell: in newsmon's tables, views and canned queries, an article's
  title and id link to the stored article's page (not the publisher's URL,
  which stays a separate, shortened link); a claim group links to 'Who
  reported a claim' filled in; a speaker to everything they said; a claim id
  to the claim's row; a diff shows its changed words; a full-text result a
  snippet with the match highlighted instead of the whole text.
- extra_template_vars: an article's source, claims, versions and copies for
  its page (templates/row.html); on a claim's and a claim group's page, the
  links to the article and to who reported it.
- the stylesheet at /-/newsmon.css (register_routes, extra_css_urls).

It acts only on databases opened with newsmon's metadata.yml (the ones that
have its 'claim_reporters' canned query).
"""

from __future__ import annotations

import contextvars
from urllib.parse import parse_qs, urlencode

from datasette import hookimpl
from datasette.utils import escape_fts, tilde_encode, urlsafe_components
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from newsmon.web import STYLESHEET, pages

CSS_PATH = "/-/newsmon.css"
# the request being answered: Datasette 0.65's render_cell is not told it, and a
# table's full-text results need its ?_search= to show snippets
_scope: contextvars.ContextVar[dict | None] = contextvars.ContextVar("newsmon_scope", default=None)
_ARTICLE_TABLES = ("articles", "articles_view")


def _newsmon_db(datasette, database) -> bool:
    queries = datasette.metadata("queries", database=database, fallback=False) or {}
    return "claim_reporters" in queries


def _get(row, key):
    """A column of a row (sqlite3.Row or Datasette's CustomRow), None if it has none; an
    expanded foreign key gives its value."""
    try:
        value = row[key]
    except (IndexError, KeyError, TypeError):
        return None
    return value["value"] if isinstance(value, dict) else value


def _as_id(value):
    if isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _link(href: str, text, cls: str = "", title: str = "") -> Markup:
    attrs = f' class="{cls}"' if cls else ""
    attrs += f' title="{escape(title)}"' if title else ""
    return Markup(f'<a href="{escape(href)}"{attrs}>{escape(text)}</a>')


def article_url(datasette, database, article_id, anchor: str = "") -> str:
    return datasette.urls.row(database, "articles", str(article_id)) + anchor


def reporters_url(datasette, database, group_id) -> str:
    return datasette.urls.query(database, "claim_reporters") + "?" + urlencode({"claim_group_id": group_id})


def speaker_url(datasette, database, speaker) -> str:
    return datasette.urls.query(database, "claims_by_speaker") + "?" + urlencode({"speaker": speaker})


def _search_args() -> dict:
    scope = _scope.get()
    if not scope:
        return {}
    args = parse_qs(scope.get("query_string", b"").decode("utf-8", "replace"))
    return {k: v[-1] for k, v in args.items() if v}


def _fts_match(args: dict) -> str | None:
    query = args.get("_search", "").strip()
    if not query:
        return None
    return query if args.get("_searchmode") == "raw" else escape_fts(query)


async def _fts_cell(datasette, database, sql, match, rowid, fallback):
    try:
        result = await datasette.get_database(database).execute(sql, [match, rowid])
        value = result.first()
    except Exception:  # noqa: BLE001 - a bad raw query: Datasette reports it; show the cell plainly
        value = None
    if value and value[0] and pages.MARK_OPEN in value[0]:
        return pages.highlighted(value[0])
    return Markup(escape(fallback))


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def with_scope(scope, receive, send):
            token = _scope.set(scope) if scope.get("type") == "http" else None
            try:
                await app(scope, receive, send)
            finally:
                if token is not None:
                    _scope.reset(token)
        return with_scope
    return wrap


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if value in (None, "") or not _newsmon_db(datasette, database):
        return None
    # a title: the stored article's page
    if column in ("title", "article_title") and isinstance(value, str):
        article_id = _as_id(_get(row, "article_id"))
        if article_id is None and table in _ARTICLE_TABLES:
            article_id = _as_id(_get(row, "id"))
        if article_id is not None:
            claim_id = _as_id(_get(row, "claim_id")) or (_as_id(_get(row, "id")) if table == "claims_view" else None)
            anchor = f"#claim-{claim_id}" if claim_id else ""
            return _link(article_url(datasette, database, article_id, anchor), value, "nm-article-link")
        return None
    if column in ("article_id", "first_article_id") and not isinstance(value, dict):
        article_id = _as_id(value)
        if article_id is not None:
            return _link(article_url(datasette, database, article_id), article_id, "nm-article-link")
        return None
    # the publisher's copy: a short outbound link, so the article's own page is the obvious one
    if column in ("url", "article_url") and isinstance(value, str) and value.startswith(("http://", "https://")):
        return _link(value, pages.short_url(value, path=False) + " ↗", "nm-publisher", value)
    if column == "claim_group_id":
        group_id = _as_id(value)
        if group_id is not None:
            return _link(reporters_url(datasette, database, group_id), group_id, "nm-claim-group",
                         "Who reported this statement")
        return None
    if column == "reported_by":
        group_id = _as_id(_get(row, "claim_group_id"))
        count = _as_id(value)
        if group_id is not None and count is not None:
            return _link(reporters_url(datasette, database, group_id),
                         f"{count} article{'' if count == 1 else 's'}", "nm-reporters")
        return None
    if column == "claim_id" and table is None:
        claim_id = _as_id(value)
        if claim_id is not None:
            return _link(datasette.urls.row(database, "claims", str(claim_id)), claim_id)
        return None
    if column == "speaker" and isinstance(value, str) and table != "speakers":
        return _link(speaker_url(datasette, database, value), value, "nm-speaker", f"Everything {value} said")
    if column == "source_id" and table is None and isinstance(value, str):
        return _link(datasette.urls.row(database, "sources", tilde_encode(value)), value)
    if column == "diff" and isinstance(value, str):
        return pages.diff_html(value)
    if column == "snippet" and isinstance(value, str):
        return pages.highlighted(value)
    if table == "articles" and column == "text" and isinstance(value, str):
        rowid = _as_id(_get(row, "id"))
        match = _fts_match(_search_args())
        if match is None or rowid is None:
            return Markup(escape(pages.excerpt(value, title=_get(row, "title"))))
        return _fts_cell(datasette, database,
                         "SELECT snippet(articles_fts, 1, '<mark>', '</mark>', '…', 32) FROM articles_fts "
                         "WHERE articles_fts MATCH ? AND rowid = ?", match, rowid,
                         pages.excerpt(value, title=_get(row, "title")))
    if table == "claims" and column == "quote" and isinstance(value, str):
        rowid = _as_id(_get(row, "id"))
        match = _fts_match(_search_args())
        if match is not None and rowid is not None:
            return _fts_cell(datasette, database,
                             "SELECT highlight(claims_fts, 0, '<mark>', '</mark>') FROM claims_fts "
                             "WHERE claims_fts MATCH ? AND rowid = ?", match, rowid, value)
    return None


def _row_id(request):
    try:
        values = urlsafe_components(request.url_vars["pks"])
    except (KeyError, TypeError, AttributeError):
        return None
    return _as_id(values[0]) if len(values) == 1 else None


async def _article_page(datasette, database, article_id):
    db = datasette.get_database(database)
    article = (await db.execute(
        "SELECT a.*, s.name AS source_name FROM articles a LEFT JOIN sources s ON s.id = a.source_id "
        "WHERE a.id = ?", [article_id])).first()
    if article is None:
        return {}
    article = dict(article)
    claims = [dict(r) for r in (await db.execute(
        "SELECT c.id, c.speaker, c.speaker_mention, c.speaker_role, c.cue, c.kind, c.quote, c.char_start, "
        "c.char_end, c.claim_group_id, g.article_count AS reported_by FROM claims c "
        "LEFT JOIN claim_groups g ON g.id = c.claim_group_id "
        "WHERE c.article_id = ? AND c.version = ? ORDER BY c.char_start, c.id",
        [article_id, article["version_count"] or 1])).rows]
    for n, claim in enumerate(claims, 1):
        claim["n"] = n
        claim["page"] = datasette.urls.row(database, "claims", str(claim["id"]))
        if claim["speaker"]:
            claim["speaker_page"] = speaker_url(datasette, database, claim["speaker"])
        if claim["claim_group_id"] is not None:
            claim["reporters_page"] = reporters_url(datasette, database, claim["claim_group_id"])
    versions = [dict(r) for r in (await db.execute(
        "SELECT version, fetched_at, title, diff, run_id FROM article_versions WHERE article_id = ? "
        "ORDER BY version DESC", [article_id])).rows]
    for version in versions:
        version["diff_html"] = pages.diff_html(version["diff"])
        version["fetched"] = pages.human_time(version["fetched_at"])
    copies = [dict(r) for r in (await db.execute(
        "SELECT id, title, source_id, duplicate_method, duplicate_similarity FROM articles "
        "WHERE duplicate_of = ? ORDER BY first_seen_at, id", [article_id])).rows]
    for copy in copies:
        copy["page"] = article_url(datasette, database, copy["id"])
    original = None
    if article["duplicate_of"] is not None:
        row = (await db.execute("SELECT id, title, source_id FROM articles WHERE id = ?",
                                [article["duplicate_of"]])).first()
        if row:
            original = dict(row, page=article_url(datasette, database, row["id"]))
    other_urls = [dict(r) for r in (await db.execute(
        "SELECT url, method FROM article_urls WHERE article_id = ? AND url != ? ORDER BY first_seen_at",
        [article_id, article["url"]])).rows]
    article.update(
        authors_list=pages.authors(article["authors"]),
        published=pages.human_time(article["published_at"]),
        first_seen=pages.human_time(article["first_seen_at"]),
        last_changed=pages.human_time(article["last_changed_at"]),
        paragraphs=pages.paragraphs(article["text"], claims, article["title"]),
        standfirst=pages.standfirst(article["description"], article["text"]),
        source_page=(datasette.urls.row(database, "sources", tilde_encode(article["source_id"]))
                     if article["source_id"] else None),
        publisher_link=pages.short_url(article["url"] or "", 80),
    )
    return {"newsmon_article": {**article, "claims": claims, "versions": versions, "copies": copies,
                                "original": original, "other_urls": other_urls}}


async def _claim_links(datasette, database, claim_id):
    row = (await datasette.get_database(database).execute(
        "SELECT c.article_id, c.claim_group_id, a.title, g.article_count FROM claims c "
        "LEFT JOIN articles a ON a.id = c.article_id LEFT JOIN claim_groups g ON g.id = c.claim_group_id "
        "WHERE c.id = ?", [claim_id])).first()
    if row is None:
        return {}
    links = [{"label": "In the article", "text": row["title"] or f"article {row['article_id']}",
              "href": article_url(datasette, database, row["article_id"], f"#claim-{claim_id}")}]
    if row["claim_group_id"] is not None:
        count = row["article_count"] or 0
        links.append({"label": "Who reported it", "text": f"{count} article{'' if count == 1 else 's'}",
                      "href": reporters_url(datasette, database, row["claim_group_id"])})
    return {"newsmon_links": links}


async def _group_links(datasette, database, group_id):
    row = (await datasette.get_database(database).execute(
        "SELECT article_count, speaker FROM claim_groups WHERE id = ?", [group_id])).first()
    if row is None:
        return {}
    count = row["article_count"] or 0
    links = [{"label": "Who reported it", "text": f"{count} article{'' if count == 1 else 's'}",
              "href": reporters_url(datasette, database, group_id)}]
    if row["speaker"]:
        links.append({"label": "Everything the speaker said", "text": row["speaker"],
                      "href": speaker_url(datasette, database, row["speaker"])})
    return {"newsmon_links": links}


@hookimpl
def extra_template_vars(template, database, table, columns, view_name, request, datasette):
    if view_name != "row" or request is None or not _newsmon_db(datasette, database):
        return {}
    row_id = _row_id(request)
    if row_id is None:
        return {}
    page = {"articles": _article_page, "claims": _claim_links, "claim_groups": _group_links}.get(table)
    return page(datasette, database, row_id) if page else {}


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.path(CSS_PATH)]


@hookimpl
def register_routes():
    async def stylesheet():
        return Response(STYLESHEET.read_text(encoding="utf-8"), content_type="text/css; charset=utf-8",
                        headers={"Cache-Control": "max-age=3600"})
    return [(r"^/-/newsmon\.css$", stylesheet)]
