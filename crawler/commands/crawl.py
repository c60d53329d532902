"""``scrapy crawl``, with a newsmon spider's source and database checked before the crawl starts.

A newsmon spider crawls one source of sources.toml (``-a source=<id>``).
Scrapy creates the spider inside an asyncio task, so a missing or unknown
source, a broken config or an unusable database used to end in "Task
exception was never retrieved" and a traceback. Here they are one line on
stderr and a non-zero exit; so is such an error raised later while the
crawler is built.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from newsmon.config import ConfigError, default_db_path, load_config
from newsmon.store.db import DatabaseProblem, damaged, probe, quick_check

log = logging.getLogger(__name__)
EXPECTED = (ConfigError, DatabaseProblem, sqlite3.DatabaseError)


class Command(ScrapyCrawl):
    def run(self, args, opts) -> None:
        if len(args) != 1:
            return super().run(args, opts)
        name = args[0]
        try:
            spidercls = self.crawler_process.spider_loader.load(name)
        except KeyError:
            return super().run(args, opts)   # Scrapy's own "Spider not found"
        from crawler.spiders.base import BaseNewsSpider

        if issubclass(spidercls, BaseNewsSpider):
            problem = self._check(name, opts.spargs.get("source"))
            if problem:
                print(f"scrapy crawl {name}: {problem}", file=sys.stderr)
                self.exitcode = 2
                return None
        task = self.crawler_process.crawl(self._create_crawler(name), **opts.spargs)
        if isinstance(task, asyncio.Future):
            task.add_done_callback(self._report)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        return None

    def _check(self, name: str, source_id: str | None) -> str | None:
        """What stops this spider from crawling, in one line, or None."""
        try:
            config = load_config(self.settings.get("NEWSMON_CONFIG") or os.environ.get("NEWSMON_CONFIG"))
        except ConfigError as e:
            return str(e)
        if not source_id:
            known = ", ".join(sorted(config.sources)) or f"none in {config.path}"
            return f"name the source to crawl: scrapy crawl {name} -a source=<id> (sources: {known})"
        try:
            config.get(source_id)
        except ConfigError as e:
            return str(e)
        path = default_db_path(self.settings.get("NEWSMON_DB"))
        try:
            probe(path, write=True)
            # started by newsmon (a run id given), the parent has checked the database already
            if not os.environ.get("NEWSMON_RUN_ID") and path.is_file() and path.stat().st_size:
                problem = quick_check(path)
                if problem:
                    raise damaged(path, problem)
        except DatabaseProblem as e:
            return str(e)
        return None

    @staticmethod
    def _report(task: asyncio.Future) -> None:
        """The crawler could not be built: say why (retrieving the exception keeps asyncio quiet)."""
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()
        if isinstance(error, sqlite3.DatabaseError) and not isinstance(error, sqlite3.OperationalError):
            error = damaged(default_db_path(os.environ.get("NEWSMON_DB")), error)
        if isinstance(error, EXPECTED):
            print(f"scrapy crawl: {error}", file=sys.stderr)
        else:
            log.error("the crawl could not start", exc_info=error)


__all__ = ["Command", "UsageError"]
