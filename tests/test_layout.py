"""The architecture holds: the core (newsmon/) never loads the Scrapy shell.

Every module under newsmon/ is imported in a fresh interpreter; none of
scrapy, twisted, scrapy_redis, crawler or pipelines may then be loaded,
directly or through another module. crawler/ and pipelines/ adapt the core;
it never reaches up into them.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys

from tests.conftest import ROOT

FORBIDDEN = ("scrapy", "twisted", "scrapy_redis", "crawler", "pipelines")


def core_modules() -> list[str]:
    names = []
    for path in sorted((ROOT / "newsmon").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_core_module_imports_without_the_scrapy_shell():
    modules = core_modules()
    assert "newsmon.store.ingest" in modules and "newsmon.cli" in modules
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r}))))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [], f"newsmon/ loads the Scrapy shell: {proc.stdout}"


def test_no_core_module_imports_the_scrapy_shell_even_lazily():
    """An import inside a function escapes the test above until the function runs."""
    found = []
    for path in sorted((ROOT / "newsmon").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            found += [f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert found == [], f"newsmon/ imports the Scrapy shell: {found}"


def test_public_api_is_importable_from_the_package():
    proc = subprocess.run([sys.executable, "-c", (
        "from newsmon import extract_article, extract_claims\n"
        "a = extract_article('<html><head><title>T</title></head><body><article><p>' + 'Word ' * 200"
        " + '</p><p>“We will win,” the mayor said.</p></article></body></html>', 'http://x.example/2026/01/02/t.html')\n"
        "print(a['word_count'] > 100, len(extract_claims('“We will win,” Mayor Ann Lee said.')))")],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "1"]
