"""The worker's tick: everything that happens because time passes.

Run every TICK_SECONDS by `manage.py run_circle_worker` (started by `make run`). Each step reads
its timers from the database and is safe to run twice or after a restart; each runs on its own,
so one step's trouble is logged and the others still happen."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

log = logging.getLogger(__name__)


def _step(out: dict, name: str, fn: Callable[[], object]) -> None:
    try:
        out[name] = fn()
    except Exception:
        log.exception("tick step %s failed", name)
        out[name] = "failed"


def tick(*, now: datetime | None = None) -> dict:
    from carecircle.alerts.services import alerts_tick, live_prune
    from carecircle.circles import health
    from carecircle.circles.escalations import uncovered_tick
    from carecircle.circles.models import Circle
    from carecircle.notifications.delivery import deliver_due
    from carecircle.plans.services.restrictions import restrictions_overdue_tick

    now = now or timezone.now()
    out: dict = {}
    _step(out, "alerts", lambda: alerts_tick(now=now))
    _step(out, "escalations", lambda: uncovered_tick(now=now))
    _step(out, "restrictions", lambda: restrictions_overdue_tick(now=now))
    scores = {}
    for circle in Circle.objects.all():
        try:
            scores[circle.name] = health.refresh(circle, now=now).score
        except Exception:  # one circle's trouble must not stop the others
            log.exception("health of %s", circle)
    out["health"] = scores
    _step(out, "live_pruned", lambda: live_prune(now=now))
    _step(out, "delivered", lambda: deliver_due(now=now))
    return out


def fast_tick(*, now: datetime | None = None) -> dict:
    """What cannot wait a minute: help-call waves and escalations, and urgent messages (every
    ALERT_TICK_SECONDS)."""
    from carecircle.alerts.services import alerts_tick
    from carecircle.notifications.delivery import deliver_due

    now = now or timezone.now()
    out: dict = {}
    _step(out, "alerts", lambda: alerts_tick(now=now))
    _step(out, "delivered", lambda: deliver_due(now=now))
    return out
