"""What the benchmarks share: where the data is, loading the shared scripts, printing JSON lines."""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "benchmarks"
sys.path.insert(0, str(REPO / "src"))


def load_script(path: Path, name: str):
    """Import one of the shared benchmark scripts (generate.py, check.py) as a module."""
    if not path.exists():
        sys.exit(f"{path} is missing: the benchmark data lives in ../shared/benchmarks/")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def circle_week_tools(data_dir: Path | None = None):
    folder = data_dir or SHARED / "circle_week"
    return load_script(folder / "generate.py", "cw_generate"), load_script(
        folder / "check.py", "cw_check"
    )


def parse_seeds(text: str) -> list[int]:
    """'1-20' or '1,4,7' or '3'."""
    seeds: list[int] = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            seeds += range(int(a), int(b) + 1)
        else:
            seeds.append(int(part))
    return seeds


def emit(row: dict) -> None:
    print(json.dumps(row), flush=True)


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def setup_django(prefix: str = "bench") -> None:
    """Django on DATABASE_URL (default: a fresh SQLite file in a temporary folder), migrated."""
    if not os.environ.get("DATABASE_URL"):
        folder = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
        os.environ.setdefault("DATA_DIR", str(folder))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("CARECIRCLE_DEMO", "true")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
