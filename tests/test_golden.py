"""Analysis outputs on a fixed corpus equal the committed tests/data/golden.json.

A refactor or speed change that alters any page's text, metadata, verdict or
claims fails here and bench/golden.py says which page and which field; quality
work that means to change outputs re-records the file (``python bench/golden.py
record``) in the same commit.
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_analysis_outputs_match_the_golden_file():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "golden.py"), "check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-3000:]
    assert "0 differ" in proc.stdout
