"""Making a new plan version from an endorsed change.

The rota follows the new version (visits still to come move onto it; those of a changed visit
pattern move, are cancelled or are added at once): plans sits below rota, so it announces the
new version with `plans.signals.plan_version_agreed`, inside the endorsement's transaction, and
rota (carecircle.rota.services.follow) does the rest."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.plans.models import (
    CarePlanVersion,
    ChangeKind,
    PlanChange,
    PlanTask,
    VersionStatus,
    VisitPattern,
)
from carecircle.plans.services.dates import patterns_check
from carecircle.plans.signals import plan_version_agreed


def _counterpart(pattern: VisitPattern | None, patterns: dict[int, VisitPattern], current):
    """The visit in the current plan that a change made against an older version means."""
    if pattern is None:
        return None
    if pattern.id in patterns:
        return patterns[pattern.id]
    for old in current.patterns.all():
        if old.name == pattern.name:
            return patterns[old.id]
    raise ValidationError(
        {"pattern": _("The visit “%(name)s” is no longer in the plan.") % {"name": pattern.name}}
    )


def apply_change(change: PlanChange, *, actor, now: datetime) -> CarePlanVersion:
    """Copy the agreed version into a new one with the change made, supersede the old one and
    tell the rota (which moves the visits still to come onto it, so carers see the new tasks)."""
    plan = change.plan
    current = plan.agreed_version()
    if current is None:
        raise ValidationError({"plan": _("The plan has no agreed version.")})
    number = (plan.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    current.status = VersionStatus.SUPERSEDED
    current.save(update_fields=["status"])
    new = CarePlanVersion.objects.create(
        plan=plan,
        number=number,
        status=VersionStatus.AGREED,
        needs=current.needs,
        goals=current.goals,
        agreed_on=timezone.localdate(now),
        agreed_by=actor,
    )
    patterns: dict[int, VisitPattern] = {}
    for old in current.patterns.prefetch_related("skills"):
        skills = list(old.skills.all())
        copy = VisitPattern.objects.create(
            version=new,
            name=old.name,
            weekdays=old.weekdays,
            window_start=old.window_start,
            window_end=old.window_end,
            duration_minutes=old.duration_minutes,
            carers_needed=old.carers_needed,
        )
        copy.skills.set(skills)
        patterns[old.id] = copy
    target = _counterpart(change.pattern, patterns, current)
    removed = False
    for task in current.tasks.all():
        pattern = patterns.get(task.pattern_id) if task.pattern_id is not None else None
        is_removed = change.kind == ChangeKind.REMOVE_TASK and (
            task.id == change.task_id or (task.title == change.title and pattern == target)
        )
        if is_removed and not removed:
            removed = True
            continue
        PlanTask.objects.create(
            version=new,
            pattern=pattern,
            title=task.title,
            details=task.details,
        )
    if change.kind == ChangeKind.REMOVE_TASK and not removed:
        raise ValidationError(
            {"task": _("The task “%(t)s” is no longer in the plan.") % {"t": change.title}}
        )
    if change.kind == ChangeKind.ADD_TASK:
        PlanTask.objects.create(
            version=new, pattern=target, title=change.title, details=change.details
        )
    elif change.kind == ChangeKind.CHANGE_VISIT:
        if target is None:
            raise ValidationError({"pattern": _("The visit to change is no longer in the plan.")})
        target.weekdays = change.weekdays
        target.window_start, target.window_end = change.window_start, change.window_end
        target.duration_minutes = change.duration_minutes
        if target.window_end < target.window_start:
            raise ValidationError(
                {"window_end": _("The latest start must not be before the earliest.")}
            )
        target.save()
        patterns_check(patterns.values())
    changed = None
    if change.kind == ChangeKind.CHANGE_VISIT:
        changed = next(old_id for old_id, copy in patterns.items() if copy == target)
    plan_version_agreed.send(
        sender=CarePlanVersion,
        old_version=current,
        new_version=new,
        patterns=patterns,
        change=change,
        changed_pattern_id=changed,
        actor=actor,
        now=now,
    )
    return new
