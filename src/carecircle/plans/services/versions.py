"""Making a new plan version from an endorsed change, and moving the rota to follow it.

When the change alters a visit pattern (days, times, length), the visits already on the rota that
have not started are brought into line at once — carers see the change on their next visit, not
only on visits generated later: a visit on a day no longer in the pattern is cancelled; a visit on
a day still in it moves to the new times, keeping each carer whose rota still works at the new
time (the rota engine's checker: availability, overlaps with travel, rest, hours, skills) and
freeing the place of one whose rota does not, so it shows as open; a new day gets an open visit
for the dates already generated. Carers whose visits moved, were cancelled or were freed are told
once the change has committed."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carecircle.plans.models import (
    CarePlanVersion,
    ChangeKind,
    PlanChange,
    PlanTask,
    VersionStatus,
    VisitPattern,
)


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
    move the visits still to come onto the new version, so carers see the new tasks."""
    from carecircle.rota.models import Visit, VisitStatus

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
        is_removed = change.kind == ChangeKind.REMOVE_TASK and (
            task.id == change.task_id
            or (task.title == change.title and patterns.get(task.pattern_id) == target)
        )
        if is_removed and not removed:
            removed = True
            continue
        PlanTask.objects.create(
            version=new,
            pattern=patterns.get(task.pattern_id),
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
    if change.kind == ChangeKind.CHANGE_VISIT:
        old_id = next(old_id for old_id, copy in patterns.items() if copy == target)
        new.rota_follow = visits_follow_pattern(
            change=change, old_pattern_id=old_id, pattern=target, version=new, actor=actor, now=now
        )
    # Visits not yet begun follow the new version; a visit already under way (or checked in to
    # early) keeps the tasks its carer may be recording against, and visits made keep their
    # history.
    for old_id, copy in patterns.items():
        Visit.objects.filter(
            pattern_id=old_id, window_start__gt=now, status=VisitStatus.PLANNED
        ).exclude(records__checked_in_at__isnull=False).update(pattern=copy, plan_version=new)
    return new


# ------------------------------------------------------------------ the rota follows the pattern


@dataclass
class RotaFollow:
    """What an endorsed change of visit pattern did to the visits already on the rota."""

    moved: list = field(default_factory=list)  # visits whose times changed
    cancelled: list = field(default_factory=list)  # visits on days no longer in the pattern
    created: list = field(default_factory=list)  # open visits on new days
    freed: list = field(default_factory=list)  # (visit, carer, why) places now open
    messages: dict = field(default_factory=lambda: defaultdict(list))  # user -> lines

    def summary(self) -> str:
        parts = [
            ngettext("%(n)s visit moved", "%(n)s visits moved", len(self.moved)),
            ngettext("%(n)s cancelled", "%(n)s cancelled", len(self.cancelled)),
            ngettext("%(n)s new open visit", "%(n)s new open visits", len(self.created)),
            ngettext(
                "%(n)s place freed (open on the rota)",
                "%(n)s places freed (open on the rota)",
                len(self.freed),
            ),
        ]
        counts = [len(self.moved), len(self.cancelled), len(self.created), len(self.freed)]
        return "; ".join(p % {"n": n} for p, n in zip(parts, counts, strict=True))


def _day(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%a %-d %b")


def _clock(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def visits_follow_pattern(
    *, change: PlanChange, old_pattern_id: int, pattern: VisitPattern, version, actor, now
) -> RotaFollow:
    """Bring the visits of `old_pattern_id` that have not started into line with `pattern` (the
    changed copy in the new version). Runs inside the endorsement's transaction."""
    from carecircle.rota.models import Visit, VisitStatus
    from carecircle.safeguarding.services import audit_record

    client = version.plan.client
    tz = ZoneInfo(client.organisation.time_zone)
    outcome = RotaFollow()
    visits = list(
        Visit.objects.filter(
            pattern_id=old_pattern_id, window_start__gt=now, status=VisitStatus.PLANNED
        )
        .exclude(records__checked_in_at__isnull=False)
        .select_related("client", "circle__organisation")
        .prefetch_related("assignments__carer__user")
        .order_by("window_start")
    )
    timed = []
    for visit in visits:
        if visit.date.weekday() not in pattern.weekdays:
            _cancel(visit, outcome)
        elif _move(visit, pattern=pattern, version=version, tz=tz):
            timed.append(visit)
    _check_carers(timed, now=now, outcome=outcome)
    _open_new_days(old_pattern_id, pattern=pattern, version=version, tz=tz, now=now, out=outcome)
    if visits or outcome.created:
        audit_record(
            actor=actor,
            action="plan_visits_follow",
            obj=version.plan,
            client=client,
            detail={
                "change": str(change.public_id),
                "moved": [str(v.public_id) for v in outcome.moved],
                "cancelled": [str(v.public_id) for v in outcome.cancelled],
                "created": [str(v.public_id) for v in outcome.created],
                "freed": [[str(v.public_id), str(c.public_id)] for v, c, _w in outcome.freed],
            },
        )
    _tell_carers(outcome, client=client, actor=actor)
    return outcome


def _published_carers(visit) -> list:
    from carecircle.rota.models import AssignmentStatus

    return [a.carer for a in visit.assignments.all() if a.status == AssignmentStatus.PUBLISHED]


def _withdraw_offers(visit) -> None:
    """Swap and cover offers were made for the visit as it was; nobody should take it unseen."""
    from carecircle.rota.models import CoverOffer, OfferStatus, SwapOffer

    waiting = [OfferStatus.OPEN, OfferStatus.NEEDS_APPROVAL]
    SwapOffer.objects.filter(visit=visit, status__in=waiting).update(status=OfferStatus.WITHDRAWN)
    CoverOffer.objects.filter(visit=visit, status__in=waiting).update(status=OfferStatus.WITHDRAWN)


def _cancel(visit, outcome: RotaFollow) -> None:
    from carecircle.rota.models import VisitStatus

    visit.status = VisitStatus.CANCELLED
    visit.save(update_fields=["status"])
    _withdraw_offers(visit)
    outcome.cancelled.append(visit)
    for carer in _published_carers(visit):
        outcome.messages[carer.user].append(
            _("%(visit)s on %(day)s is no longer needed: the plan no longer has it that day.")
            % {"visit": visit.name, "day": _day(visit.planned_start)}
        )


def _move(visit, *, pattern: VisitPattern, version, tz: ZoneInfo) -> bool:
    """Re-point the visit at the new pattern with its times; True when its times changed. The
    planned start keeps as close to the old one as the new window allows."""
    from carecircle.plans.services.generate import local_datetime
    from carecircle.rota.models import AssignmentStatus

    before = (visit.planned_start, visit.duration_minutes)
    visit.window_start = local_datetime(visit.date, pattern.window_start, tz)
    visit.window_end = local_datetime(visit.date, pattern.window_end, tz)
    if visit.start is not None:
        visit.start = min(max(visit.start, visit.window_start), visit.window_end)
    visit.duration_minutes = pattern.duration_minutes
    visit.pattern, visit.plan_version, visit.name = pattern, version, pattern.name
    visit.save()
    visit.old_start = before[0]
    if (visit.planned_start, visit.duration_minutes) == before:
        return False
    # A draft was planned for the old time; the next solve plans the new one.
    visit.assignments.filter(status=AssignmentStatus.DRAFT).delete()
    _withdraw_offers(visit)
    return True


def _check_carers(visits: list, *, now: datetime, outcome: RotaFollow) -> None:
    """Keep each published carer of each moved visit whose rota still holds at the new time;
    free the place of the others. One circle-week is built per week."""
    from carecircle.rota.selectors import week_start

    weeks: dict = defaultdict(list)
    for visit in visits:
        weeks[(visit.circle_id, week_start(visit.date))].append(visit)
    for group in weeks.values():
        _check_week(group, now=now, outcome=outcome)
    for visit in visits:
        outcome.moved.append(visit)
        freed = {c.pk for v, c, _w in outcome.freed if v == visit}
        for carer in _published_carers(visit):
            if carer.pk not in freed:
                outcome.messages[carer.user].append(
                    _("%(visit)s on %(day)s now starts at %(at)s (was %(was)s), %(n)s minutes.")
                    % {
                        "visit": visit.name,
                        "day": _day(visit.planned_start),
                        "at": _clock(visit.planned_start),
                        "was": _clock(visit.old_start),
                        "n": visit.duration_minutes,
                    }
                )


def _check_week(group: list, *, now: datetime, outcome: RotaFollow) -> None:
    from carecircle.people.models import Carer
    from carecircle.rota.engine_adapter import build_circle_week
    from carecircle.rota.rules import describe
    from carecircle.rota.selectors import week_start

    week = build_circle_week(
        circle=group[0].circle,
        week_start=week_start(group[0].date),
        now=now,
        open_visits=frozenset(str(v.public_id) for v in group),
    )
    current = {a.visit: a for a in week.current}
    for cid in sorted({c for a in current.values() for c in a.carers}):
        # The carer's rota without any of the moved visits, then each put back in turn: at its
        # old start (what they had agreed to) and at its new one. What only the new start
        # breaks is what the change broke.
        held = {
            vid: dataclasses.replace(a, carers=tuple(c for c in a.carers if c != cid))
            for vid, a in current.items()
        }
        for visit in sorted(group, key=lambda v: v.window_start):
            vid = str(visit.public_id)
            if vid not in current or cid not in current[vid].carers:
                continue
            joined = dataclasses.replace(held[vid], carers=(*held[vid].carers, cid))
            broken = _carer_errors(week, held, joined, cid, visit.planned_start) - _carer_errors(
                week, held, joined, cid, visit.old_start
            )
            if broken:
                carer = week.carers.get(cid) or Carer.objects.get(public_id=cid)
                why = describe(sorted(broken), week, carer_name=carer.name)
                _free(visit, carer, why[0].text if why else sorted(broken)[0], outcome)
            else:
                held[vid] = joined


def _carer_errors(week, held: dict, joined, cid: str, start: datetime) -> set[str]:
    """The checker's findings about carer `cid` with `joined` (a visit they are on) at `start`."""
    from carecircle import engine
    from carecircle.rota.engine_adapter import minutes_between

    trial = {
        **held,
        joined.visit: dataclasses.replace(joined, start=minutes_between(week.origin, start)),
    }
    solution = engine.Solution(status="check", assignments=(*week.problem.fixed, *trial.values()))
    return {e for e in engine.check(week.problem, solution) if cid in e}


def _free(visit, carer, why: str, outcome: RotaFollow) -> None:
    visit.assignments.filter(carer=carer).delete()
    outcome.freed.append((visit, carer, why))
    outcome.messages[carer.user].append(
        _(
            "%(visit)s on %(day)s now starts at %(at)s and your rota does not allow it (%(why)s), "
            "so your place is open on the rota for someone else."
        )
        % {
            "visit": visit.name,
            "day": _day(visit.planned_start),
            "at": _clock(visit.planned_start),
            "why": why.rstrip("."),
        }
    )


def _open_new_days(old_pattern_id, *, pattern, version, tz, now, out: RotaFollow) -> None:
    """Days the pattern gained, up to the last day already generated for the client, get an open
    visit."""
    from carecircle.plans.services.generate import local_datetime, visit_from_pattern
    from carecircle.rota.models import Visit

    client = version.plan.client
    # Visits are generated for every pattern of a plan at once, so the client's last generated
    # day is how far ahead the rota already reaches (a day the pattern had dropped has none).
    last = Visit.objects.filter(client=client, pattern__isnull=False).aggregate(last=Max("date"))[
        "last"
    ]
    if last is None:
        return
    taken = set(
        Visit.objects.filter(
            pattern_id__in=[old_pattern_id, pattern.pk], date__gte=timezone.localdate(now)
        ).values_list("date", flat=True)
    )
    skills = list(pattern.skills.all())
    day: date = timezone.localdate(now)
    while day <= last:
        begins = local_datetime(day, pattern.window_start, tz)
        if day.weekday() in pattern.weekdays and day not in taken and begins > now:
            visit = visit_from_pattern(
                client=client, pattern=pattern, version=version, day=day, tz=tz, skills=skills
            )
            out.created.append(visit)
        day += timedelta(days=1)


def _tell_carers(outcome: RotaFollow, *, client, actor) -> None:
    from django.urls import reverse

    from carecircle.alerts.notifications import notify

    messages = {u: lines for u, lines in outcome.messages.items() if u.pk != actor.pk}
    if not messages:
        return
    subject = _("Your visits to %(client)s have changed") % {"client": client.display_name}
    url = reverse("my_day")

    def send():
        for user, lines in messages.items():
            notify(user=user, subject=subject, body="\n".join(lines), url=url)

    transaction.on_commit(send)
