"""The proposed sources.toml entry: rendering, checking and appending it to the config."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from newsmon.config import ConfigError, Source, parse_config
from newsmon.sources.fetch import SourceToolError

# ---------------------------------------------------------------------------
# verification


@dataclass
class Verdict:
    url: str
    ok: bool
    reason: str            # "article" or a drop reason / fetch error
    title: str | None = None
    words: int = 0
    published: str | None = None


def verdict_note(verdicts: list[Verdict]) -> str:
    good = sum(v.ok for v in verdicts)
    bad = Counter(v.reason for v in verdicts if not v.ok)
    note = f"{good} of {len(verdicts)} pages checked are articles"
    if bad:
        note += " (others: " + ", ".join(f"{k} {n}" for k, n in bad.items()) + ")"
    return note


# ---------------------------------------------------------------------------
# the proposal


@dataclass
class Candidate:
    kind: str                     # feed | sitemap | listing
    urls: list[str]
    found: str                    # how it was found
    entries: list[dict] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    problem: str | None = None    # why it is not usable
    title: str | None = None
    news: bool = False

    @property
    def usable(self) -> bool:
        return self.problem is None and any(v.ok for v in self.verdicts)

    def describe(self) -> str:
        what = {"feed": "feed", "sitemap": "news sitemap" if self.news else "sitemap",
                "listing": "article links on"}[self.kind]
        text = f"{what} {', '.join(self.urls)} ({self.found})"
        if self.problem:
            return f"{text}: {self.problem}"
        if self.entries:
            text += f": {len(self.entries)} entries"
        if self.verdicts:
            text += ("; " if self.entries else ": ") + verdict_note(self.verdicts)
        return text


@dataclass
class Proposal:
    source_id: str
    name: str
    start_url: str
    chosen: Candidate
    considered: list[Candidate]
    schedule: str
    schedule_note: str
    allowed_domains: list[str] = field(default_factory=list)

    def table(self) -> dict:
        table = {"name": self.name, "kind": self.chosen.kind, "urls": list(self.chosen.urls),
                 "schedule": self.schedule}
        if self.allowed_domains:
            table["allowed_domains"] = self.allowed_domains
        if self.chosen.patterns:
            table["article_patterns"] = list(self.chosen.patterns)
        return table

    def reasons(self) -> list[str]:
        c = self.chosen
        why = {
            "feed": "a feed lists new articles with their dates and is the lightest to poll",
            "sitemap": ("a Google News sitemap lists the articles of the last two days with dates"
                        if c.news else "the sitemap lists the site's pages; article_patterns keep the articles"
                        if c.patterns else "the sitemap lists the site's articles"),
            "listing": "no usable feed or sitemap; these links on the page are shaped like articles",
        }[c.kind]
        lines = [f"chosen: {c.kind}: {why}", f"  {c.describe()}"]
        if c.kind == "listing":
            for pattern in c.patterns:
                lines.append(f"  pattern {pattern}")
        sample = [v for v in c.verdicts if v.ok][:3]
        for v in sample:
            lines.append(f"  e.g. {v.title or v.url} ({v.words} words, {v.published or 'no date'})")
        others = [x for x in self.considered if x is not c]
        if others:
            lines.append("also considered:")
            for x in others:
                lines.append(f"  {x.describe()}")
        lines.append(f"schedule: {self.schedule_note}")
        return lines

    def toml(self, header: str | None = None) -> str:
        out = []
        if header:
            out.append(f"# {header}")
        out += ["# " + line for line in self.reasons()]
        out.append(f"[sources.{self.source_id}]")
        for key, value in self.table().items():
            out.append(f"{key} = {toml_value(value)}")
        return "\n".join(out) + "\n"


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        if re.search(r"\\", value) and "'" not in value and "\n" not in value:
            return f"'{value}'"    # regexes: a literal string keeps backslashes readable
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {type(value).__name__}")


def slug_id(text: str) -> str:
    """A source id from a host or name: "www.example.co.uk" -> "example-co-uk"."""
    text = text.lower()
    text = re.sub(r"^www\d*\.", "", text)
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:63].strip("-")
    return slug if slug and slug[0].isalnum() else f"site-{slug}".strip("-")


# ---------------------------------------------------------------------------
# writing the config


def _line_of_source(text: str, source_id: str) -> int | None:
    header = re.compile(r"^\s*\[\s*sources\s*\.\s*[\"']?" + re.escape(source_id) + r"[\"']?\s*\]")
    for i, line in enumerate(text.splitlines()):
        if header.match(line):
            return i + 1
    return None


def check_new_id(path: Path, source_id: str) -> None:
    """SourceToolError when the config at ``path`` is invalid or already has ``source_id``."""
    path = Path(path)
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if not existing.strip():
        return
    try:
        current = parse_config(existing, path)
    except ConfigError as e:
        raise SourceToolError(f"{e}\nFix {path} first; nothing was written.") from None
    if source_id in current.sources:
        line = _line_of_source(existing, source_id)
        where = f"{path}:{line}" if line else str(path)
        raise SourceToolError(
            f"source {source_id!r} already exists ({where}); nothing was written. "
            f"Choose another id with --name ID, or edit or remove the existing "
            f"[sources.{source_id}] table.")


def default_id(url: str) -> str:
    """The id add-source gives a site: a slug of its host."""
    if not re.match(r"^https?://", url, re.I):
        url = "https://" + url
    return slug_id(urlsplit(url).hostname or "site")


def add_to_config(path: Path, proposal: Proposal, header: str | None = None) -> str:
    """Append the proposal to the config at ``path`` (created if missing); returns the entry.

    The file is appended to as text, so its comments and layout stay as they
    are; the result is validated with newsmon.config.parse_config first.
    """
    path = Path(path)
    check_new_id(path, proposal.source_id)
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    entry = proposal.toml(header)
    if not existing or existing.endswith("\n\n"):
        sep = ""
    else:
        sep = "\n" if existing.endswith("\n") else "\n\n"
    new_text = existing + sep + entry
    try:
        parse_config(new_text, path)
    except ConfigError as e:
        raise SourceToolError(f"the proposed entry does not validate: {e}; nothing was written") from None
    tmp = path.with_name(f".{path.name}.newsmon-tmp")
    tmp.write_text(new_text, encoding="utf-8")
    tmp.replace(path)
    return entry


def validate_entry(proposal: Proposal) -> Source:
    """The proposal as a parsed Source (raises SourceToolError when invalid)."""
    try:
        config = parse_config(proposal.toml())
    except ConfigError as e:
        raise SourceToolError(f"the proposed entry does not validate: {e}") from None
    return config.sources[proposal.source_id]
