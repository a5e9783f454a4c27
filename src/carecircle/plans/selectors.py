"""Reads for care plans: versions side by side, and what changed since a carer's last visit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.plans.models import CarePlanVersion, ChangeStatus, PlanChange


@dataclass
class DiffRow:
    label: str
    left: str
    right: str
    left_items: list[str] = field(default_factory=list)
    right_items: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.left != self.right or self.left_items != self.right_items

    @property
    def added(self) -> list[str]:
        return [i for i in self.right_items if i not in self.left_items]

    @property
    def removed(self) -> list[str]:
        return [i for i in self.left_items if i not in self.right_items]


def _pattern_text(p) -> str:
    two = _(", two carers") if p.carers_needed == 2 else ""
    return _("%(days)s, starting %(a)s–%(b)s, %(m)s min%(two)s") % {
        "days": _("every day") if len(set(p.weekdays)) == 7 else ", ".join(p.weekday_names()),
        "a": f"{p.window_start:%H:%M}",
        "b": f"{p.window_end:%H:%M}",
        "m": p.duration_minutes,
        "two": two,
    }


def _shape(version: CarePlanVersion) -> dict[str, tuple[str, list[str]]]:
    """Visit name -> (its pattern, its tasks); tasks for any visit under an empty name."""
    patterns = list(version.patterns.all())
    tasks = list(version.tasks.all())
    out: dict[str, tuple[str, list[str]]] = {}
    for p in patterns:
        out[p.name] = (_pattern_text(p), [t.title for t in tasks if t.pattern_id == p.id])
    loose = [t.title for t in tasks if t.pattern_id is None]
    if loose:
        out[str(_("Any visit"))] = ("", loose)
    return out


def version_diff(left: CarePlanVersion, right: CarePlanVersion) -> list[DiffRow]:
    """Rows to show two versions side by side: needs, goals, then each visit and its tasks."""
    rows = [
        DiffRow(str(_("What I need")), left.needs, right.needs),
        DiffRow(str(_("What I want")), left.goals, right.goals),
    ]
    a, b = _shape(left), _shape(right)
    for name in list(a) + [n for n in b if n not in a]:
        la, lt = a.get(name, ("", []))
        ra, rt = b.get(name, ("", []))
        rows.append(
            DiffRow(
                name,
                la or (_("(not in this version)") if name not in a else ""),
                ra or (_("(not in this version)") if name not in b else ""),
                lt,
                rt,
            )
        )
    return rows


def versions_of(plan):
    return plan.versions.order_by("-number").prefetch_related("patterns__tasks", "tasks")


def recent_changes(
    *, client, last_visit: datetime | None, now: datetime | None = None, days: int = 14
):
    """Changes endorsed since `last_visit` (the start of this carer's last visit to the client,
    which the rota reads: rota.selectors.last_visit_start) or, for anyone else or a carer who has
    not been yet, in the last `days` days; newest first, with the moment used."""
    now = now or timezone.now()
    since = last_visit
    by_visit = since is not None
    if since is None:
        since = now - timedelta(days=days)
    changes = list(
        PlanChange.objects.filter(
            plan__client=client, status=ChangeStatus.ENDORSED, endorsed_at__gt=since
        )
        .select_related("new_version", "pattern", "endorsed_by")
        .order_by("-endorsed_at")
    )
    return changes, since, by_visit


def changes_for_my_day(
    *, clients, last_visits: dict[int, datetime], now: datetime | None = None, days: int = 14
):
    """For My day: per client on the carer's list, the changes endorsed since the carer's last
    visit to them (`last_visits`, client id to its start, read by rota.selectors.last_visits) or
    in the last `days` days if they have not been. One query."""
    now = now or timezone.now()
    ids = {c.pk for c in clients}
    if not ids:
        return []
    floor = now - timedelta(days=max(days, 60))
    out = []
    for change in (
        PlanChange.objects.filter(
            plan__client_id__in=ids, status=ChangeStatus.ENDORSED, endorsed_at__gt=floor
        )
        .select_related("plan__client", "pattern", "new_version")
        .order_by("-endorsed_at")
    ):
        since = last_visits.get(change.plan.client_id) or now - timedelta(days=days)
        if change.endorsed_at is not None and change.endorsed_at > since:
            out.append(change)
    return out
