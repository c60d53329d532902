"""Distributed mode's wire format: Redis key names, item encoding, the client and the TTLs.

Shared by the crawl side (crawler.distributed, pipelines.redis) and the core
(newsmon.cluster: the scheduler's side, the supervisor, ingest).

Every key that holds a database's state carries that database's instance id
(``newsmon:<instance>:...``, newsmon.cluster.instance), so two databases,
or a database and its restored backup, never share runs, queues, items or
known URLs through one Redis. Only what the crawler machines share across
databases is global: the announced runs (``newsmon:runs``) and the live
supervisors (``newsmon:crawlers``)."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import zlib

PREFIX = os.environ.get("NEWSMON_REDIS_PREFIX", "newsmon")
KNOWN_TTL = int(float(os.environ.get("NEWSMON_KNOWN_TTL", 30 * 86400)))   # seconds
SEEN_TTL = int(float(os.environ.get("NEWSMON_SEEN_TTL", 2 * 86400)))


class ClusterUnavailable(RuntimeError):
    """Redis cannot be used (unreachable, refused, a wrong REDIS_URL). The message is one line."""


def key(*parts) -> str:
    return ":".join([PREFIX, *map(str, parts)])


def redis_url() -> str | None:
    return os.environ.get("REDIS_URL") or None


def shown_url(url: str | None = None) -> str:
    """REDIS_URL as it may be printed (no password, also in Redis' ``redis://:password@host`` form)."""
    import re

    return re.sub(r"(://[^/@\s:]*):([^/@\s]+)@", r"\1:***@", url or redis_url() or "")


def client(url: str | None = None):
    """A Redis client (bytes replies) for REDIS_URL."""
    import redis

    url = url or redis_url()
    if not url:
        raise ClusterUnavailable("distributed mode needs REDIS_URL (e.g. redis://10.0.0.5:6379/0)")
    try:
        return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10,
                                    retry_on_timeout=True, health_check_interval=30)
    except ValueError as e:   # not a redis:// (rediss://, unix://) URL
        raise ClusterUnavailable(f"REDIS_URL {shown_url(url)!r} is not a Redis URL ({e})") from None


def is_redis_error(e: BaseException) -> bool:
    """Is this the Redis client's error (connection refused, timeout, auth, ...)?"""
    redis = sys.modules.get("redis")   # never imported for this in single-machine mode
    return redis is not None and isinstance(e, redis.exceptions.RedisError)


def unreachable(e: BaseException, url: str | None = None) -> ClusterUnavailable:
    """The one line an operator reads when Redis fails."""
    why = str(e).strip().rstrip(".") or type(e).__name__
    return ClusterUnavailable(f"cannot use Redis at {shown_url(url)} (REDIS_URL): {why}; start it, or fix "
                              "REDIS_URL (unset it to crawl on this machine alone)")


def connect(url: str | None = None):
    """A client that has answered a PING, or :class:`ClusterUnavailable`."""
    server = client(url)
    try:
        server.ping()
    except Exception as e:
        if is_redis_error(e) or isinstance(e, OSError):
            raise unreachable(e, url) from None
        raise
    return server


def url_key(instance: str, source_id: str, url: str) -> str:
    return key(instance, "known", source_id, hashlib.sha1(url.encode("utf-8")).hexdigest()[:24])


def encode_item(payload: dict) -> bytes:
    return zlib.compress(json.dumps(payload, default=str, ensure_ascii=False).encode("utf-8"), 3)


def decode_item(raw: bytes) -> dict:
    return json.loads(zlib.decompress(raw).decode("utf-8"))
