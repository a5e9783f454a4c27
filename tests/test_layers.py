"""The layers rule (README, "Layers"): no upward imports between apps, checked by import-linter's
contract in pyproject.toml (`make lint` runs it), and no imports of project code hidden inside
functions unless a comment says why.

Convention: an import of project code inside a function carries a comment starting `# why:` in
the comment block just above it (it may run over several lines) or at the end of its own line. At
most MAX_IN_FUNCTION such imports."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import carecircle

PACKAGE = Path(carecircle.__file__).parent
PROJECT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
MAX_IN_FUNCTION = 5


def _project_module(node: ast.Import | ast.ImportFrom) -> str | None:
    if isinstance(node, ast.ImportFrom):
        if node.level:
            return "." * node.level + (node.module or "")
        names = [node.module or ""]
    else:
        names = [a.name for a in node.names]
    return next((n for n in names if n == "carecircle" or n.startswith("carecircle.")), None)


def _comment_above_says_why(lines: list[str], index: int) -> bool:
    """The comment block just above lines[index] (contiguous comment lines) opens with "# why:"."""
    while index > 0 and lines[index - 1].strip().startswith("#"):
        index -= 1
        if lines[index].strip().startswith("# why:"):
            return True
    return False


def in_function_imports(root: Path) -> list[tuple[str, int, str, bool]]:
    """(file, line, module, explained) for each import of project code inside a function."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        source = path.read_text()
        lines = source.splitlines()
        functions = [
            node
            for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        ]
        seen = set()
        for function in functions:
            for node in ast.walk(function):
                if not isinstance(node, (ast.Import, ast.ImportFrom)) or node.lineno in seen:
                    continue
                module = _project_module(node)
                if module is None:
                    continue
                seen.add(node.lineno)
                explained = "# why:" in lines[node.lineno - 1] or _comment_above_says_why(
                    lines, node.lineno - 1
                )
                found.append((str(path.relative_to(root.parent)), node.lineno, module, explained))
    return found


def test_in_function_imports_of_project_code_are_few_and_explained():
    found = in_function_imports(PACKAGE)
    unexplained = [f"{f}:{line} {module}" for f, line, module, ok in found if not ok]
    assert unexplained == [], "an in-function import needs a '# why:' comment above it"
    assert len(found) <= MAX_IN_FUNCTION, [f"{f}:{line} {m}" for f, line, m, _ in found]


def test_the_scan_sees_an_unexplained_in_function_import(tmp_path):
    package = tmp_path / "carecircle"
    package.mkdir()
    (package / "thing.py").write_text(
        "def f():\n"
        "    from carecircle.rota.models import Visit\n"
        "\n"
        "    # why: a reason\n"
        "    # that runs over two lines\n"
        "    from carecircle.people import models\n"
        "    import json\n"
        "    return Visit, models, json\n"
    )
    assert in_function_imports(package) == [
        ("carecircle/thing.py", 2, "carecircle.rota.models", False),
        ("carecircle/thing.py", 6, "carecircle.people", True),
    ]


def _lint_imports(source_root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(source_root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(PROJECT / "pyproject.toml")],
        cwd=source_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_layers_contract_fails_on_an_upward_import(tmp_path):
    shutil.copytree(PACKAGE, tmp_path / "carecircle", ignore=shutil.ignore_patterns("__pycache__"))
    kept = _lint_imports(tmp_path)
    assert kept.returncode == 0, kept.stdout + kept.stderr

    (tmp_path / "carecircle" / "audit" / "upward.py").write_text(
        "from carecircle.rota.models import Visit  # a ground app reaching up into the domain\n"
    )
    broken = _lint_imports(tmp_path)
    assert broken.returncode != 0
    assert "BROKEN" in broken.stdout
    assert "carecircle.audit.upward -> carecircle.rota.models" in broken.stdout
