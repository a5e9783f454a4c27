"""The rota follows a changed plan: when a new version of a care plan is agreed, the visits still
to come move onto it, and those of a changed visit pattern are brought into line at once.

Carers see the change on their next visit, not only on visits generated later: a visit on a day no
longer in the pattern is cancelled; a visit on a day still in it moves to the new times, keeping
each carer whose rota still works at the new time (the rota engine's checker: availability,
overlaps with travel, rest, hours, skills) and freeing the place of one whose rota does not, so it
shows as open; a new day gets an open visit for the dates already generated. Carers whose visits
moved, were cancelled or were freed are told once the change has committed.

A visit whose window has opened but which nobody has checked in to is cancelled when its day goes
(otherwise left alone: someone may be on the way); a visit whose new time has already passed is
left as it was for today, and its carers and the circle's team leaders are told. The visits are
locked while this runs, so a check-in, claim or release at the same moment is not overwritten.

Plans sits below rota, so it does not call this: it sends `plan_version_agreed` inside the
endorsement's transaction and rota's AppConfig connects `visits_follow_version` to it."""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Max, prefetch_related_objects
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carecircle import engine
from carecircle.audit.services import audit_record
from carecircle.circles.selectors import team_leaders
from carecircle.core.timefmt import local_day
from carecircle.people.models import Carer
from carecircle.plans.models import CarePlanVersion, PlanChange, VisitPattern
from carecircle.rota.engine_adapter import build_circle_week, minutes_between
from carecircle.rota.models import (
    AssignmentStatus,
    CoverOffer,
    OfferStatus,
    SwapOffer,
    Visit,
    VisitStatus,
)
from carecircle.rota.rules import describe
from carecircle.rota.selectors import week_start
from carecircle.rota.services.common import notify_after_commit
from carecircle.rota.services.generate import local_datetime, visit_from_pattern


def visits_follow_version(
    *,
    old_version: CarePlanVersion,
    new_version: CarePlanVersion,
    patterns: dict[int, VisitPattern],
    change: PlanChange | None,
    changed_pattern_id: int | None,
    actor,
    now: datetime,
) -> RotaFollow | None:
    """Move the rota onto a newly agreed version. `patterns` maps each pattern of the old version
    to its copy in the new one; `changed_pattern_id` (an old pattern) is the one whose days or
    times the change altered, if any. Runs inside the endorsement's transaction. What the rota
    did to the changed pattern's visits is kept on `new_version.rota_follow`."""
    outcome = None
    if changed_pattern_id is not None:
        assert change is not None  # only a change alters a pattern's days or times
        outcome = visits_follow_pattern(
            change=change,
            old_pattern_id=changed_pattern_id,
            pattern=patterns[changed_pattern_id],
            version=new_version,
            actor=actor,
            now=now,
        )
        # Not a field: kept on this instance for whoever agreed the version to read.
        new_version.rota_follow = outcome  # type: ignore[attr-defined]
    # Visits not yet begun follow the new version; a visit already under way (or checked in to
    # early) keeps the tasks its carer may be recording against, and visits made keep their
    # history.
    for old_id, copy in patterns.items():
        Visit.objects.filter(
            pattern_id=old_id, window_start__gt=now, status=VisitStatus.PLANNED
        ).exclude(records__checked_in_at__isnull=False).update(
            pattern=copy, plan_version=new_version
        )
    return outcome


@dataclass
class RotaFollow:
    """What an endorsed change of visit pattern did to the visits already on the rota."""

    moved: list = field(default_factory=list)  # visits whose times changed
    cancelled: list = field(default_factory=list)  # visits on days no longer in the pattern
    created: list = field(default_factory=list)  # open visits on new days
    freed: list = field(default_factory=list)  # (visit, carer, why) places now open
    left: list = field(default_factory=list)  # visits whose new time has passed: kept as they were
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
        if self.left:
            parts.append(
                ngettext(
                    "%(n)s visit left as it was today (its new time has passed)",
                    "%(n)s visits left as they were today (their new time has passed)",
                    len(self.left),
                )
            )
            counts.append(len(self.left))
        return "; ".join(p % {"n": n} for p, n in zip(parts, counts, strict=True))


def _day(moment: datetime, tz: ZoneInfo) -> str:
    return local_day(moment, tz)


def _clock(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


def visits_follow_pattern(
    *, change: PlanChange, old_pattern_id: int, pattern: VisitPattern, version, actor, now
) -> RotaFollow:
    """Bring the visits of `old_pattern_id` that have not started into line with `pattern` (the
    changed copy in the new version). Runs inside the endorsement's transaction."""
    client = version.plan.client
    tz = ZoneInfo(client.organisation.time_zone)
    outcome = RotaFollow()
    visits = _lock_visits(old_pattern_id, now=now)
    timed = []
    for visit in visits:
        if visit.date.weekday() not in pattern.weekdays:
            _cancel(visit, outcome, tz=tz)
        elif visit.window_start <= now:
            continue  # its window has opened: someone may be on the way, so it stays as it is
        elif _move(visit, pattern=pattern, version=version, tz=tz, now=now, outcome=outcome):
            timed.append(visit)
    _check_carers(timed, now=now, tz=tz, outcome=outcome)
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
                "left": [str(v.public_id) for v in outcome.left],
            },
        )
    _tell_leaders(outcome, pattern=pattern, tz=tz)
    _tell_carers(outcome, client=client, actor=actor)
    return outcome


def _lock_visits(old_pattern_id: int, *, now: datetime) -> list:
    """The pattern's visits still planned whose latest start has not passed and that nobody has
    checked in to, locked (only the visit rows) so a check-in, claim or release waits for the
    change instead of being overwritten by it. Whether a visit has begun is looked at again once
    the lock is held: a check-in that committed while we waited counts."""
    rows = list(
        Visit.objects.select_for_update(of=("self",))
        .filter(pattern_id=old_pattern_id, window_end__gt=now, status=VisitStatus.PLANNED)
        .select_related("client", "circle__organisation")
        .order_by("window_start", "pk")
    )
    records = defaultdict(list)
    # Through the reverse relation: visit records live in the app above this one.
    for visit_id, checked_in in Visit.objects.filter(
        pk__in=[v.pk for v in rows], records__isnull=False
    ).values_list("pk", "records__checked_in_at"):
        records[visit_id].append(checked_in)
    visits = [
        v
        for v in rows
        if v.status == VisitStatus.PLANNED
        and not any(at is not None for at in records[v.pk])
        # A visit whose window has opened is left to anyone who has begun recording it.
        and (v.window_start > now or not records[v.pk])
    ]
    prefetch_related_objects(visits, "assignments__carer__user")
    return visits


def _published_carers(visit) -> list:
    return [a.carer for a in visit.assignments.all() if a.status == AssignmentStatus.PUBLISHED]


def _withdraw_offers(visit) -> None:
    """Swap and cover offers were made for the visit as it was; nobody should take it unseen."""
    waiting = [OfferStatus.OPEN, OfferStatus.NEEDS_APPROVAL]
    SwapOffer.objects.filter(visit=visit, status__in=waiting).update(status=OfferStatus.WITHDRAWN)
    CoverOffer.objects.filter(visit=visit, status__in=waiting).update(status=OfferStatus.WITHDRAWN)


def _cancel(visit, outcome: RotaFollow, *, tz: ZoneInfo) -> None:
    visit.status = VisitStatus.CANCELLED
    visit.save(update_fields=["status"])
    _withdraw_offers(visit)
    outcome.cancelled.append(visit)
    for carer in _published_carers(visit):
        outcome.messages[carer.user].append(
            _("%(visit)s on %(day)s is no longer needed: the plan no longer has it that day.")
            % {"visit": visit.name, "day": _day(visit.planned_start, tz)}
        )


MOVED_FIELDS = ["window_start", "window_end", "start", "duration_minutes", "pattern"]
MOVED_FIELDS += ["plan_version", "name"]


def _move(
    visit, *, pattern: VisitPattern, version, tz: ZoneInfo, now: datetime, outcome: RotaFollow
) -> bool:
    """Re-point the visit at the new pattern with its times; True when its times changed. The
    planned start keeps as close to the old one as the new window allows. A visit whose new
    window would already have opened is left as it was (a visit is never moved into the past)."""
    before = (visit.planned_start, visit.duration_minutes)
    window_start = local_datetime(visit.date, pattern.window_start, tz)
    window_end = local_datetime(visit.date, pattern.window_end, tz)
    if window_start <= now:
        _leave(visit, new_start=window_start, tz=tz, outcome=outcome)
        return False
    visit.window_start, visit.window_end = window_start, window_end
    if visit.start is not None:
        visit.start = min(max(visit.start, visit.window_start), visit.window_end)
    visit.duration_minutes = pattern.duration_minutes
    visit.pattern, visit.plan_version, visit.name = pattern, version, pattern.name
    visit.save(update_fields=MOVED_FIELDS)
    visit.old_start, visit.old_duration = before
    if (visit.planned_start, visit.duration_minutes) == before:
        return False
    # A draft was planned for the old time; the next solve plans the new one.
    visit.assignments.filter(status=AssignmentStatus.DRAFT).delete()
    _withdraw_offers(visit)
    return True


def _leave(visit, *, new_start: datetime, tz: ZoneInfo, outcome: RotaFollow) -> None:
    outcome.left.append(visit)
    for carer in _published_carers(visit):
        outcome.messages[carer.user].append(_left_line(visit, new_start, tz))
    visit.new_start = new_start


def _left_line(visit, new_start: datetime, tz: ZoneInfo) -> str:
    return _(
        "%(visit)s on %(day)s stays at %(at)s today: its new time (%(new)s) has already "
        "passed. The change applies from the next one."
    ) % {
        "visit": visit.name,
        "day": _day(visit.planned_start, tz),
        "at": _clock(visit.planned_start, tz),
        "new": _clock(new_start, tz),
    }


def _check_carers(visits: list, *, now: datetime, tz: ZoneInfo, outcome: RotaFollow) -> None:
    """Keep each published carer of each moved visit whose rota still holds at the new time;
    free the place of the others. One circle-week is built per week."""
    weeks: dict = defaultdict(list)
    for visit in visits:
        weeks[(visit.circle_id, week_start(visit.date))].append(visit)
    for group in weeks.values():
        _check_week(group, now=now, tz=tz, outcome=outcome)
    for visit in visits:
        outcome.moved.append(visit)
        freed = {c.pk for v, c, _w in outcome.freed if v == visit}
        for carer in _published_carers(visit):
            if carer.pk not in freed:
                outcome.messages[carer.user].append(
                    _("%(visit)s on %(day)s now starts at %(at)s (was %(was)s), %(n)s minutes.")
                    % {
                        "visit": visit.name,
                        "day": _day(visit.planned_start, tz),
                        "at": _clock(visit.planned_start, tz),
                        "was": _clock(visit.old_start, tz),
                        "n": visit.duration_minutes,
                    }
                )


def _check_week(group: list, *, now: datetime, tz: ZoneInfo, outcome: RotaFollow) -> None:
    # The carers' visits in other circles and on the days either side count too, as in every
    # other check of a carer's rota.
    on = frozenset(str(c.public_id) for v in group for c in _published_carers(v))
    week = build_circle_week(
        circle=group[0].circle,
        week_start=week_start(group[0].date),
        now=now,
        open_visits=frozenset(str(v.public_id) for v in group),
        commitments=True,
        commitments_for=on,
    )
    current = {a.visit: a for a in week.current}
    for cid in sorted({c for a in current.values() for c in a.carers}):
        # The carer's rota without any of the moved visits, then each put back in turn: as it
        # was (old start and old length: what they had agreed to) and as it is now. What only
        # the new one breaks is what the change broke.
        held = {
            vid: dataclasses.replace(a, carers=tuple(c for c in a.carers if c != cid))
            for vid, a in current.items()
        }
        for visit in sorted(group, key=lambda v: v.window_start):
            vid = str(visit.public_id)
            if vid not in current or cid not in current[vid].carers:
                continue
            joined = dataclasses.replace(held[vid], carers=(*held[vid].carers, cid))
            after = _carer_errors(week, week.problem, held, joined, cid, visit.planned_start)
            was = _as_it_was(week, visit)
            before = _carer_errors(week, was, held, joined, cid, visit.old_start)
            broken = _made_worse(after, before)
            if broken:
                carer = week.carers.get(cid) or Carer.objects.get(public_id=cid)
                why = describe(sorted(broken), week, carer_name=carer.name)
                _free(visit, carer, why[0].text if why else sorted(broken)[0], outcome, tz=tz)
            else:
                held[vid] = joined


def _as_it_was(week, visit):
    """The week's problem with `visit` at its old start and old length."""
    vid, start = str(visit.public_id), minutes_between(week.origin, visit.old_start)
    visits = tuple(
        dataclasses.replace(
            v, earliest_start=start, latest_start=start, duration=visit.old_duration
        )
        if v.id == vid
        else v
        for v in week.problem.visits
    )
    return dataclasses.replace(week.problem, visits=visits)


def _carer_errors(week, problem, held: dict, joined, cid: str, start: datetime) -> set[str]:
    """The checker's findings about carer `cid` with `joined` (a visit they are on) at `start`."""
    trial = {
        **held,
        joined.visit: dataclasses.replace(joined, start=minutes_between(week.origin, start)),
    }
    solution = engine.Solution(status="check", assignments=(*problem.fixed, *trial.values()))
    return {e for e in engine.check(problem, solution) if cid in e}


_HOURS = re.compile(r"^(?P<key>\S+: )(?P<minutes>\d+)(?P<bucket> min (on day|in week) \d+) > \d+$")


def _made_worse(after: set[str], before: set[str]) -> set[str]:
    """Findings the change brought. Most name the times involved, so one that was there before
    reads the same; the hours a day or week name the total, so more hours than before (over the
    limit) is new even if the carer was already over it."""
    had = {}
    for e in before:
        m = _HOURS.match(e)
        if m:
            had[m["key"] + m["bucket"]] = int(m["minutes"])
    out = set()
    for e in after - before:
        m = _HOURS.match(e)
        if m and int(m["minutes"]) <= had.get(m["key"] + m["bucket"], -1):
            continue
        out.add(e)
    return out


def _free(visit, carer, why: str, outcome: RotaFollow, *, tz: ZoneInfo) -> None:
    visit.assignments.filter(carer=carer).delete()
    outcome.freed.append((visit, carer, why))
    outcome.messages[carer.user].append(
        _(
            "%(visit)s on %(day)s now starts at %(at)s and your rota does not allow it (%(why)s), "
            "so your place is open on the rota for someone else."
        )
        % {
            "visit": visit.name,
            "day": _day(visit.planned_start, tz),
            "at": _clock(visit.planned_start, tz),
            "why": why.rstrip("."),
        }
    )


def _open_new_days(old_pattern_id, *, pattern, version, tz, now, out: RotaFollow) -> None:
    """Days the pattern gained, up to the last day already generated for the client, get an open
    visit."""
    client = version.plan.client
    # Visits are generated for every pattern of a plan at once, so the client's last generated
    # day is how far ahead the rota already reaches (a day the pattern had dropped has none).
    last = Visit.objects.filter(client=client, pattern__isnull=False).aggregate(last=Max("date"))[
        "last"
    ]
    if last is None:
        return
    today = now.astimezone(tz).date()
    taken = set(
        Visit.objects.filter(
            pattern_id__in=[old_pattern_id, pattern.pk], date__gte=today
        ).values_list("date", flat=True)
    )
    skills = list(pattern.skills.all())
    day: date = today
    while day <= last:
        begins = local_datetime(day, pattern.window_start, tz)
        if day.weekday() in pattern.weekdays and day not in taken and begins > now:
            visit = visit_from_pattern(
                client=client, pattern=pattern, version=version, day=day, tz=tz, skills=skills
            )
            out.created.append(visit)
        day += timedelta(days=1)


def _tell_leaders(outcome: RotaFollow, *, pattern: VisitPattern, tz: ZoneInfo) -> None:
    """The circle's team leaders (the one endorsing too: the page does not say it) hear of any
    visit left at its old time today because its new time had passed."""
    lines: dict = defaultdict(list)
    for visit in outcome.left:
        for leader in team_leaders(visit.circle):
            lines[leader].append(
                f"{visit.client.display_name}: {_left_line(visit, visit.new_start, tz)}"
            )
    subject = _("A changed visit stays at its old time today: %(visit)s") % {"visit": pattern.name}
    notify_after_commit(lines, subject=subject)


def _tell_carers(outcome: RotaFollow, *, client, actor) -> None:
    messages = {u: lines for u, lines in outcome.messages.items() if u.pk != actor.pk}
    subject = _("Your visits to %(client)s have changed") % {"client": client.display_name}
    notify_after_commit(messages, subject=subject)
