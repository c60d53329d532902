"""Distributed mode's wire format: Redis key names, item encoding, the client and the TTLs.

Shared by the crawl side (crawler.distributed, pipelines.redis) and the core
(newsmon.cluster: the scheduler's side, the supervisor, ingest)."""

from __future__ import annotations

import hashlib
import json
import os
import zlib

PREFIX = os.environ.get("NEWSMON_REDIS_PREFIX", "newsmon")
KNOWN_TTL = int(float(os.environ.get("NEWSMON_KNOWN_TTL", 30 * 86400)))   # seconds
SEEN_TTL = int(float(os.environ.get("NEWSMON_SEEN_TTL", 2 * 86400)))


def key(*parts) -> str:
    return ":".join([PREFIX, *map(str, parts)])


def redis_url() -> str | None:
    return os.environ.get("REDIS_URL") or None


def client(url: str | None = None):
    """A Redis client (bytes replies) for REDIS_URL."""
    import redis

    url = url or redis_url()
    if not url:
        raise RuntimeError("distributed mode needs REDIS_URL (e.g. redis://10.0.0.5:6379/0)")
    return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10,
                                retry_on_timeout=True, health_check_interval=30)


def url_key(source_id: str, url: str) -> str:
    return key("known", source_id, hashlib.sha1(url.encode("utf-8")).hexdigest()[:24])


def encode_item(payload: dict) -> bytes:
    return zlib.compress(json.dumps(payload, default=str, ensure_ascii=False).encode("utf-8"), 3)


def decode_item(raw: bytes) -> dict:
    return json.loads(zlib.decompress(raw).decode("utf-8"))
