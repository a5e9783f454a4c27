"""Safeguarding signals computed from the visit records: patterns that can mean neglect, abuse
or exploitation, each with a plain explanation. One function per rule, registered in DETECTORS.

A signal is computed, not stored: its `key` names what it is about (the visit, the carer, the
task), so an acknowledgement (with its reason) is stored against the key and survives a
recomputation. Rules read the records of the visits app (VisitRecord, TaskRecord,
MedicineAdministration, Expense) and the rota (published visits)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carecircle.core.timefmt import local_when
from carecircle.rota.models import AssignmentStatus, Visit, VisitStatus
from carecircle.visits.models import (
    Expense,
    ExpenseKind,
    MedicineAdministration,
    Outcome,
    TaskRecord,
    VisitRecord,
)

MISSED = "missed_visit"
SHORT_STAFFED = "short_staffed_visit"
LATE = "late_start"
SHORT = "short_visit"
TWO_PLACES = "two_places"
EXPENSE_NO_RECEIPT = "expense_no_receipt"
EXPENSE_UNUSUAL = "expense_unusual"
REFUSED_TASK = "refused_task"
REFUSED_MEDICINE = "refused_medicine"
OUTSIDE_PLAN = "outside_plan"

KIND_LABELS = {
    MISSED: gettext_lazy("Missed visit"),
    SHORT_STAFFED: gettext_lazy("Fewer carers than needed"),
    LATE: gettext_lazy("Late start"),
    SHORT: gettext_lazy("Short visit"),
    TWO_PLACES: gettext_lazy("In two places at once"),
    EXPENSE_NO_RECEIPT: gettext_lazy("Expense without a receipt"),
    EXPENSE_UNUSUAL: gettext_lazy("Unusual expense"),
    REFUSED_TASK: gettext_lazy("Task repeatedly not done"),
    REFUSED_MEDICINE: gettext_lazy("Medicine repeatedly refused"),
    OUTSIDE_PLAN: gettext_lazy("Visit outside the plan"),
}


@dataclass(frozen=True)
class Signal:
    key: str
    kind: str
    at: datetime
    explanation: str
    client: object = None
    carer: object = None
    visit: object = None
    circle_id: int | None = None
    detail: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass
class Scope:
    circles: list
    since: datetime
    now: datetime

    def records(self):
        return (
            VisitRecord.objects.filter(visit__circle__in=self.circles)
            .filter(Q(checked_in_at__gte=self.since) | Q(visit__window_start__gte=self.since))
            .filter(visit__window_start__lte=self.now)
            .select_related("visit", "carer__user", "client")
        )


def _signal(kind: str, *about, at: datetime, explanation: str, visit, client, carer=None) -> Signal:
    """A signal about `visit`. Its key is the kind and the ids of what it is about, so an
    acknowledgement stored against the key survives a recomputation."""
    return Signal(
        key=":".join([kind, *(str(part) for part in about)]),
        kind=kind,
        at=at,
        explanation=explanation,
        client=client,
        carer=carer,
        visit=visit,
        circle_id=visit.circle_id,
    )


def missed_visits(scope: Scope) -> list[Signal]:
    """A visit whose planned end (plus a grace period) has passed with fewer carers checked in
    than it needs. Whether anyone was rostered does not matter: a visit nobody took and nobody
    attended is the worst case (the client went without, and no rota shows a name to chase), so
    it is flagged with that said plainly. A two-carer visit (a hoist, a double-handed transfer)
    that only one carer attended is flagged as short-staffed: one person alone may have lifted
    the client unsafely or left tasks undone. A visit marked completed counts as delivered
    (history from before records were kept on the phone, or recorded on paper); cancelled and
    released visits were not needed."""
    grace = timedelta(minutes=settings.SIGNAL_MISSED_GRACE_MINUTES)
    visits = (
        Visit.objects.filter(
            circle__in=scope.circles,
            window_start__gte=scope.since,
            window_start__lte=scope.now - grace,
        )
        .exclude(status__in=[VisitStatus.CANCELLED, VisitStatus.RELEASED, VisitStatus.COMPLETED])
        .select_related("client")
        .prefetch_related("assignments__carer__user", "records__carer__user")
    )
    out = []
    for visit in visits:
        if visit.planned_end + grace > scope.now:
            continue
        came = {r.carer_id: r.carer for r in visit.records.all() if r.checked_in_at is not None}
        needed = max(1, visit.carers_needed)
        if len(came) >= needed:
            continue
        rostered = [
            a.carer for a in visit.assignments.all() if a.status == AssignmentStatus.PUBLISHED
        ]
        out.append(
            _missed_signal(visit, came=list(came.values()), rostered=rostered, needed=needed)
        )
    return out


def _missed_signal(visit, *, came: list, rostered: list, needed: int) -> Signal:
    facts = {
        "visit": visit.name,
        "client": visit.client,
        "when": local_when(visit.planned_start),
        "needed": needed,
    }
    if came:
        absent = [c for c in rostered if c.pk not in {x.pk for x in came}]
        facts["came"] = ", ".join(str(c) for c in came)
        facts["absent"] = ", ".join(str(c) for c in absent) or _("nobody else was rostered")
        return _signal(
            SHORT_STAFFED,
            visit.public_id,
            at=visit.planned_start,
            explanation=_(
                "%(visit)s for %(client)s, planned %(when)s for %(needed)s carers: only "
                "%(came)s checked in (not there: %(absent)s)."
            )
            % facts,
            client=visit.client,
            carer=absent[0] if absent else None,
            visit=visit,
        )
    if rostered:
        facts["carers"] = ", ".join(str(c) for c in rostered)
        explanation = (
            _("%(visit)s for %(client)s, planned %(when)s with %(carers)s: nobody checked in.")
            % facts
        )
    else:
        explanation = (
            _(
                "%(visit)s for %(client)s, planned %(when)s: nobody took the visit (no carer was "
                "on the published rota) and nobody checked in."
            )
            % facts
        )
    return _signal(
        MISSED,
        visit.public_id,
        at=visit.planned_start,
        explanation=explanation,
        client=visit.client,
        carer=rostered[0] if len(rostered) == 1 else None,
        visit=visit,
    )


def late_starts(scope: Scope) -> list[Signal]:
    limit = settings.SIGNAL_LATE_MINUTES
    out = []
    for record in scope.records().filter(checked_in_at__isnull=False):
        late = int((record.checked_in_at - record.visit.planned_start).total_seconds() // 60)
        if late > limit:
            out.append(
                _signal(
                    LATE,
                    record.public_id,
                    at=record.checked_in_at,
                    explanation=_(
                        "%(carer)s checked in at %(client)s %(late)s minutes after the planned "
                        "start (%(when)s); more than %(limit)s minutes late."
                    )
                    % {
                        "carer": record.carer,
                        "client": record.client,
                        "late": late,
                        "when": local_when(record.visit.planned_start),
                        "limit": limit,
                    },
                    client=record.client,
                    carer=record.carer,
                    visit=record.visit,
                )
            )
    return out


def short_visits(scope: Scope) -> list[Signal]:
    out = []
    for record in scope.records().filter(checked_in_at__isnull=False, checked_out_at__isnull=False):
        planned = record.visit.duration_minutes
        stayed = record.minutes_on_site
        if planned and stayed * 3 < planned * 2:
            out.append(
                _signal(
                    SHORT,
                    record.public_id,
                    at=record.checked_in_at,
                    explanation=_(
                        "%(carer)s stayed %(stayed)s minutes with %(client)s on %(when)s; "
                        "%(planned)s were planned (less than two thirds)."
                    )
                    % {
                        "carer": record.carer,
                        "client": record.client,
                        "stayed": stayed,
                        "planned": planned,
                        "when": local_when(record.checked_in_at),
                    },
                    client=record.client,
                    carer=record.carer,
                    visit=record.visit,
                )
            )
    return out


def two_places_at_once(scope: Scope) -> list[Signal]:
    """The same carer checked in at two clients over overlapping times: one record may be
    false (time claimed but not given), or a client was left alone."""
    mine = scope.records().filter(checked_in_at__isnull=False)
    carers = {r.carer_id for r in mine}
    records = (
        VisitRecord.objects.filter(
            carer_id__in=carers, checked_in_at__gte=scope.since - timedelta(days=1)
        )
        .select_related("visit", "carer__user", "client")
        .order_by("carer_id", "checked_in_at")
    )
    by_carer = defaultdict(list)
    for record in records:
        by_carer[record.carer_id].append(record)
    circles = {c.id if hasattr(c, "id") else c for c in scope.circles}
    out = []
    for rows in by_carer.values():
        for i, a in enumerate(rows):
            a_end = a.checked_out_at or a.checked_in_at + timedelta(
                minutes=a.visit.duration_minutes
            )
            for b in rows[i + 1 :]:
                if b.checked_in_at >= a_end:
                    break
                if b.client_id == a.client_id:
                    continue
                if a.visit.circle_id not in circles and b.visit.circle_id not in circles:
                    continue
                out.append(_two_places_signal(a, b))
    return out


def _two_places_signal(a: VisitRecord, b: VisitRecord) -> Signal:
    return _signal(
        TWO_PLACES,
        a.public_id,
        b.public_id,
        at=b.checked_in_at,
        explanation=_(
            "%(carer)s was checked in at %(a)s (from %(a_at)s) and at %(b)s "
            "(from %(b_at)s) at the same time."
        )
        % {
            "carer": a.carer,
            "a": a.client,
            "a_at": local_when(a.checked_in_at),
            "b": b.client,
            "b_at": local_when(b.checked_in_at),
        },
        client=b.client,
        carer=a.carer,
        visit=b.visit,
    )


def _expenses(scope: Scope):
    return Expense.objects.filter(
        record__visit__circle__in=scope.circles, spent_at__gte=scope.since
    ).select_related("record__visit", "record__client", "carer__user")


def expenses_without_receipt(scope: Scope) -> list[Signal]:
    """Money spent for a client (not mileage) needs a receipt."""
    out = []
    for expense in (
        _expenses(scope).filter(receipt_sha256__isnull=True).exclude(kind=ExpenseKind.MILEAGE)
    ):
        out.append(
            _signal(
                EXPENSE_NO_RECEIPT,
                expense.public_id,
                at=expense.spent_at,
                explanation=_(
                    "%(carer)s spent £%(amount)s (%(kind)s) for %(client)s on %(when)s with no "
                    "receipt."
                )
                % {
                    "carer": expense.carer,
                    "amount": expense.amount,
                    "kind": expense.get_kind_display().lower(),
                    "client": expense.record.client,
                    "when": local_when(expense.spent_at),
                },
                client=expense.record.client,
                carer=expense.carer,
                visit=expense.record.visit,
            )
        )
    return out


def _why_unusual(amount: float, before: list[float]) -> str | None:
    """Why an amount is unusual against the amounts before it, or None when it is not."""
    factor = settings.SIGNAL_EXPENSE_FACTOR
    limit = settings.SIGNAL_EXPENSE_LIMIT
    if len(before) >= 3:
        usual = statistics.median(before)
        if usual <= 0 or amount <= factor * usual:
            return None
        return _("%(factor)s times the usual £%(usual).2f") % {"factor": factor, "usual": usual}
    if amount > limit:
        return _("over £%(limit)s with little history to compare") % {"limit": limit}
    return None


def unusual_expenses(scope: Scope) -> list[Signal]:
    """An expense far above what is usual for this client and kind: more than
    SIGNAL_EXPENSE_FACTOR times the median of the previous 90 days (with at least three to
    compare), or above SIGNAL_EXPENSE_LIMIT when there is no history."""
    recent = list(_expenses(scope))
    if not recent:
        return []
    history = defaultdict(list)
    clients = {e.record.client_id for e in recent}
    for e in (
        Expense.objects.filter(
            record__client_id__in=clients, spent_at__gte=scope.since - timedelta(days=90)
        )
        .only("record__client_id", "kind", "amount", "spent_at", "id")
        .select_related("record")
    ):
        history[(e.record.client_id, e.kind)].append(e)
    out = []
    for expense in recent:
        before = [
            float(e.amount)
            for e in history[(expense.record.client_id, expense.kind)]
            if e.spent_at < expense.spent_at and e.id != expense.id
        ]
        why = _why_unusual(float(expense.amount), before)
        if why is None:
            continue
        out.append(
            _signal(
                EXPENSE_UNUSUAL,
                expense.public_id,
                at=expense.spent_at,
                explanation=_("%(carer)s spent £%(amount)s (%(kind)s) for %(client)s: %(why)s.")
                % {
                    "carer": expense.carer,
                    "amount": expense.amount,
                    "kind": expense.get_kind_display().lower(),
                    "client": expense.record.client,
                    "why": why,
                },
                client=expense.record.client,
                carer=expense.carer,
                visit=expense.record.visit,
            )
        )
    return out


def repeated_refusals(scope: Scope) -> list[Signal]:
    """The same task not done, or the same medicine refused, SIGNAL_REFUSALS times or more in
    the period: the plan may need changing, or the client's wishes are being overridden."""
    threshold = settings.SIGNAL_REFUSALS
    return _refused_tasks(scope, threshold) + _refused_medicines(scope, threshold)


def _refused_tasks(scope: Scope, threshold: int) -> list[Signal]:
    out = []
    tasks = defaultdict(list)
    for tr in TaskRecord.objects.filter(
        record__visit__circle__in=scope.circles, recorded_at__gte=scope.since, done=False
    ).select_related("task", "record__client", "record__visit"):
        tasks[(tr.record.client_id, tr.task_id)].append(tr)
    for rows in tasks.values():
        if len(rows) >= threshold:
            last = max(rows, key=lambda r: r.recorded_at)
            reasons = "; ".join(sorted({r.reason for r in rows if r.reason})) or _("none given")
            out.append(
                _signal(
                    REFUSED_TASK,
                    last.record.client.public_id,
                    last.task_id,
                    len(rows),
                    at=last.recorded_at,
                    explanation=_(
                        "“%(task)s” was not done %(n)s times for %(client)s since %(since)s. "
                        "Reasons: %(reasons)s."
                    )
                    % {
                        "task": last.task,
                        "n": len(rows),
                        "client": last.record.client,
                        "since": local_when(scope.since),
                        "reasons": reasons,
                    },
                    client=last.record.client,
                    visit=last.record.visit,
                )
            )
    return out


def _refused_medicines(scope: Scope, threshold: int) -> list[Signal]:
    out = []
    medicines = defaultdict(list)
    for ma in MedicineAdministration.objects.filter(
        record__visit__circle__in=scope.circles,
        given_at__gte=scope.since,
        outcome=Outcome.REFUSED,
    ).select_related("medicine", "record__client", "record__visit"):
        medicines[(ma.record.client_id, ma.medicine_id)].append(ma)
    for rows in medicines.values():
        if len(rows) >= threshold:
            last = max(rows, key=lambda r: r.given_at)
            out.append(
                _signal(
                    REFUSED_MEDICINE,
                    last.record.client.public_id,
                    last.medicine_id,
                    len(rows),
                    at=last.given_at,
                    explanation=_(
                        "%(client)s refused %(medicine)s %(n)s times since %(since)s. Tell the "
                        "prescriber or pharmacist."
                    )
                    % {
                        "client": last.record.client,
                        "medicine": last.medicine.name,
                        "n": len(rows),
                        "since": local_when(scope.since),
                    },
                    client=last.record.client,
                    visit=last.record.visit,
                )
            )
    return out


def outside_the_plan(scope: Scope) -> list[Signal]:
    """A record by a carer not on the published rota for that visit, or a visit that comes
    from no plan pattern and no release (made up outside the agreed plan)."""
    out = []
    records = scope.records().prefetch_related("visit__assignments")
    for record in records:
        rostered = {
            a.carer_id
            for a in record.visit.assignments.all()
            if a.status == AssignmentStatus.PUBLISHED
        }
        reasons = []
        if record.carer_id not in rostered:
            reasons.append(_("%(carer)s was not on the rota for it") % {"carer": record.carer})
        if record.visit.pattern_id is None and record.visit.release_id is None:
            reasons.append(_("the visit is not in the client's plan"))
        if reasons:
            out.append(
                _signal(
                    OUTSIDE_PLAN,
                    record.public_id,
                    at=record.checked_in_at or record.visit.planned_start,
                    explanation=_("%(visit)s for %(client)s on %(when)s: %(why)s.")
                    % {
                        "visit": record.visit.name,
                        "client": record.client,
                        "when": local_when(record.checked_in_at or record.visit.planned_start),
                        "why": "; ".join(reasons),
                    },
                    client=record.client,
                    carer=record.carer,
                    visit=record.visit,
                )
            )
    return out


DETECTORS = [
    missed_visits,
    late_starts,
    short_visits,
    two_places_at_once,
    expenses_without_receipt,
    unusual_expenses,
    repeated_refusals,
    outside_the_plan,
]


def compute_signals(*, circles, now: datetime | None = None, days: int | None = None):
    now = now or timezone.now()
    days = settings.SIGNAL_LOOKBACK_DAYS if days is None else days
    scope = Scope(circles=list(circles), since=now - timedelta(days=days), now=now)
    if not scope.circles:
        return []
    signals = [s for detector in DETECTORS for s in detector(scope)]
    return sorted(signals, key=lambda s: s.at, reverse=True)
