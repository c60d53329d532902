"""Defaults of the settings (USER_AGENT, NEWSMON_*) that the core uses outside a crawl too.

crawler/settings.py takes them from here, so ``newsmon reprocess`` (no Scrapy)
analyses and deduplicates a source's pages as its crawl would.
"""

# An honest User-Agent that says who we are and how to reach the operator (crawls and add-source)
USER_AGENT = "newsmon/0.1 (+https://github.com/newsmon/newsmon; news monitoring crawler)"
NEWSMON_SITE_LINE_MIN_PAGES = 3            # a line a site repeats on this many pages is junk
NEWSMON_NEAR_DUPLICATE_THRESHOLD = None    # None = newsmon.dedupe.DEFAULT_THRESHOLD
