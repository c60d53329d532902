"""Source health: what `newsmon status` shows and what raises alerts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

STATUS_SQL = """
SELECT s.id AS source_id,
       r.started_at AS last_run, r.status AS status,
       (SELECT count(*) FROM articles a WHERE a.source_id = s.id AND a.first_seen_at >= :since) AS new_24h,
       (SELECT count(*) FROM articles a WHERE a.source_id = s.id) AS articles,
       (SELECT count(*) FROM alerts al WHERE al.source_id = s.id AND al.cleared_at IS NULL) AS open_alerts
FROM sources s
LEFT JOIN crawl_runs r ON r.id = (SELECT id FROM crawl_runs WHERE source_id = s.id
                                  ORDER BY started_at DESC, id DESC LIMIT 1)
ORDER BY s.id
"""


def status_rows(db) -> list[dict]:
    since = (datetime.now(timezone.utc) - timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return list(db.query(STATUS_SQL, {"since": since}))
