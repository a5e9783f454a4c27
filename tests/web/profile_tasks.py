"""A task for the production-profile test: the task workers run it in their own processes (they
import it from the repository root, where manage.py puts them)."""

from __future__ import annotations

import os
import time

from django_tasks import task


@task()
def which_process(pause: float) -> int:
    time.sleep(pause)
    return os.getpid()
