"""The weekly cycle, as a circle lives it: the engine drafts next week at the circle's drafting
time, the carers are told what they have and may raise a problem, and the week is published —
by a team leader, or automatically when the team leaders chose that and the draft breaks no
rule. Each team leader sets the times on the cycle page; `week_cycle_tick` runs the steps.

Every step of a circle-week is claimed once by a conditional update of its `CycleWeek` row, so
the tick is safe to run twice, after a restart, or on several workers at once."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carecircle import engine
from carecircle.audit.services import audit_record, audit_snapshot
from carecircle.circles.access import access_circle, led_circles
from carecircle.circles.models import Circle
from carecircle.circles.selectors import team_leaders
from carecircle.notifications.services import notify
from carecircle.people.access import carer_of
from carecircle.people.models import Role
from carecircle.people.permissions import Perm, has_perm, roles_of
from carecircle.rota.access import access_draft
from carecircle.rota.engine_adapter import build_circle_week, circle_carers, minutes_between
from carecircle.rota.models import (
    Assignment,
    AssignmentStatus,
    CircleCycle,
    CycleWeek,
    DraftProblem,
    DraftStatus,
    Publication,
    RotaDraft,
    VisitStatus,
)
from carecircle.rota.rules import describe
from carecircle.rota.selectors import carer_circles
from carecircle.rota.selectors import week_start as monday_of
from carecircle.rota.services.drafts import draft_open, rota_draft_publish_automatically

log = logging.getLogger(__name__)

MAX_ESCALATE_HOURS = 168
MAX_PROBLEM_CHARS = 500
STEPS = ("draft", "ask", "publish")


# --- the settings ---------------------------------------------------------------------------


# What a team leader sets on the cycle page, in the form's order.
CYCLE_FIELDS = (
    "active",
    "draft_weekday",
    "draft_time",
    "ask_weekday",
    "ask_time",
    "publish_weekday",
    "publish_time",
    "publication",
    "escalate_hours",
)


def cycle_of(circle: Circle) -> CircleCycle:
    """The circle's cycle settings; the defaults (not saved) when nobody has set them."""
    cycle = CircleCycle.objects.filter(circle=circle).select_related("circle__organisation")
    return cycle.first() or CircleCycle(circle=circle)


def access_cycle(actor, circle_id) -> Circle:
    """The circle whose cycle `actor` may change: its team leaders (and administrators)."""
    circle = access_circle(actor, circle_id)  # another circle is a 404
    if Role.ADMIN in roles_of(actor) or actor.is_superuser:
        return circle
    if (
        not has_perm(actor, Perm.PUBLISH_ROTA)
        or not led_circles(actor).filter(pk=circle.pk).exists()
    ):
        raise PermissionDenied(_("Only the circle's team leaders set its weekly cycle."))
    return circle


def _order_errors(values: dict) -> dict[str, str]:
    draft = (values["draft_weekday"], values["draft_time"])
    ask = (values["ask_weekday"], values["ask_time"])
    publish = (values["publish_weekday"], values["publish_time"])
    errors = {}
    if ask < draft:
        errors["ask_weekday"] = _("The carers can only be asked once the draft is made.")
    if publish <= ask:
        errors["publish_weekday"] = _(
            "Publish after the carers are asked, so they have time to raise a problem."
        )
    return errors


def circle_cycle_update(*, actor, circle_id, **values) -> CircleCycle:
    """Set a circle's weekly cycle. Refuses moments out of order and hours out of range, naming
    the field; audited."""
    circle = access_cycle(actor, circle_id)
    errors: dict[str, str] = {}
    for name in ("draft_weekday", "ask_weekday", "publish_weekday"):
        if not isinstance(values.get(name), int) or not 0 <= values[name] <= 6:
            errors[name] = _("Choose a day from Monday to Sunday.")
    for name in ("draft_time", "ask_time", "publish_time"):
        if not isinstance(values.get(name), time):
            errors[name] = _("Give a time like 09:30.")
    if values.get("publication") not in Publication.values:
        errors["publication"] = _("Choose who publishes the week.")
    hours = values.get("escalate_hours")
    if hours is not None and not (isinstance(hours, int) and 1 <= hours <= MAX_ESCALATE_HOURS):
        errors["escalate_hours"] = _(
            "Give a whole number of hours from 1 to %(most)d, or leave it empty."
        ) % {"most": MAX_ESCALATE_HOURS}
    if not errors:
        errors = _order_errors(values)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        cycle = CircleCycle.objects.select_for_update().filter(circle=circle).first()
        before = audit_snapshot(cycle) if cycle else None
        cycle = cycle or CircleCycle(circle=circle)
        for name in CYCLE_FIELDS:
            setattr(cycle, name, values[name] if name != "active" else bool(values.get(name)))
        cycle.updated_by = actor
        cycle.save()
        audit_record(actor=actor, action="update_circle_cycle", obj=cycle, before=before)
    return cycle


def escalate_hours_by_circle() -> dict[int, int]:
    """Circles whose team leaders set their own escalation time: circle id → hours."""
    rows = CircleCycle.objects.filter(escalate_hours__isnull=False).values_list(
        "circle_id", "escalate_hours"
    )
    return dict((circle_id, hours) for circle_id, hours in rows if hours is not None)


# --- when -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moments:
    week: date  # the Monday of the week being drafted
    draft: datetime
    ask: datetime
    publish: datetime


def _zone(circle: Circle) -> ZoneInfo:
    return ZoneInfo(circle.organisation.time_zone)


def next_week(circle: Circle, now: datetime) -> date:
    """The Monday of the week the cycle is preparing at `now`: the week after this one."""
    return monday_of(now.astimezone(_zone(circle)).date()) + timedelta(days=7)


def cycle_moments(cycle: CircleCycle, week: date) -> Moments:
    """The local wall-clock moments of the cycle for `week`, in the week before it. zoneinfo
    gives each its own offset, so "Sunday 18:00" is 18:00 on the day the clocks change too."""
    tz = _zone(cycle.circle)
    before = week - timedelta(days=7)

    def at(weekday: int, clock: time) -> datetime:
        return datetime.combine(before + timedelta(days=weekday), clock, tzinfo=tz)

    return Moments(
        week=week,
        draft=at(cycle.draft_weekday, cycle.draft_time),
        ask=at(cycle.ask_weekday, cycle.ask_time),
        publish=at(cycle.publish_weekday, cycle.publish_time),
    )


# --- the steps ------------------------------------------------------------------------------


def _row(circle: Circle, week: date) -> CycleWeek:
    try:
        with transaction.atomic():
            return CycleWeek.objects.get_or_create(circle=circle, week_start=week)[0]
    except IntegrityError:  # another worker made it at the same moment
        return CycleWeek.objects.get(circle=circle, week_start=week)


def _claim(row: CycleWeek, field: str, now: datetime, **also) -> bool:
    """Set `field` to `now` unless someone already did; True for the one who did."""
    won = CycleWeek.objects.filter(pk=row.pk, **{f"{field}__isnull": True}).update(
        **{field: now}, **also
    )
    return won == 1


def current_draft(circle: Circle, week: date, row: CycleWeek | None = None) -> RotaDraft | None:
    """The draft that stands for the week: the published one, else the open one, else the one
    the cycle made (failed or discarded, to say why). One query, with its problems counted."""
    standing = {DraftStatus.PUBLISHED: 0, DraftStatus.READY: 1, DraftStatus.RUNNING: 1}
    standing[DraftStatus.QUEUED] = 1
    drafts = RotaDraft.objects.filter(circle=circle, week_start=week).filter(
        Q(status__in=list(standing)) | Q(pk=row.draft_id if row is not None else None)
    )
    found = sorted(
        drafts.annotate(problem_count=Count("problems")).select_related("circle"),
        key=lambda d: (
            standing.get(DraftStatus(d.status), 2),
            -(d.published_at or d.created_at).timestamp(),
        ),
    )
    return found[0] if found else None


def week_cycle_tick(*, now: datetime | None = None) -> dict[str, int]:
    """Run every due step of every circle that runs the weekly cycle."""
    now = now or timezone.now()
    done: Counter[str] = Counter()
    cycles = CircleCycle.objects.filter(active=True).select_related("circle__organisation")
    for cycle in cycles:
        try:
            done.update(cycle_advance(cycle, now=now))
        except Exception:  # one circle's trouble must not stop the others
            log.exception("weekly cycle of %s", cycle.circle)
    return {step: done[step] for step in ("drafted", "asked", "published", "waiting")}


def cycle_advance(cycle: CircleCycle, *, now: datetime) -> list[str]:
    """Do the steps of next week's cycle whose time has come; what was done, by name."""
    circle = cycle.circle
    when = cycle_moments(cycle, next_week(circle, now))
    if now < when.draft:
        return []
    row = _row(circle, when.week)
    done = []
    if row.drafted_at is None and _step_draft(row, now):
        done.append("drafted")
    row.refresh_from_db()
    draft = current_draft(circle, when.week, row)
    ready = draft is not None and draft.status in (DraftStatus.READY, DraftStatus.PUBLISHED)
    if (
        now >= when.ask
        and row.asked_at is None
        and draft is not None
        and ready
        and _step_ask(row, draft, when, now)
    ):
        done.append("asked")
    if now >= when.publish and row.published_at is None:
        done.append(_step_publish(cycle, row, draft, now))
    return [d for d in done if d]


def _step_draft(row: CycleWeek, now: datetime) -> bool:
    with transaction.atomic():
        if not _claim(row, "drafted_at", now):
            return False
        draft = current_draft(row.circle, row.week_start)
        if draft is None:
            draft = draft_open(circle=row.circle, week_start=row.week_start)
        CycleWeek.objects.filter(pk=row.pk).update(draft=draft)
    return True


def visits_next_week(draft: RotaDraft) -> Counter[int]:
    """How many visits each carer (by user id) has in the draft's week in its circle: the
    draft's places and those already published."""
    end = draft.week_start + timedelta(days=6)
    rows = (
        Assignment.objects.filter(
            visit__circle=draft.circle, visit__date__range=(draft.week_start, end)
        )
        .filter(Q(status=AssignmentStatus.PUBLISHED) | Q(draft=draft))
        .exclude(visit__status__in=[VisitStatus.CANCELLED, VisitStatus.RELEASED])
        .values_list("carer__user_id", "visit_id")
        .distinct()
    )
    return Counter(user_id for user_id, _visit in rows)


def _step_ask(row: CycleWeek, draft: RotaDraft, when: Moments, now: datetime) -> bool:
    carers = circle_carers(draft.circle, draft.week_start)
    counts = visits_next_week(draft)
    with transaction.atomic():
        if not _claim(row, "asked_at", now, asked_carers=len(carers)):
            return False
        deadline = timezone.localtime(when.publish, _zone(draft.circle))
        for carer in carers:
            n = counts.get(carer.user_id, 0)
            subject = ngettext(
                "Next week's rota is ready: you have %(n)d visit",
                "Next week's rota is ready: you have %(n)d visits",
                n,
            ) % {"n": n}
            body = _(
                "%(circle)s, the week of %(week)s. If something is wrong, say so on the draft "
                "before %(deadline)s."
            ) % {
                "circle": draft.circle.name,
                "week": draft.week_start.strftime("%-d %B"),
                "deadline": deadline.strftime("%A %H:%M"),
            }
            url = f"/drafts/{draft.public_id}/"
            transaction.on_commit(
                lambda u=carer.user, s=subject, b=body, link=url: notify(  # type: ignore[misc]
                    user=u, subject=s, body=b, url=link
                )
            )
    return True


def draft_broken_rules(draft: RotaDraft, *, now: datetime) -> list[str]:
    """What the draft would break if it were published now, checked by the engine's checker
    against everything as it is now (absences, availability, visits published since)."""
    week = build_circle_week(
        circle=draft.circle, week_start=draft.week_start, now=now, commitments=True
    )
    fixed = {a.visit for a in week.problem.fixed}
    carers: dict[str, list[str]] = {}
    starts: dict[str, datetime] = {}
    broken = []
    for a in draft.assignments.select_related("visit", "carer"):
        vid = str(a.visit.public_id)
        if vid in fixed or vid not in week.visits:
            broken.append(_("%(visit)s has changed since the draft was made.") % {"visit": a.visit})
            continue
        carers.setdefault(vid, []).append(str(a.carer.public_id))
        starts[vid] = a.visit.start or a.visit.window_start
    planned = [
        engine.Assignment(
            visit=vid, carers=tuple(sorted(ids)), start=minutes_between(week.origin, starts[vid])
        )
        for vid, ids in carers.items()
    ]
    solution = engine.Solution(
        status="check", assignments=tuple(week.problem.fixed) + tuple(planned)
    )
    for error in engine.check(week.problem, solution):
        name = next((c.name for cid, c in week.carers.items() if cid in error), "")
        broken += [f.text for f in describe([error], week, carer_name=name)]
    return broken


def _step_publish(cycle: CircleCycle, row: CycleWeek, draft: RotaDraft | None, now) -> str:
    if draft is not None and draft.status == DraftStatus.PUBLISHED:
        # A team leader published it: the cycle only notes when.
        _claim(row, "published_at", draft.published_at or now)
        return ""
    if row.waiting_since is not None:
        return ""  # the team leaders were told it waits for them: it is theirs to publish
    reasons = _waiting_reasons(cycle, draft, now)
    if not reasons:
        assert draft is not None  # no reasons to wait means a ready draft exists
        with transaction.atomic():
            if not _claim(row, "published_at", now, published_automatically=True):
                return ""
            rota_draft_publish_automatically(draft_id=draft.pk)
        return "published"
    if not _claim(row, "waiting_since", now, waiting_reasons=reasons):
        return ""
    subject = _("%(circle)s: next week's rota is waiting for you to publish it") % {
        "circle": cycle.circle.name
    }
    url = (
        f"/drafts/{draft.public_id}/"
        if draft is not None
        else (f"/circles/{cycle.circle.public_id}/board/?week={row.week_start.isoformat()}")
    )
    for leader in team_leaders(cycle.circle):
        notify(user=leader, subject=subject, body="\n".join(f"• {r}" for r in reasons), url=url)
    return "waiting"


def _waiting_reasons(cycle: CircleCycle, draft: RotaDraft | None, now) -> list[str]:
    """Why the week cannot be published automatically; none when it can."""
    if cycle.publication != Publication.AUTOMATIC:
        return [_("The team leaders publish this circle's week themselves.")]
    if draft is None or draft.status in (DraftStatus.QUEUED, DraftStatus.RUNNING):
        return [_("The engine has not finished the draft.")]
    if draft.status != DraftStatus.READY:
        return [_("The draft is %(status)s.") % {"status": draft.get_status_display().lower()}]
    problems = draft.problems.count()  # counted now: one may have been raised since
    if problems:
        return [
            ngettext(
                "A carer raised %(n)d problem with the draft.",
                "Carers raised %(n)d problems with the draft.",
                problems,
            )
            % {"n": problems}
        ]
    broken = draft_broken_rules(draft, now=now)
    if broken:
        return [_("The draft breaks a rule: %(rule)s") % {"rule": b} for b in broken[:5]]
    return []


# --- problems raised by carers ----------------------------------------------------------------


def draft_problem_raise(*, actor, draft_id, text: str) -> DraftProblem:
    """A carer of the circle says what is wrong with a draft before it is published; the team
    leaders are told and the problem shows on the draft."""
    draft = access_draft(actor, draft_id)
    carer = carer_of(actor)
    if carer is None or not carer_circles(carer).filter(pk=draft.circle_id).exists():
        raise PermissionDenied(_("Only the circle's carers raise a problem with its draft."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Say what is wrong with the draft.")})
    if len(text) > MAX_PROBLEM_CHARS:
        raise ValidationError(
            {"text": _("Keep it to %(most)d characters.") % {"most": MAX_PROBLEM_CHARS}}
        )
    with transaction.atomic():
        draft = RotaDraft.objects.select_for_update().select_related("circle").get(pk=draft.pk)
        if draft.status not in (DraftStatus.QUEUED, DraftStatus.RUNNING, DraftStatus.READY):
            raise ValidationError(
                {
                    "draft": _(
                        "This draft is %(status)s; a problem can be raised only before it is published."
                    )
                    % {"status": draft.get_status_display().lower()}
                }
            )
        problem = DraftProblem.objects.create(draft=draft, raised_by=actor, text=text)
        audit_record(actor=actor, action="raise_draft_problem", obj=problem)
        subject = _(
            "%(who)s raised a problem with the %(circle)s draft for the week of %(week)s"
        ) % {
            "who": actor.get_full_name() or actor.username,
            "circle": draft.circle.name,
            "week": draft.week_start.strftime("%-d %B"),
        }
        leaders = team_leaders(draft.circle)
        url = f"/drafts/{draft.public_id}/"
        transaction.on_commit(
            lambda: [notify(user=u, subject=subject, body=text, url=url) for u in leaders]
        )
    return problem


# --- what the board shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class CycleStatus:
    cycle: CircleCycle
    moments: Moments | None  # None while the circle does not run the cycle
    row: CycleWeek | None
    draft: RotaDraft | None
    escalate_hours: int


def cycle_status(circle: Circle, *, now: datetime) -> CycleStatus:
    """Where next week's cycle stands, for the circle board (a few queries: it is on a busy
    page)."""
    cycle = cycle_of(circle)
    hours = cycle.escalate_hours or settings.ESCALATE_TEAM_LEADERS_HOURS
    if not cycle.active:
        return CycleStatus(cycle=cycle, moments=None, row=None, draft=None, escalate_hours=hours)
    when = cycle_moments(cycle, next_week(cycle.circle, now))
    row = CycleWeek.objects.filter(circle=circle, week_start=when.week).first()
    return CycleStatus(
        cycle=cycle,
        moments=when,
        row=row,
        draft=current_draft(circle, when.week, row),
        escalate_hours=hours,
    )
