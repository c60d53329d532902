"""Distributed mode: many crawler processes on many machines, one database.

Switched on by one setting, ``REDIS_URL`` in the environment. Without it
nothing here is imported and newsmon runs on one machine as before.

This package is the part without Scrapy: the wire format (``wire``), whose
state it is (``instance``: the database's instance id in every key), one
run's state in Redis (``runs``), the scheduler's side of a run (``crawl``),
the crawler machines' supervisor (``supervisor``), the one database writer
(``ingest``) and what ``newsmon status`` shows of it all (``status``). The
crawl side is ``crawler.distributed`` and ``pipelines.redis``.

The pieces (see README "Scale out"):

- The scheduler (``newsmon run``, ``run --once``, ``crawl``) does not start a
  local crawl for a due source: :class:`newsmon.cluster.crawl.DistributedCrawl` creates the
  ``crawl_runs`` row as usual and *announces* the run in Redis
  (``newsmon:runs``, ``<instance>:<source>`` -> run id), then waits for the
  cluster to finish it and for the ingest process to store its items; a run
  no crawl process takes within NEWSMON_DISPATCH_WAIT fails (no_crawlers).
- ``newsmon crawler --processes N`` on every crawler machine
  (:class:`newsmon.cluster.supervisor.CrawlerSupervisor`) starts up to N ``scrapy crawl`` processes for
  each announced run. They share one scrapy-redis request queue per run
  (``newsmon:<instance>:run:<id>:requests``, scrapy-redis's Scheduler +
  PriorityQueue) and one seen-URL set per run (``crawler.distributed.RunDupeFilter``,
  scrapy-redis's RFPDupeFilter), so a URL is fetched once across all of them.
  A request taken from the queue is in flight for its process until its item
  is pushed; a dead process's pages go back to the queue (``runs``). Exactly one
  process of a run (the first to claim ``run:<id>:seeder``) yields the
  spider's start requests (``crawler.distributed.SeedOnceMiddleware``); the others take
  work from the shared queue. A process closes only when the queue is empty
  and no other process of the run is busy (``crawler.distributed.DistributedRun``), so none
  gives up while another is still discovering links.
- Crawler processes run extraction and claims (ExtractPipeline, in their own
  worker processes) and push the analysed item to the Redis list
  ``newsmon:<instance>:items`` (``pipelines.redis.RedisItemPipeline``, which replaces
  StorePipeline). ``newsmon ingest`` (:mod:`newsmon.cluster.ingest`), one process next to
  the SQLite file, is the only writer. When ingest falls behind (or is
  down), a crawler waits before pushing while the list holds
  ``NEWSMON_QUEUE_MAX_ITEMS`` items (2,000, about 50 MB of Redis memory):
  downloads slow down with it instead of Redis filling up.
- Known URLs (what the spider needs to decide "skip / recheck / conditional
  GET") are published by the ingest process after each commit as one Redis
  key per URL (``newsmon:<instance>:known:<source>:<hash>``) with a TTL that the
  spider's lookups refresh (GETEX): memory is bounded by the URLs still
  listed by some feed or sitemap in the last ``NEWSMON_KNOWN_TTL`` (30 days),
  and rechecks for edits work exactly as on one machine.
- Seen-URL sets are per run and expire (``NEWSMON_SEEN_TTL``, 2 days), so
  they stay bounded whatever the number of runs.
"""
