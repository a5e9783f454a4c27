"""Every page must have a row in some permission matrix (tests/**/test_*matrix.py)."""

from __future__ import annotations

import importlib
from pathlib import Path

from django.urls import get_resolver

# Pages anyone may open, or that only redirect after an action.
EXEMPT = {"login", "logout", "password_change_done", "no_home", "health"}


def covered_names() -> set[str]:
    names: set[str] = set()
    root = Path(__file__).parent
    for path in root.rglob("test_*matrix.py"):
        if path.name == Path(__file__).name:
            continue
        module = ".".join(("tests", *path.relative_to(root).with_suffix("").parts))
        names |= set(getattr(importlib.import_module(module), "URL_NAMES", set()))
    return names


def test_every_page_is_in_a_matrix():
    names = {n for n in get_resolver().reverse_dict if isinstance(n, str)}
    missing = names - covered_names() - EXEMPT
    assert not missing, f"add these pages to a permission matrix: {sorted(missing)}"
