"""A pool of worker processes for page analysis, with per-page bounds.

Built on pebble's ProcessPool: each page gets a time limit after which its
worker is killed and replaced, and workers run under an address-space limit
so an exploding page dies alone instead of taking the crawl with it. Used by
the Scrapy ExtractPipeline (awaited from the reactor) and by `newsmon
reprocess`.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
from concurrent.futures import Future, TimeoutError as FutureTimeout

from pebble import ProcessExpired, ProcessPool

from pipelines.analyze import analyze_page

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0          # seconds one page may take
DEFAULT_MEMORY_MB = 1024        # address space of one worker
MAX_TASKS_PER_WORKER = 500      # recycle workers: fragmentation and leaks stay bounded


class AnalysisFailed(Exception):
    """A page that could not be analysed; ``reason`` is what the summary counts."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def _limit_memory(memory_mb: int) -> None:
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


class AnalysisPool:
    def __init__(self, workers: int | None = None, *, timeout: float = DEFAULT_TIMEOUT,
                 memory_mb: int = DEFAULT_MEMORY_MB):
        self.workers = workers or default_workers()
        self.timeout = timeout
        # spawn, not fork: the parent runs a reactor and threads
        self._pool = ProcessPool(
            max_workers=self.workers, max_tasks=MAX_TASKS_PER_WORKER,
            initializer=_limit_memory, initargs=(memory_mb,),
            context=multiprocessing.get_context("spawn"))

    def submit(self, html: str, url: str | None, site_lines=None, feed_published=None) -> Future:
        return self._pool.schedule(analyze_page, args=(html, url, site_lines, feed_published),
                                   timeout=self.timeout)

    @staticmethod
    def result(future: Future) -> dict:
        """The analysis, or AnalysisFailed with a reason the summary can count."""
        try:
            return future.result()
        except FutureTimeout:
            raise AnalysisFailed("extract_timeout") from None
        except ProcessExpired as e:
            raise AnalysisFailed("extract_crashed", f"worker exit code {e.exitcode}") from None
        except MemoryError:
            raise AnalysisFailed("extract_memory") from None
        except Exception as e:  # a bug or a page that breaks a parser: count it, keep going
            log.exception("page analysis failed")
            raise AnalysisFailed("extract_error", f"{type(e).__name__}: {e}") from None

    def close(self) -> None:
        self._pool.close()
        self._pool.join(timeout=30)

    def stop(self) -> None:
        self._pool.stop()
        self._pool.join(timeout=10)
