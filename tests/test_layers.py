"""One core, two faces: the core (domain, store, speed layer, workspace, import, git) knows no
command line, screen or terminal library, and each inner layer knows nothing of the outer
ones. Checked on the source (every import statement) and on a real process."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "tracker"
FACES = ("tracker.cli", "tracker.tui", "tracker.reports", "argparse", "rich", "textual")
CORE = ("domain", "store", "speed", "workspace", "ingest", "git", "net", "inbox")
# What each layer may import from tracker (besides itself).
ALLOWED = {
    "domain": {"tracker.domain", "tracker.errors"},
    "store": {"tracker.domain", "tracker.store", "tracker.errors"},
    "speed": {"tracker.domain", "tracker.store", "tracker.speed", "tracker.errors", "tracker"},
}


def imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "tracker":
                found += [(node.lineno, f"tracker.{alias.name}") for alias in node.names]
    return found


def test_the_core_never_imports_a_face():
    offences = []
    for layer in CORE:
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            for line, name in imports(path):
                if any(name == face or name.startswith(face + ".") for face in FACES):
                    offences.append(f"{path.relative_to(REPO)}:{line}: imports {name}")
    assert offences == []


def test_inner_layers_know_nothing_of_outer_ones():
    offences = []
    for layer, allowed in ALLOWED.items():
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            for line, name in imports(path):
                if not name.startswith("tracker"):
                    continue
                if name in ("tracker", "tracker.__version__") or any(
                    name == ok or name.startswith(ok + ".") for ok in allowed if ok != "tracker"
                ):
                    continue
                offences.append(f"{path.relative_to(REPO)}:{line}: imports {name}")
    assert offences == []


def test_a_load_and_a_score_import_no_face():
    code = (
        "import sys; from pathlib import Path; from tracker.workspace import open_workspace; "
        "ws = open_workspace(Path(sys.argv[1])); ws.scores(detail=None); "
        "ws.explain('balance-west-east'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('rich', 'textual', 'argparse') or m.startswith(('tracker.cli', 'tracker.tui', "
        "'tracker.reports'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(REPO)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
