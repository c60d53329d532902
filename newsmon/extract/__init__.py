"""Article extraction: trafilatura plus the residual boilerplate removal newsmon adds.

No Scrapy here: ``newsmon.analysis`` calls it in worker processes and
``newsmon reprocess`` re-runs it on stored HTML.

Modules: ``html`` (page bytes -> lxml tree), ``bare`` (trafilatura's
bare_extraction, fast path), ``lines`` (trafilatura's body as lines),
``rules`` (which lines are junk), ``linemodel`` (the learned
line classifier that confirms the shape rules), ``metadata`` and ``dates`` (what the page
says about itself), ``article`` (extract_article), ``verdict``
(page_drop_reason).

Public API
----------
``extract_article(html, url=None, *, site_lines=None, feed_published=None)``
    -> dict | None, see its docstring for the keys.
``page_drop_reason(article, html, url)`` -> None or 'no_article' | 'too_short'
    | 'index_page' | 'error_page'.
``line_key(line)`` -> the normalised form of a line used for learned site lines.

How the text is cleaned
-----------------------
trafilatura finds the main content well but keeps what a CMS renders *inside*
the article container: loading placeholders, widget labels, "Also Read:" link
blocks, image credits, the byline and date. We take trafilatura's structured
output (its XML tree: <head>, <p>, <list>/<item>, <ref> for links, <lb/>
for line breaks), turn it into lines that remember their kind (heading, list
item, paragraph) and how much of their text was link text, and drop:

(a) edge junk: at the start and end of the text, lines that are not sentences
    and are short (bylines, dates, "WORLD-EXCLUSIVE", "Font Replacer Active");
(b) link lines: lines that are (almost) all anchor text and not sentences of
    prose ("Also Read:" headlines), and the bare "Label:" line that heads them;
(c) placeholders, emoji-led widget labels and short "Label: value" credit lines
    ("Loading...", "🔗 View Source", "Image Source: X") anywhere;
(d) lines the site repeats on many pages (``site_lines``, learned per site by
    the store from ``site_line_candidates``);
plus short lines above the headline (a nav bar), repeated paragraphs, and
headings that no longer introduce any content. The headline itself (a line
repeating the title) is kept, as the labelled texts of ../shared keep it; real
headings (followed by prose or list items) and list items are kept.

Rules (a) to (c) guess from shape, and trafilatura's text wins where they
guess wrong (``rules.confirm_drops``): a learned line classifier
(``linemodel``, trained by bench/extract_train.py) must find a dropped line
junk (its threshold per rule is in the model file), one rule may not take a
whole list or gallery (more than RUN_MAX lines), link items between kept items
of their list and a record's "Label: value" fields stay, and the shape rules
together may not take more than PAGE_GUARD of a page's words. Drops with
evidence of their own stand: a placeholder's or widget label's shape, a link
block's label (and the links it heads), lines above the headline, shape drops
enclosed by such junk, (d).
"""

from newsmon.extract.article import extract_article
from newsmon.extract.html import parse_html
from newsmon.extract.rules import line_key
from newsmon.extract.verdict import page_drop_reason

__all__ = ["extract_article", "line_key", "page_drop_reason", "parse_html"]
