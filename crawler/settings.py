"""Scrapy settings for newsmon.

Polite, explicit defaults: a crawler that runs unattended for months against
other people's sites must be easy on them and hard to break.
Per-source overrides go in a source's ``settings`` table in sources.toml.
"""

import os

# settings shared with the core (newsmon reprocess uses them without Scrapy)
from newsmon.defaults import NEWSMON_NEAR_DUPLICATE_THRESHOLD, NEWSMON_SITE_LINE_MIN_PAGES, USER_AGENT  # noqa: F401

BOT_NAME = "newsmon"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# `scrapy crawl` checks a newsmon spider's source and database before it starts
COMMANDS_MODULE = "crawler.commands"

ROBOTSTXT_OBEY = True

# Politeness: few parallel requests per site, adaptive delay.
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Scrapy 2.19's own downloader lets a slot exceed that limit when DOWNLOAD_DELAY
# is 0 (crawler/downloader.py says how); this one keeps it
DOWNLOADER = "crawler.downloader.PoliteDownloader"
# Scrapy starts one task per CONCURRENT_ITEMS slot for every response (~2.5 ms a
# page at the default 100); an article page yields one item, so a few suffice
CONCURRENT_ITEMS = 16
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# Bounds: a stalled server or a huge body must not hold up a crawl.
# Sizes count decompressed bytes too: HttpCompressionMiddleware stops a gzip,
# deflate, br or zstd bomb at the same limit (Scrapy's default is 1 GiB).
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 4 * 1024 * 1024      # pages: bigger ones are stopped (dropped/too_large), never parsed
DOWNLOAD_WARNSIZE = 1 * 1024 * 1024
NEWSMON_SITEMAP_MAXSIZE = 50 * 1024 * 1024   # feeds and sitemaps (the protocol allows 50 MB)
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 504, 522, 524, 408]   # 429/503: RetryAfterMiddleware
# a page the site still fails after the retries is the site's failure, counted in the
# run's http_errors / error_summary: a warning, not an ERROR of the crawl
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"
REDIRECT_MAX_TIMES = 10
DEPTH_LIMIT = 5                 # start page 0, nested sitemaps (NEWSMON_SITEMAP_DEPTH), articles
URLLENGTH_LIMIT = 2048
COOKIES_ENABLED = False
# Backstop for the crawl process itself (extraction workers have their own
# NEWSMON_EXTRACT_MEMORY_MB limit); bench/memory_bench.py measures the real figure.
MEMUSAGE_ENABLED = True
MEMUSAGE_LIMIT_MB = 1024
MEMUSAGE_WARNING_MB = 512

# No remote-control surface: no telnet console, and not Scrapy 2.19's
# RemoteControl extension either (on by default: an HTTP server on a random
# localhost port that runs Python code sent to it, its token in a job file).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# newsmon's commands choose the level (-q, -v, --log-level: NEWSMON_LOG_LEVEL); by hand it is INFO.
# The per-30-s "Crawled N pages" lines only where INFO is shown: the commands print their own progress.
LOG_LEVEL = os.environ.get("NEWSMON_LOG_LEVEL") or "INFO"
LOGSTATS_INTERVAL = 30.0 if LOG_LEVEL.upper() in ("DEBUG", "INFO") else 0.0

ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.store.StorePipeline": 900,
}
DOWNLOADER_MIDDLEWARES = {
    # first in line: nothing is sent to a refused address, not even robots.txt
    "crawler.middlewares.SafeFetchMiddleware": 50,
    # robots.txt: 5xx or unreachable means skip the site this run (Scrapy: allow all)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RobotsTxtMiddleware": 100,
    # 429/503 with Retry-After: slow the site down, then retry (before RetryMiddleware)
    "crawler.middlewares.RetryAfterMiddleware": 560,
    # decompression bombs counted (too_large), not only ignored
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.BoundedHttpCompressionMiddleware": 590,
    # sees a 3xx before RedirectMiddleware (600): loops, long chains, file:/data:/ftp:
    "crawler.middlewares.RedirectGuardMiddleware": 610,
    # after DefaultHeaders (400) and Cookies (700): no credentials to another origin
    "crawler.middlewares.CrossOriginHeadersMiddleware": 720,
    # next to the download: size limits and non-HTML articles, at the headers
    "crawler.middlewares.ResponseGuardMiddleware": 950,
}
NEWSMON_RETRY_AFTER_DEFAULT = 5.0    # seconds, when a 429/503 has no Retry-After
NEWSMON_RETRY_AFTER_MAX = 120.0      # longer requested waits give up for this run
EXTENSIONS = {
    "crawler.extensions.RunMonitor": 10,
    "crawler.extensions.Progress": 20,    # only with NEWSMON_PROGRESS_FILE (newsmon crawl sets it)
    "crawler.extensions.HeapTrim": 30,
}

# newsmon's own settings (NEWSMON_*); the CLI sets the paths.
NEWSMON_CONFIG = None          # defaults to $NEWSMON_CONFIG or ./sources.toml
NEWSMON_DB = None              # defaults to $NEWSMON_DB or ./news.db
NEWSMON_WORKERS = 0            # extraction worker processes; 0 = one per core
NEWSMON_HEAP_TRIM_INTERVAL = 2.0   # seconds between returns of freed heap to the system; 0 = never
NEWSMON_EXTRACT_TIMEOUT = 30.0   # seconds per page; the worker is killed and replaced past it
NEWSMON_EXTRACT_MEMORY_MB = 1024
NEWSMON_STORE_BATCH = 50       # items per write transaction
NEWSMON_STORE_WINDOW = 0.5     # seconds an item may wait for its batch
NEWSMON_STORE_HTML = True      # keep raw pages for `newsmon reprocess`
NEWSMON_MAX_PAGES = 2000       # article pages fetched per source per run (trap guard)
NEWSMON_MAX_QUERY_VARIANTS = 100   # article URLs per path differing only in their query (trap guard)
NEWSMON_SITEMAP_DEPTH = 3      # nested sitemap indexes followed
NEWSMON_MAX_SITEMAPS = 500     # sitemap files fetched per source per run
NEWSMON_PROXY = None           # e.g. "http://user:pass@proxy:3128"; never logged or stored
# Test-only storage faults (pipelines.store.StorePipeline): a database that
# may not grow past this many pages (SQLite's max_page_count: "disk full"), or
# a store connection that may not write at all (PRAGMA query_only: "read-only").
NEWSMON_DB_MAX_PAGES = 0
NEWSMON_DB_READONLY = False
NEWSMON_PROGRESS_FILE = None   # the crawl's counts every second, for the parent's progress line
NEWSMON_HEALTH_CHECKS = True   # health rules and the webhook after each run (off for check-source's dry runs)
NEWSMON_ROBOTS_CACHE_HOURS = 24.0   # a site's robots.txt is reused this long (RFC 9309: at most 24 h); 0 = every run
NEWSMON_ALLOW_PRIVATE_HOSTS = []   # host[:port] on private addresses that may be fetched
                                   # besides the source's own configured hosts

FEED_EXPORT_ENCODING = "utf-8"

# `scrapy genspider -t news NAME DOMAIN`: newsmon's spider template
# (crawler/templates/spiders/news.tmpl); it replaces Scrapy's generic templates.
TEMPLATES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")

# Distributed mode (README "Scale out"): REDIS_URL set -> shared scrapy-redis queue and
# seen-URL set, items pushed to Redis for `newsmon ingest`. Unset: nothing changes.
import os as _os  # noqa: E402

if _os.environ.get("REDIS_URL"):
    from crawler.distributed import apply_settings as _apply_distributed

    _apply_distributed(globals())
