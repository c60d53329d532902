"""Scrapy's downloader, with the per-site concurrency limit enforced and
server-demanded waits kept.

Scrapy 2.19 on the asyncio reactor starts each download of a slot as an
asyncio task and counts it as transferring only once that task first runs.
One pass of ``Downloader._process_queue`` therefore starts every request
queued for the slot, whatever CONCURRENT_REQUESTS_PER_DOMAIN says: with
``DOWNLOAD_DELAY = 0`` and a limit of 4, a site saw 32 requests at once
(CONCURRENT_REQUESTS), and the connection pool, which keeps only 4 idle
connections a host, opened a new connection for 4 requests in 5.

Here a pass sees only as many queued requests as the slot has free places,
and the ones it starts count as transferring at once. Scrapy's own
``_download`` adds and removes them again (a set: adding twice is harmless).
With a download delay, Scrapy starts one request a pass anyway: unchanged.

A site that answers 429 or 503 with Retry-After is *held* (:meth:`hold`): no
request of its slot starts before the wait it asked for is over, counted
from when its answer arrived. Scrapy's own delay cannot promise that: it
counts from when the previous request was *sent* (so a slow 429 shortens
the wait by its own download time), RANDOMIZE_DOWNLOAD_DELAY jitters it
(0.5x-1.5x), and AutoThrottle lowers ``slot.delay`` again with every quick
200 of another page of the site.
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader
from scrapy.utils.asyncio import call_later


class PoliteDownloader(Downloader):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._held_until: dict = {}    # slot -> monotonic time before which it sends nothing

    def hold(self, slot, seconds: float) -> None:
        """Send nothing more to ``slot``'s site for ``seconds`` from now (a longer hold stays)."""
        until = monotonic() + max(0.0, seconds)
        if until > self._held_until.get(slot, 0.0):
            self._held_until[slot] = until

    def _held_for(self, slot) -> float:
        until = self._held_until.get(slot)
        if until is None:
            return 0.0
        left = until - monotonic()
        if left <= 0:
            del self._held_until[slot]
            return 0.0
        return left

    def _process_queue(self, slot) -> None:
        if slot.latercall:
            return   # a pass is already scheduled; it checks the hold again
        left = self._held_for(slot)
        if left > 0:
            if slot.queue:
                slot.latercall = call_later(left, self._latercall, slot)
            return
        queue = slot.queue
        free = max(slot.free_transfer_slots(), 0)
        held = [queue.pop() for _ in range(len(queue) - free)]   # the excess, hidden from this pass
        offered = list(queue)
        try:
            super()._process_queue(slot)
        finally:
            started = offered[:len(offered) - len(queue)]
            queue.extend(reversed(held))
        for request, _ in started:
            slot.transferring.add(request)

    def _slot_gc(self, age: float = 60) -> None:
        super()._slot_gc(age)
        for slot in [s for s in self._held_until if s not in self.slots.values()]:
            del self._held_until[slot]
