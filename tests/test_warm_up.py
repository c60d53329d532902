"""A worker's warm-up (newsmon.analysis.warm_up) loads what the analysis would otherwise
load on some real page: its article must pass the verdict and reach the claims model."""

import json
import subprocess
import sys

PROBE = """
import json
from newsmon.analysis import warm_up
from newsmon.claims.tagger import shipped_tagger
from newsmon.extract import bare
result = warm_up()
print(json.dumps({
    "drop_reason": result["drop_reason"],
    "speakers": sorted({c["speaker"] for c in result["claims"] if c.get("speaker")}),
    "stoplists_loaded": bare._all_stoplists.cache_info().currsize,
    "tagger_loaded": shipped_tagger.cache_info().currsize,
}))
"""


def test_warm_up_analyses_an_article_with_claims_and_loads_the_lazy_data():
    # a fresh process: nothing loaded by other tests
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["drop_reason"] is None          # a dropped page never reaches the claims model
    assert "Maria Lopez" in seen["speakers"]
    assert seen["tagger_loaded"] == 1
    assert seen["stoplists_loaded"] == 1
