"""A pool of worker processes for page analysis, with per-page bounds.

Built on pebble's ProcessPool: each page gets a time limit after which its
worker is killed and replaced, and workers run under an address-space limit
so an exploding page dies alone instead of taking the crawl with it. Used by
the Scrapy ExtractPipeline (awaited from the reactor) and by `newsmon
reprocess`.

- One worker per core by default (``NEWSMON_WORKERS``); results come back
  through futures, in whatever order pages finish.
- Workers are spawned (the parent runs a reactor and threads) and pre-warmed:
  the initializer runs newsmon.analysis.warm_up (a small built-in article,
  and the data trafilatura loads on first need), so no real page pays for
  imports, the claims model or lazy caches.
- A worker that dies mid-page (segfault, OOM kill, ``os._exit``) is replaced
  and its page is retried once on a fresh worker; a second death makes the
  page fail as ``extract_crashed``. A page over its time limit is not
  retried (it would only time out again): ``extract_timeout``.
- Workers are recycled after MAX_TASKS_PER_WORKER pages, which bounds leaks
  and fragmentation. A worker's RSS levels off at ~80 MB after ~1,500
  pages (measured over 3,000), and a respawn costs ~1 s of CPU (imports and
  warm-up), so the bound is high: at 1,000 it cost a 3,000-page crawl 3 %.
- The pool itself is unbounded: callers bound what is in flight (Scrapy's
  CONCURRENT_ITEMS and CONCURRENT_REQUESTS for the crawl, a window for
  reprocess), so memory stays flat.
- The analysis function is named (``"module:function"``) and imported by the
  workers only: the crawl process and reprocess's main process never import
  trafilatura (0.12 s of start-up each).
"""

from __future__ import annotations

import gc
import importlib
import itertools
import logging
import multiprocessing
import os
import resource
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from pebble import ProcessExpired, ProcessPool

from newsmon.heap import release_freed_memory

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0          # seconds one page may take
DEFAULT_MEMORY_MB = 1024        # address space of one worker
MAX_TASKS_PER_WORKER = 10_000   # recycle workers: fragmentation and leaks stay bounded
CRASH_RETRIES = 1               # a page whose worker died is retried this many times


class AnalysisFailed(Exception):
    """A page that could not be analysed; ``reason`` is what the summary counts."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def _limit_memory(memory_mb: int) -> None:
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _resolve(name: str):
    """The function a ``"module:function"`` name stands for."""
    module, _, attr = name.partition(":")
    return getattr(importlib.import_module(module), attr)


TRIM_EVERY = 8              # pages between returns of freed heap to the system
TRIM_PAGE_CHARS = 150_000   # and after each page this large
_PAGES_DONE = itertools.count(1)


def _call(name: str, *args):
    """Run in a worker: the named function on ``args`` (a worker imports it once)."""
    try:
        return _resolve(name)(*args)
    finally:
        _after_page(args)


def _after_page(args) -> None:
    """Give back the heap pages freed by the page's trees (see newsmon.heap): a worker's
    RSS would otherwise stay at its largest page's (0.2 ms a page at this rate)."""
    if next(_PAGES_DONE) % TRIM_EVERY == 0 or (
            args and isinstance(args[0], (str, bytes)) and len(args[0]) > TRIM_PAGE_CHARS):
        release_freed_memory()


def _init_worker(memory_mb: int) -> None:
    """Worker initializer: the address-space limit, then a warm-up analysis."""
    _limit_memory(memory_mb)
    try:
        from newsmon.analysis import warm_up
        warm_up()
    except Exception:
        log.debug("worker warm-up failed", exc_info=True)
    # the modules, models and caches loaded so far live as long as the worker: kept out of
    # the collector's full passes, which otherwise walk them again every few dozen pages
    gc.freeze()


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


class AnalysisPool:
    def __init__(self, workers: int | None = None, *, timeout: float = DEFAULT_TIMEOUT,
                 memory_mb: int = DEFAULT_MEMORY_MB, function="newsmon.analysis:analyze_page"):
        self.workers = workers or default_workers()
        # a "module:function" name (imported in the workers only) or a function
        # picklable by reference (tests pass their own)
        self.function = function
        self.timeout = timeout
        # spawn, not fork: the parent runs a reactor and threads
        self._pool = ProcessPool(
            max_workers=self.workers, max_tasks=MAX_TASKS_PER_WORKER,
            initializer=_init_worker, initargs=(memory_mb,),
            context=multiprocessing.get_context("spawn"))
        self.retried = 0    # pages resubmitted after their worker died
        self.submitted = 0  # pages given to submit()
        self._started = False

    def start(self) -> None:
        """Spawn the workers now rather than on the first page: their imports and
        warm-up (~0.4 s) then overlap the download of the first pages. Once."""
        if not self._started:
            self._started = True
            self._pool.schedule(os.getpid)

    def submit(self, *args, function=None) -> Future:
        """A future of the pool's function (or ``function``, a ``"module:function"``
        name) on ``args``: ``(html, url, site_lines, feed_published)`` for
        ``analyze_page``; the second argument is always the page's URL (or what the task is
        about: the log of a worker's death names it).

        Thread-safe, completes in a pool thread (``asyncio.wrap_future``
        works); a worker death is retried CRASH_RETRIES times first.
        """
        self.submitted += 1
        outer: Future = Future()
        outer.set_running_or_notify_cancel()
        self._attempt(outer, function or self.function, args, CRASH_RETRIES)
        return outer

    def _attempt(self, outer: Future, function, args: tuple, retries: int) -> None:
        if isinstance(function, str):
            call, args_sent = _call, (function, *args)
        else:
            call, args_sent = function, args
        try:
            inner = self._pool.schedule(call, args=args_sent, timeout=self.timeout)
        except Exception as e:  # noqa: BLE001 - the pool is closed or broken
            outer.set_exception(e)
            return

        def done(f: Future) -> None:
            error = f.exception() if not f.cancelled() else FutureTimeout("cancelled")
            if isinstance(error, ProcessExpired) and retries > 0:
                self.retried += 1
                log.warning("an analysis worker died (exit code %s) on %s; retrying the page once",
                            error.exitcode, args[1])
                self._attempt(outer, function, args, retries - 1)
            elif error is not None:
                outer.set_exception(error)
            else:
                outer.set_result(f.result())

        inner.add_done_callback(done)

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
        """Let the workers finish their pages, then end them. A pool that was
        never given a page (a crawl with nothing new) is stopped at once: its
        workers may still be starting, and waiting for that costs ~0.3 s."""
        if not self.submitted:
            self.stop()
            return
        self._pool.close()
        self._pool.join(timeout=30)

    def stop(self) -> None:
        self._pool.stop()
        self._pool.join(timeout=10)
