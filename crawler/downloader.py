"""Scrapy's downloader, with the per-site concurrency limit enforced.

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
"""

from __future__ import annotations

from scrapy.core.downloader import Downloader


class PoliteDownloader(Downloader):
    def _process_queue(self, slot) -> None:
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
