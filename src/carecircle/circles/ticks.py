"""The worker's tick: everything that happens because time passes.

Run every TICK_SECONDS by `manage.py run_circle_worker` (started by `make run`). Each step reads
its timers from the database and is safe to run twice or after a restart."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

log = logging.getLogger(__name__)


def tick(*, now: datetime | None = None) -> dict:
    from carecircle.alerts.notifications import deliver_due
    from carecircle.circles import health
    from carecircle.circles.escalations import uncovered_tick
    from carecircle.circles.models import Circle
    from carecircle.plans.services.restrictions import restrictions_overdue_tick

    now = now or timezone.now()
    out = {"escalations": uncovered_tick(now=now), **fast_tick(now=now, deliver=False)}
    try:
        out["restrictions"] = restrictions_overdue_tick(now=now)
    except Exception:  # the register's trouble must not stop cover escalations and health
        log.exception("restrictive practices review check")
    scores = {}
    for circle in Circle.objects.all():
        try:
            scores[circle.name] = health.refresh(circle, now=now).score
        except Exception:  # one circle's trouble must not stop the others
            log.exception("health of %s", circle)
    out["health"] = scores
    from carecircle.alerts.services import live_prune

    out["live_pruned"] = live_prune(now=now)
    out["delivered"] = deliver_due(now=now)
    return out


def fast_tick(*, now: datetime | None = None, deliver: bool = True) -> dict:
    """What cannot wait a minute: help-call waves and escalations (every ALERT_TICK_SECONDS)."""
    from carecircle.alerts.notifications import deliver_due
    from carecircle.alerts.services import alerts_tick

    now = now or timezone.now()
    out = {"alerts": alerts_tick(now=now)}
    if deliver:
        out["delivered"] = deliver_due(now=now)
    return out
