"""newsmon.extract on real HTML pages (tests/data/extract/), no mocks.

The two seed articles are rendered as full news pages with their junk lines
as <p> paragraphs inside <article>; every real paragraph must come out
verbatim and no junk line may survive, where plain trafilatura keeps some.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import trafilatura

from newsmon.extract import extract_article, line_key, page_drop_reason
from newsmon.extract.dates import choose_published, parse_date
from newsmon.extract.metadata import clean_authors

DATA = Path(__file__).resolve().parent / "data"
PAGES = DATA / "extract"
SEED_000 = DATA / "seeds" / "000_b0f8244e9063a7b4.txt"
SEED_004 = DATA / "seeds" / "004_f4255d0fc208cb1e.txt"

# The junk of seed 004 (the page text must hold none of it). Listing strings
# is fine here: the module's rules are general, the test names what they must catch.
JUNK_004 = [
    "Loading... Loading IST...", "AGE OF MANY POWERS", "Loading headlines...",
    "Loading Top Trends...", "WORLD-EXCLUSIVE", "Scanning sources...", "🔦 Newsroom Feed",
    "🔗 View Source", "Font Replacer Active", "Image Source: The Spectator Index", "Also Read",
    "Russia–China Pipeline Deal Based on Market Rules, Not Charity",
    "Xi, Putin Sign 20+ Deals in Beijing",
    "Global Focus on Putin–Trump Alaska Summit",
    "FLOTUS Melania Trump’s ‘Peace Letter’",
]
HEADINGS_000 = ["At a Glance", "Kremlin Dismisses Zelensky’s Offer",
                "Legal and Political Obstacles", "Russia’s Conditional Openness"]


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def seed_lines(path: Path) -> list[str]:
    """The seed's non-empty lines, stripped (the seeds carry trailing no-break spaces)."""
    return [ln.strip(" \u00a0") for ln in path.read_text(encoding="utf-8").splitlines()
            if ln.strip(" \u00a0")]


def real_lines_004() -> list[str]:
    """Seed 004 without its title and its junk."""
    lines = seed_lines(SEED_004)[1:]
    return [ln for ln in lines if not any(j in ln for j in JUNK_004)]


def text_lines(article: dict) -> list[str]:
    return [ln for ln in article["text"].split("\n") if ln.strip()]


@pytest.fixture(scope="module")
def a000():
    return extract_article(page("seed000_ledger.html"),
                           "https://www.ledger.example/world/2024/08/29/zelenskyy-wants-to-talk-to-russia-putin-not-convinced/")


@pytest.fixture(scope="module")
def a004():
    return extract_article(page("seed004_portal.html"),
                           "https://www.portal.example/world/road-that-leads-to-nowhere-putin-zelensky-talks")


# ---------------------------------------------------------------------------
# the core requirement: cleaner than trafilatura, losing nothing


def test_plain_trafilatura_keeps_seed004_junk():
    """The reason this module exists: trafilatura alone lets the page junk through."""
    plain = trafilatura.extract(page("seed004_portal.html"))
    kept = [j for j in JUNK_004 if j in plain]
    assert len(kept) >= 10, kept
    assert "Loading headlines..." in plain and "Image Source: The Spectator Index" in plain


def test_seed004_has_no_junk(a004):
    for junk in JUNK_004:
        assert junk not in a004["text"], junk


def test_seed004_every_real_paragraph_verbatim_and_in_order(a004):
    lines = text_lines(a004)
    expected = real_lines_004()
    assert len(expected) == 20
    for line in expected:
        assert line in lines, line
    assert [ln for ln in lines if ln in expected] == expected
    # nothing else is left either, but the headline trafilatura keeps from the <h1>: it is
    # the article's first line (as in the labelled texts of ../shared), the title column besides
    assert lines[0] == a004["title"] == seed_lines(SEED_004)[0]
    assert len(lines) == len(expected) + 1


def test_seed004_quote_with_ellipsis_survives(a004):
    line = "“I told (Trump) it was possible… If Zelensky is ready, he can come to Moscow,” he said."
    assert line in text_lines(a004)
    assert "“We have never raised the issue in this way, nor have we ever discussed it in such terms,” he said." \
        in text_lines(a004)   # shared a <p> with "Image Source: ..." (split at <br>)
    assert "human rights -- for the right" in a004["text"]    # "--" kept as is


def test_seed000_paragraphs_headings_and_bullets_kept(a000):
    lines = text_lines(a000)
    expected = seed_lines(SEED_000)[1:]
    for line in expected:
        if line.startswith("•"):
            assert "- " + line.lstrip("• ") in lines, line
        else:
            assert line in lines, line
    for heading in HEADINGS_000:
        assert heading in lines
    assert len(lines) == len(expected)


def test_seed000_page_chrome_removed(a000):
    text = a000["text"]
    for junk in ("kyivwatcher", "Empty words indeed", "Advertisement", "Most Read", "cookies",
                 "Get the Ledger Briefing", "Tags:", "4 min read", "Priya Raman", "Stocks slip"):
        assert junk not in text, junk
    assert not text.startswith(a000["title"])


def test_mid_text_rules_and_real_lists():
    """Credits, placeholders, widget labels and label+link lines go; real lists stay.

    The headline is the first line, and the short line under it too ("Listen to this
    article"): between headline and body stand bylines and datelines, which the labelled
    texts of ../shared keep, and nothing but its wording marks this one as junk."""
    a = extract_article(page("mid_junk.html"))
    lines = text_lines(a)
    assert lines[:2] == [a["title"], "Listen to this article"]
    for junk in ("Photo: Reuters", "Read more", "Will the ceasefire hold",
                 "Loading comments", "Newsletter", "Related stories", "Who is the UN envoy",
                 "Families of prisoners"):
        assert junk not in a["text"], junk
    assert "What is on the table" in lines                       # heading followed by prose
    assert "- Two border crossings reopened for civilian traffic" in lines
    assert lines[-1].endswith("“a basis for discussion, not a text we can sign”.")
    assert "“We are not here to celebrate, we are here to work,” the envoy told reporters" in a["text"]


def test_related_box_label_and_copyright_line():
    """A boxed "Also Read:" whose links trafilatura drops, and a © line closing the story."""
    box = ('<div class="also-read"><p><strong>Also Read:</strong></p><ul>'
           '<li><a href="/news/lighthouse-repairs">Lighthouse repairs to finish before tourist season</a></li>'
           '<li><a href="/news/fish-market">Fish market vendors win one-year lease extension</a></li></ul></div>')
    html = page("harbor_1.html")
    html = html.replace("<p>Get the Harbor Times", box + "\n<p>Get the Harbor Times")
    html = html.replace("</div>\n</article>", "<p>© 2026 Harbor Times Media. All rights reserved. "
                        "This material may not be redistributed.</p>\n</div>\n</article>")
    a = extract_article(html)
    assert text_lines(a) == text_lines(extract_article(page("harbor_1.html")))
    for junk in ("Also Read", "Lighthouse repairs", "Fish market", "©", "All rights reserved"):
        assert junk not in a["text"], junk


def test_br_separated_paragraphs_of_an_old_template():
    a = extract_article(page("council_staff_byline.html"))
    lines = text_lines(a)
    # the nav bar above the headline goes; the headline and the dateline under it stay
    assert lines[:2] == [a["title"], "Saturday, March 14, 2026"]
    assert lines[2].startswith("RIVERSIDE — The city council approved a $48 million operating budget")
    assert lines[-1].endswith("according to the finance department.")
    assert len(lines) == 8
    for junk in ("Local | Schools", "Latest Local", "Old Mill bridge", "Obituaries",
                 "Staff Reporter", "Email"):
        assert junk not in a["text"], junk


# ---------------------------------------------------------------------------
# metadata


def test_result_keys(a000):
    assert set(a000) == {"title", "text", "authors", "published_at", "published_at_source",
                         "modified_at", "sitename", "language", "description", "canonical_url",
                         "word_count", "site_line_candidates"}
    assert a000["word_count"] == len(a000["text"].split())


def test_seed000_metadata(a000):
    assert a000["title"] == "Zelenskyy Wants to Talk to Russia, Putin Not Convinced"
    assert a000["authors"] == ["Priya Raman"]
    assert a000["published_at"] == "2024-08-29T07:15:00Z"
    assert a000["published_at_source"] == "jsonld"
    assert a000["modified_at"] == "2024-08-29T09:40:00Z"
    assert a000["sitename"] == "The Daily Ledger"
    assert a000["language"] == "en"
    assert a000["canonical_url"] == \
        "https://www.ledger.example/world/2024/08/29/zelenskyy-wants-to-talk-to-russia-putin-not-convinced/"
    assert "empty words" in a000["description"]


def test_seed004_metadata(a004):
    assert a004["title"].startswith("Road That Leads to Nowhere")
    assert a004["authors"] == ["Rohan Mehta"]
    assert (a004["published_at"], a004["published_at_source"]) == ("2025-09-03T13:10:00Z", "jsonld")
    # no rel=canonical on this page: og:url stands in
    assert a004["canonical_url"] == "https://www.portal.example/world/road-that-leads-to-nowhere-putin-zelensky-talks"


def test_relative_canonical_is_resolved_against_the_page_url():
    html = page("council_staff_byline.html")
    a = extract_article(html, "https://courier.example/local/2026/03/14/council-approves-budget.html?utm_source=rss")
    assert a["canonical_url"] == "https://courier.example/local/2026/03/14/council-approves-budget.html"
    assert extract_article(html)["canonical_url"] is None      # nothing to resolve against


def test_authors_are_names_only():
    assert extract_article(page("council_staff_byline.html"))["authors"] == []   # "By Staff Reporter | Email the author"
    assert extract_article(page("wire_brief.html"))["authors"] == ["Anna Keller", "Jonas Weber"]


@pytest.mark.parametrize("raw, names", [
    ("By Staff Reporter | Email the author", []),
    ("By Anna Keller and Jonas Weber, Staff Reporters | Email the author", ["Anna Keller", "Jonas Weber"]),
    ("Maria Lopez & Tom Becker", ["Maria Lopez", "Tom Becker"]),
    ("Written by Ludwig van Beethoven; anna@x.example", ["Ludwig van Beethoven"]),
    ("Updated: March 3, 2026 10:42 IST", []),
    ("PTI", []),
    ("Metro Desk", []),
    ("https://example.com/author/jane", []),
])
def test_clean_authors(raw, names):
    assert clean_authors([raw]) == names


# ---------------------------------------------------------------------------
# dates and their provenance


def test_feed_agreeing_with_page_keeps_page_date(a000):
    a = extract_article(page("seed000_ledger.html"), feed_published="2024-08-29T07:20:00Z")
    assert (a["published_at"], a["published_at_source"]) == ("2024-08-29T07:15:00Z", "jsonld")


def test_page_date_alone_beats_a_disagreeing_feed():
    a = extract_article(page("seed004_portal.html"), feed_published="2025-09-20T00:00:00Z")
    assert a["published_at_source"] == "jsonld"


def test_stale_page_date_loses_to_feed_and_url():
    html = page("seed000_ledger.html").replace("2024-08-29T10:15:00+03:00", "2019-01-01T00:00:00+00:00")
    a = extract_article(html, "https://www.ledger.example/world/2024/08/29/zelenskyy-wants-to-talk/",
                        feed_published="Thu, 29 Aug 2024 07:00:00 GMT")
    assert (a["published_at"], a["published_at_source"]) == ("2024-08-29T07:00:00Z", "feed")


def test_meta_url_feed_and_trafilatura_sources():
    council = extract_article(page("council_staff_byline.html"))
    assert (council["published_at"], council["published_at_source"]) == ("2026-03-14T04:00:00Z", "meta")
    brief = extract_article(page("wire_brief.html"))
    assert (brief["published_at"], brief["published_at_source"]) == ("2026-02-03", "url")
    fed = extract_article(page("wire_brief.html"), feed_published="2026-02-03T08:12:00+00:00")
    assert (fed["published_at"], fed["published_at_source"]) == ("2026-02-03T08:12:00Z", "feed")
    # a date only the markup holds (a <time> without itemprop): trafilatura's (htmldate's) guess
    timed = page("video_short.html").replace("<footer>", '<p><time datetime="2026-02-20T09:30:00Z">'
                                             "20 February</time></p><footer>")
    video = extract_article(timed)
    assert (video["published_at"], video["published_at_source"]) == ("2026-02-20", "trafilatura")


def test_a_copyright_year_is_no_publication_date():
    """The page's text is not searched for dates: "Copyright 2026" made it 2026-01-01."""
    video = extract_article(page("video_short.html"))
    assert (video["published_at"], video["published_at_source"]) == (None, None)


def test_choose_published_policy():
    assert choose_published({}) == (None, None)
    assert choose_published({"meta": "2026-03-14T09:30:00+0530"}) == ("2026-03-14T04:00:00Z", "meta")
    # jsonld and meta are one witness; feed + url outvote them
    assert choose_published({"jsonld": "2020-01-01", "meta": "2020-01-01",
                             "feed": "2026-01-10T10:00:00Z", "url": "2026-01-09"})[1] == "feed"
    # a date in the future or a broken one is no witness
    assert choose_published({"jsonld": "2999-01-01", "feed": "2026-01-10T10:00:00Z"})[1] == "feed"
    assert choose_published({"jsonld": "not a date", "url": "2026-01-09"}) == ("2026-01-09", "url")
    assert parse_date("2026-03-14T04:00:00") is not None      # naive is taken as UTC


# ---------------------------------------------------------------------------
# drop reasons


@pytest.mark.parametrize("name, reason", [
    ("seed000_ledger.html", None),
    ("seed004_portal.html", None),
    ("council_staff_byline.html", None),
    ("wire_brief.html", None),            # a real 160-word brief next to five teasers
    ("mid_junk.html", None),
    ("harbor_1.html", None),
    ("tag_index.html", "index_page"),
    ("soft_404.html", "error_page"),
    ("video_short.html", "too_short"),
])
def test_page_drop_reason(name, reason):
    html = page(name)
    assert page_drop_reason(extract_article(html), html, None) == reason


JA_PARAGRAPHS = [
    "東京都は二十日、臨海部に新しい公園を開くと発表しました。広さは約十二ヘクタールで、来年の春に一部が開園する予定です。",
    "都の担当者によると、公園には子ども向けの遊び場や芝生の広場のほか、災害時に避難場所として使える施設も整備されます。",
    "小池知事は記者会見で「都民が安心して集える場所にしたい」と述べ、周辺の交通機関との連携も進める考えを示しました。",
    "一方、地元の住民からは工事中の騒音や交通渋滞を心配する声も出ており、都は説明会を開いて理解を求めるとしています。",
    "専門家は、都市部の緑地は夏の気温の上昇を抑える効果もあるとして、計画を評価しています。",
]
ZH_PARAGRAPHS = [
    "国家统计局周三公布的数据显示，今年前三个季度国内生产总值同比增长百分之五，增速与上半年基本持平。",
    "统计局发言人在新闻发布会上表示，消费对经济增长的贡献继续提高，服务业生产指数保持较快增长。",
    "分析人士指出，房地产投资仍然偏弱，出口面临外部需求放缓的压力，第四季度政策支持力度有望加大。",
    "多家机构预计，全年经济增长目标能够实现，但就业和居民收入的改善仍需时间。",
    "与此同时，居民消费价格指数温和上涨，工业生产者出厂价格降幅有所收窄，市场预期逐步改善。",
]


def _cjk_page(title: str, paragraphs: list[str], lang: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f"<nav><a href='/'>ホーム</a></nav><article><h1>{title}</h1>{body}</article></body></html>")


@pytest.mark.parametrize("lang, title, paragraphs", [
    ("ja", "東京都、臨海部に新しい公園", JA_PARAGRAPHS),
    ("zh", "前三季度国内生产总值增长百分之五", ZH_PARAGRAPHS),
])
def test_chinese_and_japanese_articles_are_not_too_short(lang, title, paragraphs):
    """They write without spaces: counted by spaces, a whole article was a handful of
    "words" and every such page was dropped as too_short."""
    html = _cjk_page(title, paragraphs, lang)
    article = extract_article(html, f"https://news.example/{lang}/1.html")
    assert page_drop_reason(article, html, None) is None
    assert paragraphs[1] in article["text"]
    assert article["word_count"] >= 100, article["word_count"]   # about two characters a word
    brief = _cjk_page(title, paragraphs[:1], lang)
    assert page_drop_reason(extract_article(brief), brief, None) == "too_short"


def test_no_article_and_a_404_number_in_a_real_title():
    assert page_drop_reason(None, "<html><body></body></html>", None) == "no_article"
    assert page_drop_reason({"text": "", "word_count": 0}, "", None) == "no_article"
    html = page("wire_brief.html").replace("Port strike called off after overnight pay deal",
                                           "404 migrants rescued off the coast overnight")
    assert page_drop_reason(extract_article(html), html, None) is None


# ---------------------------------------------------------------------------
# learned per-site lines


def test_site_lines_learned_across_pages_and_removed_only_when_passed():
    names = ["harbor_1.html", "harbor_2.html", "harbor_3.html"]
    counts = Counter()
    for name in names:
        counts.update(set(extract_article(page(name))["site_line_candidates"]))
    learned = frozenset(k for k, n in counts.items() if n >= 3)
    assert learned == {line_key("Get the Harbor Times morning briefing delivered to your inbox every weekday."),
                       line_key("Have a news tip? Call our newsroom at 555-0137.")}

    plain = extract_article(page("harbor_1.html"))
    assert "morning briefing" in plain["text"] and "news tip" in plain["text"]
    cleaned = extract_article(page("harbor_1.html"), site_lines=learned)
    assert "morning briefing" not in cleaned["text"] and "news tip" not in cleaned["text"]
    assert text_lines(cleaned) == [ln for ln in text_lines(plain)
                                   if "morning briefing" not in ln and "news tip" not in ln]
    # learned lines are still reported, so their counts keep growing
    assert learned <= set(cleaned["site_line_candidates"])
    # quotes are content, never candidates
    assert not any("held prices flat" in k for k in plain["site_line_candidates"])


def test_line_key():
    assert line_key("Loading IST 10:32...") == line_key("  loading   IST 09:05 ") == "loading ist"
    assert line_key("🔗 View Source") == "view source"
    assert line_key("Have a news tip? Call 555-0137.") == "have a news tip call"
    assert line_key("") == ""


# ---------------------------------------------------------------------------
# robustness


@pytest.mark.parametrize("html", [
    "", "   ", "\x00\x00\x00", "not html at all", "<html", "<<<>>>", "<html><body></body></html>",
    "<html><head><title>x</title></head><body><div><p>unclosed <b>bold <i>italic</div></table></body>",
    "<?xml version='1.0' encoding='utf-8'?><rss><channel><item>x</item></channel></rss>",
    "<html><body>" + "<div>" * 3000 + "deep" + "</div>" * 3000 + "</body></html>",
])
def test_garbage_never_raises(html):
    article = extract_article(html, "https://x.example/")
    assert article is None or isinstance(article, dict)
    assert page_drop_reason(article, html, None) is not None


def test_nul_bytes_and_malformed_markup_in_a_real_page(a004):
    html = page("seed004_portal.html")
    broken = html.replace("<p>", "<p>\x00", 5).replace("</article>", "")   # NULs, unclosed article
    a = extract_article(broken)
    assert a is not None
    assert a["text"] == a004["text"]


@pytest.mark.parametrize("page", [
    '<html><head><meta charset="windows-1252"></head><body><p>Café “naïve” — 日本</p></body></html>',
    '<?xml version="1.0" encoding="iso-8859-1"?><html><body><p>Zoë x</p><p>y</p></body></html>',
    '<!DOCTYPE html>\n<html lang=en><body><article><p>Hello ünïcode</p></article></body></html>',
    '<div>a</div><div>b</div>',
    '  \n<html/>\n<body><p>x</p></body>',
    '\ufeff<html><body><p>bom \ufffe</p></body></html>',
    '<html><body><p>emoji 🎉, a lone \udc80 surrogate &amp; &nbsp;</p></body></html>',
    'plain text, no tags at all',
])
def test_parse_html_reads_pages_as_trafilatura_does(page):
    """newsmon parses the page's UTF-8 with its own parser object; the tree is trafilatura's."""
    from lxml import etree
    from trafilatura.utils import load_html

    from newsmon.extract.html import _to_text, parse_html

    ours, theirs = parse_html(page), load_html(_to_text(page))
    assert (ours is None) == (theirs is None or not len(theirs))
    if ours is not None:
        assert etree.tostring(ours, encoding=str) == etree.tostring(theirs, encoding=str)


def test_discard_rules_match_trafilaturas_xpaths():
    """The Python spelling of trafilatura's OVERALL_DISCARD_XPATH selects the same
    elements, in the same order, on real pages and on attribute soup made of the
    patterns' own pieces (anchors, optional characters, attribute order)."""
    import random

    from lxml import html as lxml_html
    from trafilatura.xpaths import OVERALL_DISCARD_XPATH

    from newsmon.extract.bare import _discarded_hidden, _discarded_sections

    pages = [p.read_bytes() for p in sorted(Path("newsmon/demo/data").rglob("*.html"))]
    rnd = random.Random(7)
    pieces = ["shar", "social", "ad-", " ad ", "-ad-", "ad", "dfpAd", "dfpAD", "paid-content", "paidcontent",
              "bread-crumb", "breadcrumb", "nav", "Nav", "post-nav", "jp-", "cookie", "hidden", "reply-",
              "hide-", " hide", "comments-title", "akismet", "display:none", "display: none", "true", "x", " "]
    for _ in range(1500):
        elements = []
        for _ in range(rnd.randrange(1, 8)):
            tag = rnd.choice(["div", "p", "section", "span", "item", "list", "a", "li"])
            attributes = " ".join(
                f'{name}="{"".join(rnd.choice(pieces) for _ in range(rnd.randrange(0, 4)))}"'
                for name in rnd.sample(["id", "class", "style", "role", "aria-hidden", "data-component",
                                        "data-lp-replacement-content"], rnd.randrange(0, 4)))
            elements.append(f"<{tag} {attributes}>text<b id='reply-x'>b</b></{tag}>")
        pages.append("<html><body><div>" + "".join(elements) + "</div></body></html>")
    matched = 0
    for page in pages:
        tree = lxml_html.fromstring(page)
        for xpath, ours in zip(OVERALL_DISCARD_XPATH, (_discarded_sections, _discarded_hidden)):
            expected = xpath(tree)
            assert ours(tree) == expected, page
            matched += len(expected)
    assert matched > 1000


FERRY = ("The harbour authority said on Tuesday that the new ferry terminal would open in the spring, "
         "two years later than planned, after a dispute over the cost of dredging the channel. Engineers "
         "found more silt than the survey had shown, and the contractor asked for another four million. ")
COLLAPSED = ("This paragraph is collapsed behind a menu and no reader ever sees it on the page, so it is "
             "not part of the story that the harbour authority published about the ferry terminal delay. ")


def test_hidden_text_does_not_win_trafilatura_a_fallback():
    # trafilatura's main extractor skips the hidden paragraph, but its readability fallback
    # reads the page as it is: the hidden text made that twice as long, and it won
    html = ("<!DOCTYPE html><html><head><title>Ferry terminal delayed</title></head><body>"
            f"<h1>Ferry terminal delayed</h1><p>{FERRY * 2}</p><h2>Costs</h2>"
            f"<p style=\"display: none;\">{COLLAPSED * 5}</p></body></html>")
    text = extract_article(html, "https://news.example.com/2026/01/05/ferry.html")["text"]
    assert "collapsed behind a menu" not in text
    assert FERRY.strip() in text


def test_an_article_saved_with_a_dialog_open_is_kept():
    # the page was saved while a dialog hid the rest of it (aria-hidden on the whole wrapper)
    html = ("<!DOCTYPE html><html><head><title>Ferry terminal delayed</title></head><body>"
            "<div class=\"wrapper\" aria-hidden=\"true\"><h1>Ferry terminal delayed</h1>"
            + "".join(f"<p>{FERRY.replace('Tuesday', day)}</p>" for day in ("Monday", "Tuesday", "Friday"))
            + "</div><div role=\"dialog\"><p>Subscribe to our newsletter</p></div></body></html>")
    text = extract_article(html, "https://news.example.com/2026/01/05/ferry.html")["text"]
    assert all(FERRY.replace("Tuesday", day).strip() in text for day in ("Monday", "Tuesday", "Friday"))
