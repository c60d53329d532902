"""What Datasette shows a newsroom: newsmon's templates, plugin and stylesheet.

``newsmon serve`` passes them to Datasette; by hand::

    datasette news.db -m metadata.yml \\
        --template-dir newsmon/web/templates --plugins-dir newsmon/web/plugins

- ``templates/row.html`` extends Datasette's own row page: an article's row
  reads like an article (title, source, date, authors, the text in paragraphs
  with its claims marked, its claims, its versions with their diffs); a
  claim's and a claim group's rows lead to who reported the statement.
- ``plugins/newsmon_pages.py`` (Datasette plugin hooks): ``render_cell`` makes
  titles and article ids links to the stored article, claim groups links to
  'Who reported a claim' filled in, speakers links to their claims, diffs and
  search snippets readable; ``extra_template_vars`` gathers an article's
  claims and versions for its page; the stylesheet is served at
  ``/-/newsmon.css``.
- :mod:`newsmon.web.pages` turns stored values into safe HTML, for both.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
PLUGINS_DIR = HERE / "plugins"
STYLESHEET = HERE / "static" / "newsmon.css"


def datasette_options() -> list[str]:
    """The Datasette command-line options that load newsmon's templates and plugin."""
    return ["--template-dir", str(TEMPLATES_DIR), "--plugins-dir", str(PLUGINS_DIR)]
