"""Load and validate ``sources.toml``.

The file holds one ``[sources.<id>]`` table per monitored source and an
optional ``[newsmon]`` table of global options. The key names are a contract:
name, kind, urls, schedule, enabled, allowed_domains, article_patterns,
spider, settings.

Pure module: no Scrapy import, so the CLI can report a bad config before any
crawl process starts.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

KINDS = ("feed", "sitemap", "listing", "spider")
SOURCE_KEYS = {
    "name", "kind", "urls", "schedule", "enabled", "allowed_domains",
    "article_patterns", "spider", "settings",
    # optional extras
    "recheck", "max_pages", "description",
}
OPTION_KEYS = {
    "webhook_url", "max_concurrent_crawls", "crawl_timeout", "grace_period",
    "jitter", "failure_alert_runs", "recheck", "pages", "user_agent",
    "allow_private_addresses", "near_duplicate_threshold",
}
SOURCE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
INTERVAL_RE = re.compile(r"^every\s+(\d+)\s*(s|sec|m|min|h|d)$", re.I)
UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
DEFAULT_SCHEDULE = "every 1h"
DEFAULT_RECHECK = ["1h", "6h", "24h", "72h"]


class ConfigError(ValueError):
    """A sources.toml problem, phrased so the user knows what to fix."""


@dataclass
class Source:
    id: str
    name: str
    kind: str
    urls: list[str]
    schedule: str = DEFAULT_SCHEDULE
    enabled: bool = True
    allowed_domains: list[str] = field(default_factory=list)
    article_patterns: list[str] = field(default_factory=list)
    spider: str | None = None
    settings: dict = field(default_factory=dict)
    recheck: list[str] | None = None
    max_pages: int | None = None

    @property
    def spider_name(self) -> str:
        return self.spider or "news"

    def as_row(self) -> dict:
        """The ``sources`` table row for this source."""
        return {
            "id": self.id, "name": self.name, "kind": self.kind, "urls": self.urls,
            "schedule": self.schedule, "enabled": int(self.enabled),
            "allowed_domains": self.allowed_domains,
            "article_patterns": self.article_patterns, "spider": self.spider,
            "settings": self.settings,
        }


@dataclass
class Config:
    path: Path | None
    sources: dict[str, Source]
    options: dict

    def enabled_sources(self) -> list[Source]:
        return [s for s in self.sources.values() if s.enabled]

    def get(self, source_id: str) -> Source:
        try:
            return self.sources[source_id]
        except KeyError:
            known = ", ".join(sorted(self.sources)) or "none"
            where = f" in {self.path}" if self.path else ""
            raise ConfigError(
                f"unknown source {source_id!r}{where} (known: {known})"
            ) from None


def parse_interval(text: str) -> int:
    """Seconds in "30m", "6h", "every 90s", "2d"; raises ValueError."""
    text = text.strip()
    m = INTERVAL_RE.match(text if text.lower().startswith("every") else f"every {text}")
    if not m:
        raise ValueError(f"not an interval: {text!r} (use e.g. '30m', '6h', '2d')")
    seconds = int(m.group(1)) * UNIT_SECONDS[m.group(2).lower()]
    if seconds <= 0:
        raise ValueError(f"interval must be positive: {text!r}")
    return seconds


SCHEDULE_HINT = "use e.g. 'every 30m', 'every 6h' or a cron expression such as '*/20 * * * *'"


def min_schedule_seconds() -> int:
    """The shortest interval schedule a source may have: a minute (tests run second-level
    schedules with NEWSMON_MIN_SCHEDULE_SECONDS)."""
    try:
        return max(1, int(os.environ.get("NEWSMON_MIN_SCHEDULE_SECONDS") or 60))
    except ValueError:
        return 60


def parse_schedule(text: str) -> tuple[str, int | str]:
    """("interval", seconds) for "every 30m", ("cron", expr) for a crontab line."""
    text = (text or "").strip()
    if text.lower().startswith("every"):
        try:
            return "interval", parse_interval(text)
        except ValueError as e:
            if "positive" in str(e):
                raise ValueError(f"schedule {text!r}: the interval must be positive") from None
            raise ValueError(f"schedule {text!r} is not 'every <N><m|h|d>': {SCHEDULE_HINT}") from None
    fields = text.split()
    if len(fields) != 5:
        raise ValueError(
            f"schedule {text!r} is neither 'every <N><m|h|d>' nor a 5-field cron expression: {SCHEDULE_HINT}"
        )
    from apscheduler.triggers.cron import CronTrigger  # validates field syntax

    try:
        CronTrigger.from_crontab(text, timezone="UTC")
    except ValueError as e:
        raise ValueError(f"bad cron expression {text!r}: {e}") from None
    return "cron", text


def _line_of(text: str, source_id: str, key: str | None = None) -> int | None:
    """Best-effort line number of ``[sources.<id>]`` (or a key inside it)."""
    lines = text.splitlines()
    header = re.compile(r"^\s*\[\s*sources\s*\.\s*[\"']?" + re.escape(source_id) + r"[\"']?\s*\]")
    for i, line in enumerate(lines):
        if header.match(line):
            if key is None:
                return i + 1
            for j in range(i + 1, len(lines)):
                if lines[j].lstrip().startswith("["):
                    break
                if re.match(rf"^\s*{re.escape(key)}\s*=", lines[j]):
                    return j + 1
            return i + 1
    return None


def _where(path: Path | None, text: str, source_id: str, key: str | None = None) -> str:
    line = _line_of(text, source_id, key)
    loc = str(path) if path else "sources.toml"
    return f"{loc}:{line}" if line else loc


def _string_list(value, what: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of strings")
    return value


def parse_source(source_id: str, table: dict) -> Source:
    """Validate one ``[sources.<id>]`` table; raises ValueError naming the key."""
    if not SOURCE_ID_RE.match(source_id):
        raise ValueError("source id must be a lowercase slug (letters, digits, - and _)")
    if not isinstance(table, dict):
        raise ValueError("must be a table")
    unknown = set(table) - SOURCE_KEYS
    if unknown:
        import difflib

        guesses = [repr(m[0]) for k in sorted(unknown)
                   if (m := difflib.get_close_matches(k, SOURCE_KEYS, n=1, cutoff=0.6))]
        hint = f" (did you mean {', '.join(guesses)}?)" if guesses else ""
        raise ValueError(f"unknown key(s) {', '.join(sorted(unknown))}{hint}; "
                         f"known: {', '.join(sorted(SOURCE_KEYS))}")
    kind = table.get("kind")
    if kind not in KINDS:
        raise ValueError(f"key 'kind' must be one of {', '.join(KINDS)} (got {kind!r})")
    urls = _string_list(table.get("urls", []), "key 'urls'")
    if kind != "spider" and not urls:
        raise ValueError("key 'urls' must list at least one URL")
    for u in urls:
        if urlsplit(u).scheme not in ("http", "https"):
            raise ValueError(f"key 'urls': {u!r} is not an http(s) URL")
    patterns = _string_list(table.get("article_patterns", []), "key 'article_patterns'")
    for p in patterns:
        try:
            re.compile(p)
        except re.error as e:
            raise ValueError(f"key 'article_patterns': bad regex {p!r}: {e}") from None
    if kind == "listing" and not patterns:
        raise ValueError("kind 'listing' needs key 'article_patterns' (regexes of article URLs)")
    spider = table.get("spider")
    if kind == "spider" and not spider:
        raise ValueError("kind 'spider' needs key 'spider' (the custom spider's name)")
    if spider is not None and not isinstance(spider, str):
        raise ValueError("key 'spider' must be a string")
    schedule = table.get("schedule", DEFAULT_SCHEDULE)
    if not isinstance(schedule, str):
        raise ValueError("key 'schedule' must be a string such as 'every 30m' or a cron expression")
    try:
        kind_of_schedule, every = parse_schedule(schedule)
    except ValueError as e:
        raise ValueError(f"key 'schedule': {e}") from None
    if kind_of_schedule == "interval" and every < min_schedule_seconds():
        raise ValueError(f"key 'schedule': {schedule!r} is under {min_schedule_seconds()} s: newsmon crawls "
                         "a source at most once a minute (a crawl alone takes about a second, and a site "
                         "asks for politeness); use 'every 1m' or longer")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ValueError("key 'enabled' must be true or false")
    settings = table.get("settings", {})
    if not isinstance(settings, dict):
        raise ValueError("key 'settings' must be a table of Scrapy settings")
    domains = _string_list(table.get("allowed_domains", []), "key 'allowed_domains'")
    if not domains:
        domains = sorted({urlsplit(u).hostname for u in urls if urlsplit(u).hostname})
    recheck = table.get("recheck")
    if recheck is not None:
        recheck = _string_list(recheck, "key 'recheck'")
        for r in recheck:
            try:
                parse_interval(r)
            except ValueError as e:
                raise ValueError(f"key 'recheck': {e}") from None
    max_pages = table.get("max_pages")
    if max_pages is not None and (not isinstance(max_pages, int) or max_pages < 1):
        raise ValueError("key 'max_pages' must be a positive integer")
    return Source(
        id=source_id, name=str(table.get("name") or source_id), kind=kind, urls=urls,
        schedule=schedule, enabled=enabled, allowed_domains=domains,
        article_patterns=patterns, spider=spider, settings=settings,
        recheck=recheck, max_pages=max_pages,
    )


def parse_config(text: str, path: Path | None = None) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path or 'sources.toml'}: invalid TOML: {e}") from None
    unknown_top = set(data) - {"sources", "newsmon"}
    if unknown_top:
        raise ConfigError(
            f"{path or 'sources.toml'}: unknown top-level table(s) {', '.join(sorted(unknown_top))}; "
            "use [sources.<id>] for sources and [newsmon] for options"
        )
    options = data.get("newsmon", {})
    unknown_opts = set(options) - OPTION_KEYS
    if unknown_opts:
        raise ConfigError(
            f"{path or 'sources.toml'}: unknown [newsmon] option(s) {', '.join(sorted(unknown_opts))}; "
            f"known: {', '.join(sorted(OPTION_KEYS))}"
        )
    sources = {}
    for source_id, table in data.get("sources", {}).items():
        try:
            sources[source_id] = parse_source(source_id, table)
        except ValueError as e:
            key = re.search(r"key '(\w+)'", str(e)) or re.search(r"unknown key\(s\) ([\w-]+)", str(e))
            where = _where(path, text, source_id, key.group(1) if key else None)
            raise ConfigError(f"{where}: [sources.{source_id}] {e}") from None
    return Config(path=path, sources=sources, options=options)


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read the config from ``path``, $NEWSMON_CONFIG or ./sources.toml."""
    path = Path(path or os.environ.get("NEWSMON_CONFIG") or "sources.toml")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path} (pass --config PATH or set NEWSMON_CONFIG)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read config {path}: {e}") from None
    return parse_config(text, path)


def default_db_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get("NEWSMON_DB") or "news.db")
