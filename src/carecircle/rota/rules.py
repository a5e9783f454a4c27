"""The rota engine's checker applied to one change a person asks for (a claim, a swap, cover),
with its findings in words a carer understands.

Every other published visit is held as it is; only the visit being changed is checked, so what is
reported is what this change would break. The carer's published visits in their other circles, and
on the days either side of the week, are held too: rest, double booking and hours are judged on
all the work they do, not on one circle's week."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from carecircle import engine
from carecircle.people.models import Skill
from carecircle.rota.engine_adapter import build_circle_week
from carecircle.rota.selectors import week_start as monday_of

# Broken rules a team leader may allow for once (working time); the others never.
APPROVABLE = ("rest", "day_hours", "week_hours", "availability")


@dataclass(frozen=True)
class Finding:
    rule: str  # skill | avoid | only_clients | availability | overlap | rest | day_hours | week_hours | membership | other
    text: str

    @property
    def approvable(self) -> bool:
        return self.rule in APPROVABLE


def _clock(week, minutes: int) -> str:
    moment = timezone.localtime(week.to_datetime(int(minutes)))
    return moment.strftime("%a %H:%M")


def _hours(minutes: int) -> str:
    h, m = divmod(int(minutes), 60)
    return f"{h} h {m:02d}" if m else f"{h} h"


def _elsewhere(week, *starts: str) -> str:
    for minutes in starts:
        if (other := week.elsewhere(int(minutes))) is not None:
            return f" One of them is in the {other.circle} circle."
    return ""


def _other_circles(week) -> bool:
    monday = week.origin.date()
    return any(
        v.circle_id != week.circle_id and 0 <= (v.date - monday).days < 7
        for v in week.commitments.values()
    )


def describe(errors: list[str], week, *, carer_name: str) -> list[Finding]:
    """Turn the checker's terse findings into sentences."""
    clients = {str(c.public_id): str(c) for c in (v.client for v in week.visits.values())}
    skills = dict(Skill.objects.values_list("code", "name"))
    out: list[Finding] = []
    for e in errors:
        if m := re.search(r"lacks \[(.*)\]", e):
            names = [skills.get(code.strip(" '\""), code.strip(" '\"")) for code in m[1].split(",")]
            out.append(Finding("skill", f"{carer_name} does not have: {', '.join(names)}."))
        elif m := re.search(r"is on (\S+)'s avoid list", e):
            who = clients.get(m[1], "The client")
            out.append(Finding("avoid", f"{who} has asked not to be visited by {carer_name}."))
        elif "cares only for" in e:
            out.append(
                Finding("only_clients", f"{carer_name} helps only the clients they care for.")
            )
        elif m := re.search(r"is not available (-?\d+)-(-?\d+)", e):
            out.append(
                Finding(
                    "availability",
                    f"{carer_name} has not said they are available {_clock(week, m[1])}–{_clock(week, m[2])[-5:]}.",
                )
            )
        elif m := re.search(r"(-?\d+)-(-?\d+) and (-?\d+)-(-?\d+) overlap", e):
            out.append(
                Finding(
                    "overlap",
                    f"{carer_name} has another visit {_clock(week, m[1])}–{_clock(week, m[2])[-5:]} and "
                    f"{_clock(week, m[3])}–{_clock(week, m[4])[-5:]}: they overlap once travel is counted."
                    + _elsewhere(week, m[1], m[3]),
                )
            )
        elif m := re.search(r"only (\d+) min rest before (-?\d+)", e):
            out.append(
                Finding(
                    "rest",
                    f"{carer_name} would have only {_hours(int(m[1]))} rest before {_clock(week, m[2])} (11 h needed)."
                    + _elsewhere(week, m[2], str(int(m[2]) - int(m[1]))),
                )
            )
        elif m := re.search(r"(\d+) min on day \d+ > (\d+)", e):
            out.append(
                Finding(
                    "day_hours",
                    f"{carer_name} would work {_hours(int(m[1]))} that day (their limit is {_hours(int(m[2]))}).",
                )
            )
        elif m := re.search(r"(\d+) min in week \d+ > (\d+)", e):
            out.append(
                Finding(
                    "week_hours",
                    f"{carer_name} would work {_hours(int(m[1]))} that week (their limit is {_hours(int(m[2]))})"
                    + (" counting their other circles." if _other_circles(week) else "."),
                )
            )
        else:
            out.append(Finding("other", e))
    return out


def check_change(*, visit, add=None, remove=None, start: datetime | None = None, now=None):
    """What breaks if `add` joins `visit` (taking `remove`'s place when given).

    Returns a list of Findings; empty means the change keeps every rule."""
    now = now or timezone.now()
    vid = str(visit.public_id)
    week = build_circle_week(
        circle=visit.circle,
        week_start=monday_of(visit.date),
        now=min(now, visit.window_start - timedelta(seconds=1)),
        open_visits=frozenset({vid}),
        commitments=True,
        commitments_for=frozenset({str(add.public_id)}) if add is not None else None,
    )
    if add is not None and str(add.public_id) not in week.carers:
        return [Finding("membership", f"{add.name} is not a carer in the {visit.circle} circle.")]
    problem = week.problem
    current = {a.visit: a for a in week.current}
    carers = set(current[vid].carers) if vid in current else set()
    if remove is not None:
        carers.discard(str(remove.public_id))
    if add is not None:
        carers.add(str(add.public_id))
    begin = start or visit.start or visit.window_start
    minutes = int((begin - week.origin).total_seconds() // 60)
    assignments = [a for a in problem.fixed] + [
        engine.Assignment(visit=vid, carers=tuple(sorted(carers)), start=minutes)
    ]
    errors = engine.check(problem, engine.Solution(status="check", assignments=tuple(assignments)))
    if add is not None:
        errors = [e for e in errors if str(add.public_id) in e]
    return describe(errors, week, carer_name=add.name if add else "")


def check_many(*, carer, visits, now=None) -> dict:
    """What would stop `carer` joining each of `visits` (for listing open places): the circle-week
    is built once per week, and each visit's findings are what its change adds to the carer's
    rota — the same answer `check_change` gives, at a fraction of the cost."""
    now = now or timezone.now()
    out: dict = {}
    groups: dict = {}
    for v in visits:
        groups.setdefault((v.circle_id, monday_of(v.date)), []).append(v)
    cid = str(carer.public_id)
    for (_, monday), group in groups.items():
        ids = frozenset(str(v.public_id) for v in group)
        earliest = min(v.window_start for v in group)
        week = build_circle_week(
            circle=group[0].circle,
            week_start=monday,
            now=min(now, earliest - timedelta(seconds=1)),
            open_visits=ids,
            commitments=True,
            commitments_for=frozenset({cid}),
        )
        if cid not in week.carers:
            for v in group:
                out[v.pk] = [
                    Finding("membership", f"{carer.name} is not a carer in the {v.circle} circle.")
                ]
            continue
        current = {a.visit: a for a in week.current}
        base = list(week.problem.fixed) + list(current.values())
        before = {
            e
            for e in engine.check(
                week.problem, engine.Solution(status="check", assignments=tuple(base))
            )
            if cid in e
        }
        for v in group:
            vid = str(v.public_id)
            carers = set(current[vid].carers) if vid in current else set()
            carers.add(cid)
            begin = v.start or v.window_start
            changed = engine.Assignment(
                visit=vid,
                carers=tuple(sorted(carers)),
                start=int((begin - week.origin).total_seconds() // 60),
            )
            trial = [a for a in base if a.visit != vid] + [changed]
            errors = [
                e
                for e in engine.check(
                    week.problem, engine.Solution(status="check", assignments=tuple(trial))
                )
                if cid in e and e not in before
            ]
            out[v.pk] = describe(errors, week, carer_name=carer.name)
    return out
