"""Which URLs a crawl may fetch: schemes and private addresses.

Pure functions shared by the Scrapy SafeFetchMiddleware and by `newsmon
add-source`, which fetches outside Scrapy.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

SAFE_SCHEMES = ("http", "https")


def host_key(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def is_private_host(host: str) -> bool:
    host = host.lower().strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: resolved by the downloader; see the issue note on DNS rebinding
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved \
        or ip.is_multicast or ip.is_unspecified


def refusal_reason(url: str, allowed_private: set[str]) -> str | None:
    """Why ``url`` must not be fetched, or None."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in SAFE_SCHEMES:
        return "bad_scheme"
    host = (parts.hostname or "").lower()
    if not host:
        return "no_host"
    if is_private_host(host) and host_key(url) not in allowed_private and host not in allowed_private:
        return "private_address"
    return None
