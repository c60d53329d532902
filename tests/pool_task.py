"""A task for tests/test_reprocess.py's pool test, named, never imported by the test itself."""

import os


def pid_and_text(html, url, site_lines=None, feed_published=None):
    return {"pid": os.getpid(), "text": html.upper()}
