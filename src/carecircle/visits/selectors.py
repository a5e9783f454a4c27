"""Reads for visit recording: what is due at a visit, the carer's next 48 hours, the MAR chart."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from carecircle.people.models import Carer, Client
from carecircle.plans.models import PlanTask
from carecircle.rota.models import AssignmentStatus, Visit, VisitStatus
from carecircle.visits.models import Medicine, MedicineAdministration, Outcome, VisitRecord

# A dose is due at a visit when its time falls between the earliest start less this margin and
# the latest planned end plus it: medicines are often timed "with breakfast", not to the minute.
DUE_MARGIN = timedelta(minutes=30)
OFFLINE_HOURS = 48


@dataclass(frozen=True)
class DueDose:
    medicine: Medicine
    slot: str  # "HH:MM"
    due_at: datetime


def _local(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), timezone.get_current_timezone())


def medicines_for_client(client: Client, day: date) -> list[Medicine]:
    return list(
        Medicine.objects.filter(client=client, active=True)
        .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=day))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .order_by("name")
    )


def due_doses(visit: Visit, medicines: list[Medicine] | None = None) -> list[DueDose]:
    """Scheduled doses that fall due during this visit (as-needed medicines never do)."""
    if medicines is None:
        medicines = medicines_for_client(visit.client, visit.date)
    earliest = visit.window_start - DUE_MARGIN
    latest = max(visit.window_end, visit.planned_end) + DUE_MARGIN
    due = []
    for medicine in medicines:
        if medicine.as_needed:
            continue
        for slot in medicine.times or []:
            at = _local(visit.date, slot)
            if earliest <= at <= latest:
                due.append(DueDose(medicine=medicine, slot=slot, due_at=at))
    return sorted(due, key=lambda d: (d.due_at, d.medicine.name))


def tasks_for_visit(visit: Visit) -> list[PlanTask]:
    if visit.plan_version_id is None:
        return []
    qs = PlanTask.objects.filter(version_id=visit.plan_version_id)
    if visit.pattern_id:
        qs = qs.filter(Q(pattern_id=visit.pattern_id) | Q(pattern__isnull=True))
    else:
        qs = qs.filter(pattern__isnull=True)
    return list(qs.order_by("id"))


def upcoming_visits_for_carer(*, carer: Carer, now: datetime | None = None) -> list[Visit]:
    """The carer's visits from the start of today until 48 hours from now: what the phone keeps
    for offline use (a visit started this morning is still being recorded this afternoon)."""
    now = now or timezone.now()
    start = datetime.combine(timezone.localdate(now), time(0), timezone.get_current_timezone())
    return list(
        Visit.objects.filter(
            assignments__carer=carer,
            assignments__status=AssignmentStatus.PUBLISHED,
            window_start__gte=start,
            window_start__lt=now + timedelta(hours=OFFLINE_HOURS),
        )
        .exclude(status__in=[VisitStatus.CANCELLED, VisitStatus.RELEASED])
        .select_related("client")
        .order_by("window_start")
        .distinct()
    )


@dataclass
class RecordState:
    """A visit record as the page and the phone see it."""

    record: VisitRecord | None
    tasks: dict[int, dict] = field(default_factory=dict)
    doses: dict[str, dict] = field(default_factory=dict)  # "<medicine uuid>@<slot>"
    prn: list[dict] = field(default_factory=list)
    expenses: list[dict] = field(default_factory=list)


def record_state(record: VisitRecord | None) -> RecordState:
    state = RecordState(record=record)
    if record is None:
        return state
    for t in record.tasks.all():
        state.tasks[t.task_id] = {"done": t.done, "reason": t.reason}
    for a in record.administrations.select_related("medicine"):
        item = {
            "id": str(a.public_id),
            "medicine_id": str(a.medicine.public_id),
            "slot": a.slot,
            "outcome": a.outcome,
            "dose": a.dose,
            "given_at": a.given_at.isoformat(),
            "reason": a.reason,
        }
        if a.slot:
            state.doses[f"{a.medicine.public_id}@{a.slot}"] = item
        else:
            state.prn.append(item)
    for e in record.expenses.all():
        state.expenses.append(
            {
                "id": str(e.public_id),
                "amount": str(e.amount),
                "kind": e.kind,
                "note": e.note,
                "receipt": bool(e.receipt_sha256),
            }
        )
    return state


# The MAR chart ---------------------------------------------------------------------------------

CODES: dict[str, str] = {
    Outcome.GIVEN: "G",
    Outcome.REFUSED: "R",
    Outcome.MISSED: "M",
    Outcome.NOT_REQUIRED: "N",
}


@dataclass
class MarRow:
    medicine: Medicine
    slot: str  # "" for as-needed
    cells: list[str]  # one per day of the month: a code, several for PRN, or ""

    @property
    def marked(self) -> list[tuple[str, bool]]:
        """Each cell with whether it needs a second look (anything but "given")."""
        return [(c, bool(c) and set(c) != {"G"}) for c in self.cells]


@dataclass
class MarChart:
    client: Client
    month: date
    days: list[date]
    rows: list[MarRow]
    notes: list[MedicineAdministration]


def month_start(value: str | None) -> date:
    today = timezone.localdate()
    if value:
        try:
            year, month = (int(x) for x in value.split("-", 1))
            return date(year, month, 1)
        except ValueError:
            pass
    return today.replace(day=1)


def mar_chart(*, client: Client, month: date) -> MarChart:
    """One month of medicine administration for one client: a row per medicine and due time."""
    last = calendar.monthrange(month.year, month.month)[1]
    days = [month.replace(day=d) for d in range(1, last + 1)]
    tz = timezone.get_current_timezone()
    start = datetime.combine(days[0], time(0), tz)
    end = datetime.combine(days[-1] + timedelta(days=1), time(0), tz)
    medicines = list(
        Medicine.objects.filter(client=client)
        .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=days[-1]))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=days[0]))
        .order_by("name")
    )
    given = list(
        MedicineAdministration.objects.filter(
            medicine__client=client, given_at__gte=start, given_at__lt=end
        )
        .select_related("medicine", "record__carer__user")
        .order_by("given_at")
    )
    index: dict[tuple[int, str, date], list[str]] = {}
    for a in given:
        day = timezone.localtime(a.given_at).date()
        index.setdefault((a.medicine_id, a.slot, day), []).append(CODES.get(a.outcome, "?"))
    rows = []
    for medicine in medicines:
        slots = [""] if medicine.as_needed else sorted(medicine.times or [])
        for slot in slots:
            cells = ["".join(index.get((medicine.pk, slot, d), [])) for d in days]
            rows.append(MarRow(medicine=medicine, slot=slot, cells=cells))
    notes = [a for a in given if a.outcome != Outcome.GIVEN or a.reason]
    return MarChart(client=client, month=month, days=days, rows=rows, notes=notes)


def arrivals_for_client(*, client: Client, days: int = 2) -> list[VisitRecord]:
    """Recent check-ins and check-outs, for family who asked to see them."""
    since = timezone.now() - timedelta(days=days)
    return list(
        VisitRecord.objects.filter(client=client, checked_in_at__gte=since)
        .select_related("carer__user", "visit")
        .order_by("-checked_in_at")
    )


def recent_records(*, client: Client, limit: int = 10) -> list[VisitRecord]:
    """The client's latest visit records, for the circle's team leaders."""
    return list(
        VisitRecord.objects.filter(client=client)
        .select_related("carer__user", "visit")
        .prefetch_related("tasks", "administrations__medicine")
        .order_by("-checked_in_at", "-created_at")[:limit]
    )
