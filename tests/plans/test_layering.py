"""Plans sits below rota: it announces a new version and rota follows it."""

from __future__ import annotations

import ast
from pathlib import Path

import carecircle.plans
from carecircle.plans.signals import plan_version_agreed
from carecircle.rota.receivers import follow_agreed_version


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_plans_services_import_nothing_of_the_rota():
    services = Path(carecircle.plans.__file__).parent / "services"
    upward = {
        f"{path.name}: {module}"
        for path in services.glob("*.py")
        for module in _imports(path)
        if module.startswith(("carecircle.rota", "carecircle.visits"))
    }
    assert upward == set()


def test_the_rota_follows_an_agreed_version_through_the_signal():
    assert follow_agreed_version in [entry[1]() for entry in plan_version_agreed.receivers]
