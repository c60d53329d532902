"""The SQLite store: ``schema`` (every table, declared once), ``db`` (connections,
transactions, migrations), ``ingest`` (the one write path of articles, versions,
claims, speakers and claim groups), ``reprocess`` (re-analysing stored pages),
``queries`` (the small reads and writes around them). Stored HTML is compressed
by newsmon.htmlblob."""
