"""The page checkers the suite runs: the Nu HTML checker and axe-core.

Both come from npm (package.json; `make test` installs them into
node_modules/). Without them, or without Java, the checks are skipped with
a message, except when HAMSAYE_CHECKERS=required (CI), where they fail.
"""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

NODE_MODULES = Path(settings.BASE_DIR) / "node_modules"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"


def need(path, what):
    """Skip (or fail, in CI) unless ``path`` exists."""
    missing = not path.exists() or (path == VNU and not shutil.which("java"))
    if not missing:
        return path
    message = f"{what} is not installed ({path}): run `make test`, which installs it with npm"
    if os.environ.get("HAMSAYE_CHECKERS") == "required":
        pytest.fail(message)
    pytest.skip(message)


def nu_errors(pages):
    """{name: [error, …]} from the Nu HTML checker for {name: html}; one Java run."""
    need(VNU, "the Nu HTML checker (vnu-jar)")
    with tempfile.TemporaryDirectory() as folder:
        files, paths = {}, []
        for name, html in pages.items():
            path = Path(folder) / (name.replace("/", "_") + ".html")
            path.write_text(html, encoding="utf-8")
            files[path.name] = name
            paths.append(str(path))
        result = subprocess.run(
            ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *paths],
            capture_output=True,
            text=True,
            timeout=300,
        )
    messages = json.loads(result.stderr)["messages"]
    # A file it could not read is a "non-document-error": a failure of the check.
    assert all(m["type"] == "error" for m in messages), messages
    errors = {name: [] for name in pages}
    for message in messages:
        url = message.get("url", "")
        name = files.get(url.rsplit("/", 1)[-1], url)
        errors.setdefault(name, []).append(
            f"line {message.get('lastLine')}: {message.get('message')} "
            f"[{message.get('extract', '').strip()[:120]}]"
        )
    return {name: found for name, found in errors.items() if found}


def axe_violations(page):
    """axe-core's violations on a Playwright page: [(rule, impact, [target, …]), …]."""
    # Evaluated, not added as an inline <script>: the portal's CSP refuses those.
    page.evaluate(need(AXE, "axe-core").read_text(encoding="utf-8"))
    result = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        (v["id"], v["impact"], [" ".join(map(str, n["target"])) for n in v["nodes"]][:5])
        for v in result
    ]
