"""What a newsroom reader sees in a real browser: the real `newsmon serve` on a database made by
crawling the fixture site (twice, two of its articles edited in between), opened in headless
Chromium through Selenium and Debian's chromedriver.

Needs Debian's chromium and chromium-driver (`apt-get install chromium chromium-driver`;
.ci/run installs them): without them these tests skip and say so.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.test_datasette import serving

CHROMIUM = os.environ.get("NEWSMON_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = os.environ.get("NEWSMON_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
# headless, and off the network: without these Chromium keeps calling home (refused here)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-default-apps", "--disable-extensions", "--window-size=1400,1000"]


def _why_no_browser() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the browser tests need selenium: pip install -e '.[test]'"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not Path(path).exists():
            return (f"the browser tests need headless Chromium and its driver: no {path} (Debian's {package}; "
                    f"apt-get install chromium chromium-driver, as .ci/run does; or set NEWSMON_CHROMIUM "
                    f"and NEWSMON_CHROMEDRIVER)")
    return None


# skipped before the fixture site is crawled, saying what is missing
pytestmark = [pytest.mark.slow, pytest.mark.skipif(_why_no_browser() is not None, reason=str(_why_no_browser()))]


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="newsmon-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def base(crawl_session):
    with serving(crawl_session["db_edited_path"]) as url:
        yield url


def _css(driver, selector):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def _one(driver, selector):
    found = _css(driver, selector)
    assert found, f"nothing matches {selector!r} on {driver.current_url}"
    return found[0]


def _click_and_wait(driver, element):
    """Follow a link as a reader does, and wait until the next page has loaded."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    before = driver.current_url
    element.click()
    WebDriverWait(driver, 20).until(lambda d: d.current_url != before
                                    and d.execute_script("return document.readyState") == "complete")
    WebDriverWait(driver, 20).until(expected_conditions.presence_of_element_located(("css selector", "footer")))


def _local(base: str, href: str) -> bool:
    return urlsplit(href).netloc == urlsplit(base).netloc


def test_an_edited_article_reads_like_an_article(browser, base, crawl_session):
    site, edit = crawl_session["site"], crawl_session["manifest"]["edits"][0]
    story = site.by_slug[f"{edit['source_id']}:{edit['slug']}"]
    # from 'Articles edited after publication' to the article's own page
    browser.get(base + "/news/edited_articles")
    row = next(tr for tr in _css(browser, "table.rows-and-columns tbody tr")
               if _one(tr, "td.col-url a").get_attribute("href") == edit["url"])
    title_link = _one(row, "td.col-title a")
    assert _local(base, title_link.get_attribute("href")), "the title opens the stored article, not the publisher"
    assert _css(row, "td.col-diff ins"), "the query's diff marks what was added"
    _click_and_wait(browser, title_link)
    assert re.fullmatch(r"/news/articles/\d+", urlsplit(browser.current_url).path)

    assert _one(browser, "h1.nm-title").text == story.title
    assert browser.title.startswith(story.title)
    assert _one(browser, ".nm-source").text.casefold() == site.sources[edit["source_id"]].name.casefold()
    date = _one(browser, "time.nm-date")
    assert date.get_attribute("datetime")[:10] == story.published[:10] and re.search(r"\d{4}", date.text)
    assert story.meta["author"] in _one(browser, ".nm-authors").text
    # the text in paragraphs, across the page (not one narrow table cell)
    paragraphs = [p.text for p in _css(browser, ".nm-text p") if p.text.strip()]
    assert len(paragraphs) >= 4
    assert any(edit["added_paragraph"][:60] in p for p in paragraphs), "the current text has the added paragraph"
    assert _one(browser, ".nm-text").size["width"] >= 500
    # its claims, marked in the text and listed with their speakers
    claims = _css(browser, "#claims li.nm-claim-item")
    assert claims and all(_one(c, ".nm-quote").text for c in claims)
    assert len(_css(browser, ".nm-text mark.nm-claim")) >= len(claims) // 2
    # its versions, the edit shown as a diff: the changed sentence's words and the added paragraph
    versions = _css(browser, "#versions .nm-version")
    assert [_one(v, "h3").text.split()[:2] for v in versions] == [["Version", "2"], ["Version", "1"]]
    inserted = " ".join(x.text for x in _css(versions[0], ".nm-diff ins"))
    removed = " ".join(x.text for x in _css(versions[0], ".nm-diff del"))
    assert edit["added_paragraph"][:60] in inserted
    assert removed and all(word in edit["original_sentence"] for word in removed.split())


def test_a_claim_links_to_its_stored_article_and_to_who_reported_it(browser, base):
    browser.get(base + "/news/latest_claims")
    headers = [th.text for th in _css(browser, "table.rows-and-columns th")]
    assert headers.index("speaker_mention") == headers.index("speaker") + 1
    rows = _css(browser, "table.rows-and-columns tbody tr")
    assert rows
    for row in rows[:20]:
        href = _one(row, "td.col-article_title a").get_attribute("href")
        assert _local(base, href) and re.search(r"/news/articles/\d+#claim-\d+$", href), href
    # a claim several outlets reported: its claim group is a link to who reported it, filled in
    widely = next(row for row in rows if _css(row, "td.col-reported_by a")
                  and not _one(row, "td.col-reported_by a").text.startswith("1 "))
    count = int(_one(widely, "td.col-reported_by a").text.split()[0])
    quote = _one(widely, "td.col-quote").text
    group_link = _one(widely, "td.col-claim_group_id a")
    group_id = group_link.text
    _click_and_wait(browser, group_link)
    assert urlsplit(browser.current_url).path == "/news/claim_reporters"
    assert parse_qs(urlsplit(browser.current_url).query) == {"claim_group_id": [group_id]}
    assert _one(browser, "input[name=claim_group_id]").get_attribute("value") == group_id
    reporters = _css(browser, "table.rows-and-columns tbody tr")
    assert len(reporters) == count >= 2
    assert len({_one(r, "td.col-source_id").text for r in reporters}) >= 2
    assert all(_one(r, "td.col-quote").text == quote for r in reporters)
    # and from there, to each reporting article's stored page, at the claim
    _click_and_wait(browser, _one(reporters[-1], "td.col-title a"))
    claim_id = urlsplit(browser.current_url).fragment.removeprefix("claim-")
    assert claim_id.isdigit() and _one(browser, f"#claim-{claim_id} .nm-quote").text


def test_from_an_articles_claim_to_who_reported_it(browser, base):
    browser.get(base + "/news/syndicated_stories")
    _click_and_wait(browser, _one(browser, "table.rows-and-columns tbody tr td.col-title a"))
    link = next(a for a in _css(browser, "#claims a.nm-reporters") if not a.text.endswith(" 1 article"))
    _click_and_wait(browser, link)
    assert urlsplit(browser.current_url).path == "/news/claim_reporters"
    assert _one(browser, "input[name=claim_group_id]").get_attribute("value").isdigit()
    assert len(_css(browser, "table.rows-and-columns tbody tr")) >= 2


def test_full_text_results_show_a_highlighted_snippet(browser, base):
    from selenium.webdriver.common.keys import Keys

    # the canned search: the reader types the words
    browser.get(base + "/news/search_articles")
    box = _one(browser, "input[name=search]")
    box.send_keys("empty words")
    before = browser.current_url
    box.send_keys(Keys.ENTER)
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 20).until(lambda d: d.current_url != before and _css(d, "td.col-snippet"))
    snippet = _one(browser, "td.col-snippet")
    marks = [m.text.casefold() for m in _css(snippet, "mark")]
    assert "empty" in marks and "words" in marks
    assert _one(snippet, "mark").value_of_css_property("background-color") not in ("rgba(0, 0, 0, 0)", "transparent")
    assert len(snippet.text) < 400, "a snippet, not the whole text"
    # the articles table's own search box: its text column shows a snippet too
    browser.get(base + "/news/articles")
    box = _one(browser, "input[name=_search]")
    box.send_keys("empty words")
    before = browser.current_url
    box.send_keys(Keys.ENTER)
    WebDriverWait(browser, 20).until(lambda d: d.current_url != before and _css(d, "td.col-text"))
    cells = _css(browser, "td.col-text")
    assert cells and all(_css(c, "mark") for c in cells)
    assert all(len(c.text) < 400 for c in cells)
