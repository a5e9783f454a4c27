"""Start the processes of deploy/Procfile on this machine, for a quick multi-process run without a
Procfile runner (and for the production-profile test and the load benchmark, which start exactly
what the Procfile says).

    python deploy/procfile.py web=1 worker=2 circle=1     # Ctrl-C stops them all

Each command runs under bash from the repository root with .venv/bin first on PATH, in a process
group of its own, so stopping it stops its children (uvicorn's worker processes) too."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCFILE = ROOT / "deploy" / "Procfile"


def read_procfile(path: Path = PROCFILE) -> dict[str, str]:
    commands: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, command = line.partition(":")
        commands[name.strip()] = command.strip()
    return commands


def process_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
    env["UVICORN"] = str(Path(sys.executable).parent / "uvicorn")
    env.update(extra or {})
    return env


def start(name: str, env: dict[str, str], **popen) -> subprocess.Popen:
    command = read_procfile()[name]
    return subprocess.Popen(
        ["bash", "-c", f"exec {command}"], cwd=ROOT, env=env, start_new_session=True, **popen
    )


def stop(processes: list[subprocess.Popen], *, grace: float = 15) -> None:
    """SIGTERM each process group, then SIGKILL what is left after `grace` seconds."""
    for proc in processes:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in processes:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main(argv: list[str]) -> int:
    counts = {"web": 1, "worker": 1, "circle": 1}
    for arg in argv:
        name, _, number = arg.partition("=")
        counts[name] = int(number or 1)
    env = process_env()
    processes = [start(name, env) for name, n in counts.items() for _ in range(n)]
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stop(processes)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
