"""Secrets kept out of the database and the logs: credentials in a source's settings,
passwords in URLs, token-like query parameters, the webhook URL."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

SECRET_KEY_RE = re.compile(r"pass|secret|token|auth|key|credential|cookie|proxy|session|webhook|signature",
                           re.I)
SECRET_PARAM_RE = re.compile(r"(?i)([?&](?:[^=&#]*(?:token|key|secret|pass|auth|sig)[^=&#]*)=)([^&#]+)")
NOT_SECRET_KEY_RE = re.compile(r"_(ENABLED|ENCODING|DEBUG|DOMAIN|DOMAINS|PRIORITY|MIDDLEWARES?)$", re.I)
REDACTED = "***"


def _secret_key(key: str) -> bool:
    return bool(key) and bool(SECRET_KEY_RE.search(key)) and not NOT_SECRET_KEY_RE.search(key)


def redact_url(text: str) -> str:
    """user:password@ and token-like query parameters of a URL blanked."""
    text = re.sub(r"(?i)(\b[a-z][a-z0-9+.-]*://)([^/@\s:]+):([^/@\s]+)@", rf"\1\2:{REDACTED}@", text)
    return SECRET_PARAM_RE.sub(rf"\1{REDACTED}", text)


def redact_settings(value, key: str = ""):
    """A copy of a source's settings fit for the database: the values of
    credential-looking keys (password, token, auth, cookie, proxy, api key ...)
    replaced by "***", and passwords in URLs blanked everywhere."""
    if isinstance(value, dict):
        return {k: redact_settings(v, str(k)) for k, v in value.items()}
    if _secret_key(key) and value not in (None, "", [], {}) and not isinstance(value, bool):
        return REDACTED
    if isinstance(value, (list, tuple)):
        return [redact_settings(v) for v in value]
    if isinstance(value, str):
        return redact_url(value)
    return value


def secret_values(settings: dict, options: dict | None = None) -> set[str]:
    """The strings of a source's settings (and the [newsmon] options, e.g.
    webhook_url) that must never be written to a log: everything redact_settings
    blanks, and the passwords inside URLs."""
    found: set[str] = set()

    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, str(k))
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and value:
            if _secret_key(key):
                found.add(value)
            for m in re.finditer(r"://[^/@\s:]+:([^/@\s]+)@", value):
                found.add(m.group(1))
            for m in SECRET_PARAM_RE.finditer(value):
                found.add(m.group(2))

    walk(settings or {})
    walk(options or {})
    return {s for s in found if len(s) >= 4}


class _RedactingRecordFactory:
    """A log record factory that blanks configured secrets in every message,
    whatever logger or handler (Scrapy reinstalls its root handler at start)."""

    def __init__(self, previous, secrets):
        self.previous = previous
        self.secrets = sorted(secrets, key=len, reverse=True)

    def __call__(self, *args, **kwargs):
        record = self.previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is logging's problem, not ours
            return record
        redacted = message
        for secret in self.secrets:
            if secret in redacted:
                redacted = redacted.replace(secret, REDACTED)
        if redacted != message:
            record.msg, record.args = redacted, None
        return record


def install_log_redaction(secrets) -> None:
    secrets = {s for s in secrets if s and len(s) >= 4}
    if not secrets:
        return
    current = logging.getLogRecordFactory()
    if isinstance(current, _RedactingRecordFactory):
        current.secrets = sorted(set(current.secrets) | secrets, key=len, reverse=True)
        return
    logging.setLogRecordFactory(_RedactingRecordFactory(current, secrets))


def url_for_logs(url: str) -> str:
    """A URL safe for logs: scheme and host only (webhook paths often hold tokens)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}/…"
