"""When a plan is in force (first and last day of care, a pause), and the checks a version's
visit patterns must pass before visits are made from them."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from carecircle.audit.services import audit_record, audit_snapshot
from carecircle.plans.access import PlanAction, require_plan
from carecircle.plans.models import CarePlan


def _minutes(at) -> int:
    return at.hour * 60 + at.minute


def patterns_check(patterns) -> None:
    """Two visits of one plan on the same day must not overlap: each occupies from its earliest
    start to its latest start plus its length. Refused with the field and what is allowed."""
    patterns = list(patterns)
    for i, a in enumerate(patterns):
        if a.window_end < a.window_start:
            raise ValidationError(
                {
                    "window_end": _(
                        "The latest start of “%(name)s” must not be before its earliest."
                    )
                    % {"name": a.name}
                }
            )
        if not a.weekdays or any(d not in range(7) for d in a.weekdays):
            raise ValidationError(
                {
                    "weekdays": _(
                        "“%(name)s”: weekdays are 0 (Monday) to 6 (Sunday), at least one."
                    )
                    % {"name": a.name}
                }
            )
        for b in patterns[i + 1 :]:
            if not set(a.weekdays) & set(b.weekdays):
                continue
            a_end = _minutes(a.window_end) + a.duration_minutes
            b_end = _minutes(b.window_end) + b.duration_minutes
            if _minutes(a.window_start) < b_end and _minutes(b.window_start) < a_end:
                raise ValidationError(
                    {
                        "window_start": _(
                            "“%(a)s” and “%(b)s” overlap on the same day: a visit may start "
                            "only after the other's latest start plus its length."
                        )
                        % {"a": a.name, "b": b.name}
                    }
                )


def plan_dates_check(*, starts_on, ends_on, paused_from, paused_until) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError(
            {
                "ends_on": _("The last day of care must be on or after the first (%(d)s).")
                % {"d": starts_on.isoformat()}
            }
        )
    if paused_until and not paused_from:
        raise ValidationError({"paused_from": _("Say from which day the plan is paused.")})
    if paused_from and paused_until and paused_until < paused_from:
        raise ValidationError(
            {
                "paused_until": _("The pause must end on or after it begins (%(d)s).")
                % {"d": paused_from.isoformat()}
            }
        )


def plan_dates_set(
    *,
    actor,
    plan: CarePlan,
    starts_on: date | None,
    ends_on: date | None,
    paused_from: date | None = None,
    paused_until: date | None = None,
) -> CarePlan:
    """Set when the plan is in force. The rota's horizon generates visits only on those days;
    visits already made on days now outside them are left for the team to cancel or keep."""
    if actor is not None:
        require_plan(actor, PlanAction.ENDORSE, plan.client)
    plan_dates_check(
        starts_on=starts_on, ends_on=ends_on, paused_from=paused_from, paused_until=paused_until
    )
    with transaction.atomic():
        plan = CarePlan.objects.select_for_update().get(pk=plan.pk)
        before = audit_snapshot(plan)
        plan.starts_on, plan.ends_on = starts_on, ends_on
        plan.paused_from, plan.paused_until = paused_from, paused_until
        plan.save(update_fields=["starts_on", "ends_on", "paused_from", "paused_until"])
        audit_record(
            actor=actor, action="plan_dates_set", obj=plan, client=plan.client, before=before
        )
    return plan
