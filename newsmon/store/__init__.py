"""The SQLite store: ``schema`` (every table), ``db`` (connections, transactions),
``ingest`` (the one write path of articles, versions, claims, speakers and claim
groups), ``reprocess`` (re-analysing stored pages), ``queries`` (the small reads
and writes around them), ``blob`` (stored HTML)."""
