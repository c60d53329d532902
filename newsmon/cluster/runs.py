"""One distributed run's state in Redis, as its crawl processes, the supervisors and the
scheduler's side all read it: key names, live processes, in-flight pages, counts.

Under ``newsmon:<instance>:run:<run id>:``

- ``requests``   the run's shared request queue (scrapy-redis's priority queue, a sorted set)
- ``seen``       fingerprints of the requests queued so far (a URL is fetched once)
- ``seeder``     the process that yields the start requests
- ``procs``      crawl process -> "state until" (busy, idle, closing; a process refreshes
                 it every second, so one whose time is past is dead)
- ``inflight:<process>``  the requests a process took from the queue and has not finished,
                 as queued; put back in the queue when the process dies (:func:`requeue_dead`)
- ``reports``    crawl process -> its counts (JSON), rewritten every second, final at its close:
                 a killed process's counts stay in the run's totals
- ``pushed``, ``ingested``, ``requeued``   counters
- ``dispatcher`` set while the scheduler's side waits for the run (a TTL it refreshes)

Announced runs are the global hash ``newsmon:runs`` (``<instance>:<source>`` -> JSON;
a new one is also published on ``newsmon:wake``, for the supervisors to start its
processes at once); live crawler supervisors the hash ``newsmon:crawlers`` (``host:pid`` -> JSON).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter

from newsmon.cluster.wire import SEEN_TTL, key

PROC_TTL = 6.0          # a crawl process that has not refreshed its state this long has stopped
DEAD_GRACE = 4.0        # ... and after this much longer it is dead: its in-flight pages are put back
# an announcement whose scheduler side stopped refreshing this long is abandoned
DISPATCHER_TTL = float(os.environ.get("NEWSMON_DISPATCHER_TTL", 30))
CRAWLER_TTL = 20.0      # a supervisor that has not refreshed its entry this long is gone

# a dead process's in-flight requests back in the run's queue, atomically (one survivor wins)
REQUEUE = """
local vals = redis.call('HVALS', KEYS[1])
for _, v in ipairs(vals) do
  local p = string.find(v, '\\n', 1, true)
  redis.call('ZADD', KEYS[2], tonumber(string.sub(v, 1, p - 1)), string.sub(v, p + 1))
end
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if #vals > 0 then
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  redis.call('INCRBY', KEYS[4], #vals)
  redis.call('EXPIRE', KEYS[4], ARGV[2])
end
return #vals
"""

# queue a request unless the run has seen it: one command, so a process killed in between
# cannot leave a request marked seen and never queued
ENQUEUE = """
if ARGV[1] ~= '' then
  if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# take the first request of the queue and note it as in flight for this process, atomically
POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('HSET', KEYS[2], ARGV[1], r[2] .. '\\n' .. r[1])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return r[1]
"""


class RunKeys:
    """The Redis key names of one run of one database."""

    def __init__(self, instance: str, run):
        self.instance, self.run = instance, str(run)
        base = key(instance, "run", run)
        self.requests, self.seen, self.seeder = f"{base}:requests", f"{base}:seen", f"{base}:seeder"
        self.procs, self.reports = f"{base}:procs", f"{base}:reports"
        self.pushed, self.ingested, self.requeued = f"{base}:pushed", f"{base}:ingested", f"{base}:requeued"
        self.dispatcher = f"{base}:dispatcher"
        self._base = base

    def inflight(self, process: str) -> str:
        return f"{self._base}:inflight:{process}"


def announcement_field(instance: str, source_id: str) -> str:
    return f"{instance}:{source_id}"


def announced(server) -> dict[str, dict]:
    """field -> announcement (instance, source, run_id, spider, announced) of every announced run."""
    return {k.decode(): json.loads(v) for k, v in server.hgetall(key("runs")).items()}


def withdraw(server, instance: str, source_id: str, run_id) -> bool:
    """Take a run off the announcements, if it is still the one announced for its source."""
    field = announcement_field(instance, source_id)
    raw = server.hget(key("runs"), field)
    if raw and str(json.loads(raw).get("run_id")) == str(run_id):
        server.hdel(key("runs"), field)
        return True
    return False


def abandoned(server, info: dict) -> bool:
    """Is the scheduler's side of an announced run gone (killed, its machine down)?"""
    keys = RunKeys(info["instance"], info["run_id"])
    return time.time() - info.get("announced", 0) > DISPATCHER_TTL and not server.exists(keys.dispatcher)


def proc_states(server, keys: RunKeys) -> dict[str, tuple[str, float]]:
    out = {}
    for name, value in server.hgetall(keys.procs).items():
        state, _, until = value.decode().partition(" ")
        out[name.decode()] = (state, float(until or 0))
    return out


def live_procs(server, keys: RunKeys, grace: float = DEAD_GRACE) -> dict[str, str]:
    """Crawl processes of the run not known to be dead -> their state."""
    now = time.time()
    return {name: state for name, (state, until) in proc_states(server, keys).items() if until + grace > now}


def requeue_dead(server, keys: RunKeys, process: str) -> int:
    """Put a dead process's in-flight requests back in the run's queue; how many."""
    return int(server.eval(REQUEUE, 4, keys.inflight(process), keys.requests, keys.procs, keys.requeued,
                           process, SEEN_TTL))


def reap_dead(server, keys: RunKeys, grace: float = DEAD_GRACE) -> int:
    """Requeue the in-flight pages of the run's dead processes (and drop their entries)."""
    now = time.time()
    n = 0
    for name, (_, until) in proc_states(server, keys).items():
        if until + grace <= now:
            n += requeue_dead(server, keys, name)
    return n


def run_crawled(server, keys: RunKeys) -> bool:
    """Seeded, its queue empty, no live process and at least one report."""
    return bool(server.exists(keys.seeder) and not server.zcard(keys.requests)
                and not live_procs(server, keys) and server.hlen(keys.reports))


def reports(server, keys: RunKeys) -> list[dict]:
    return [json.loads(v) for v in server.hvals(keys.reports)]


def merge_reports(reports: list[dict]) -> dict:
    """crawl_runs fields from the processes' reports (outcome counts come from ingest).

    Every report's counts are added, a killed process's last one too; the status
    comes from the processes that closed (``final``)."""
    out = {"pages_fetched": 0, "skipped": 0, "errors": 0}
    http_errors, summary = Counter(), Counter()
    start_ok = start_failed = 0
    reasons = []
    for r in reports:
        for k in out:
            out[k] += r.get(k) or 0
        http_errors.update(r.get("http_errors") or {})
        summary.update(r.get("error_summary") or {})
        start_ok += r.get("start_pages_ok") or 0
        start_failed += r.get("start_pages_failed") or 0
        if r.get("final", True):
            reasons.append(r.get("reason"))
    summary.pop("start_pages_failed", None)
    if start_failed:
        summary["start_pages_failed"] = start_failed
    if not reports:
        status, reason = "failed", "no crawler process reported"
    elif start_ok == 0 and start_failed:
        status, reason = "failed", "no_start_page"
    elif not reasons:   # every process was killed; what they left undone is counted apart (lost_in_flight)
        status, reason = "ok", "processes_died"
    elif any(r != "finished" for r in reasons):
        bad = next(r for r in reasons if r != "finished")
        status, reason = {"shutdown": "interrupted", "closespider_timeout": "timed_out"}.get(bad, "failed"), bad
    else:
        status, reason = "ok", "finished"
    if summary.get("storage_error"):
        status = "failed"
    return out | {"http_errors": dict(http_errors), "error_summary": dict(summary),
                  "status": status, "finish_reason": reason}


# -- crawler supervisors ---------------------------------------------------------------------------
def crawlers(server) -> dict[str, dict]:
    """Live supervisors (``newsmon crawler``): host:pid -> processes, running, until."""
    now = time.time()
    out = {}
    for name, value in server.hgetall(key("crawlers")).items():
        info = json.loads(value)
        if info.get("until", 0) > now:
            out[name.decode()] = info
    return out
