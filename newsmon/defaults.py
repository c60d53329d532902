"""Defaults of the NEWSMON_* settings that the core uses outside a crawl too.

crawler/settings.py takes them from here, so ``newsmon reprocess`` (no Scrapy)
analyses and deduplicates a source's pages as its crawl would.
"""

NEWSMON_SITE_LINE_MIN_PAGES = 3            # a line a site repeats on this many pages is junk
NEWSMON_NEAR_DUPLICATE_THRESHOLD = None    # None = newsmon.dedupe.DEFAULT_THRESHOLD
