"""Equity: hours of care delivered against assessed need, per client, across circles.

Delivered = the time carers actually spent with the client, from the visit records (the visits
app's `VisitRecord`) that were checked in and checked out, for visits dated in the period. A
rostered visit that nobody attended delivers nothing, whatever the rota says. When two carers
record the same visit, the client gets the time covered by either of them once (two carers at
once are still one hour of care for the client), so a visit counts the union of its records'
intervals. Need = assessed weekly hours × weeks in the period.
The Gini coefficient is taken over each client's share of need met (delivered ÷ need): 0 when
every client gets the same share of their need, towards 1 when a few get it all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from carecircle.people.models import Client
from carecircle.visits.models import VisitRecord

DEFAULT_DAYS = 28


def gini(values: Sequence[float]) -> float:
    """Gini coefficient of non-negative values: mean absolute difference over twice the mean.

    0 for an empty list, all-equal values or all zeros; below 1 for any finite list."""
    xs = sorted(float(v) for v in values)
    n = len(xs)
    if xs and xs[0] < 0:
        raise ValueError("gini needs non-negative values")
    total = sum(xs)
    if n == 0 or total <= 0:
        return 0.0
    # Sorted form: G = (2 Σ i·x_i) / (n Σ x) − (n + 1) / n, with i from 1.
    weighted = sum((i + 1) * x for i, x in enumerate(xs))
    g = (2 * weighted) / (n * total) - (n + 1) / n
    return min(1.0, max(0.0, g))


def lorenz(values: Sequence[float]) -> list[tuple[float, float]]:
    """Points of the Lorenz curve, (share of clients, share of the total), from (0, 0)."""
    xs = sorted(float(v) for v in values)
    total = sum(xs)
    points = [(0.0, 0.0)]
    if not xs or total <= 0:
        return [*points, (1.0, 1.0)]
    running = 0.0
    for i, x in enumerate(xs, start=1):
        running += x
        points.append((i / len(xs), running / total))
    return points


@dataclass(frozen=True)
class ClientEquity:
    client_id: int
    name: str
    circle: str
    need_hours: float
    delivered_hours: float

    @property
    def met(self) -> float:
        """Share of need met (1.0 = all of it); a client with no assessed need counts as met."""
        return self.delivered_hours / self.need_hours if self.need_hours > 0 else 1.0

    @property
    def shortfall(self) -> float:
        return max(0.0, self.need_hours - self.delivered_hours)


@dataclass(frozen=True)
class CircleEquity:
    name: str
    clients: int
    need_hours: float
    delivered_hours: float
    gini: float


@dataclass(frozen=True)
class EquityReport:
    start: date
    end: date
    rows: list[ClientEquity]
    circles: list[CircleEquity]
    gini: float
    need_hours: float
    delivered_hours: float

    def furthest_below(self, n: int = 5) -> list[ClientEquity]:
        below = [r for r in self.rows if r.shortfall > 0]
        return sorted(below, key=lambda r: (r.met, -r.shortfall, r.name))[:n]


def union_minutes(intervals: Sequence[tuple[datetime, datetime]]) -> float:
    """Minutes covered by at least one of the intervals (overlaps counted once)."""
    total = 0.0
    current_start: datetime | None = None
    current_end: datetime | None = None
    for a, b in sorted(intervals):
        if current_end is None or a > current_end:
            if current_start is not None and current_end is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = a, b
        elif b > current_end:
            current_end = b
    if current_start is not None and current_end is not None:
        total += (current_end - current_start).total_seconds()
    return total / 60


def _delivered_minutes(*, client_ids: list[int], start: date, end: date) -> dict[int, float]:
    """Per client, minutes of care recorded (checked in and out) for visits dated start..end."""
    records = (
        VisitRecord.objects.filter(
            visit__client_id__in=client_ids,
            visit__date__range=(start, end),
            checked_in_at__isnull=False,
            checked_out_at__isnull=False,
        )
        .values_list("visit__client_id", "visit_id", "checked_in_at", "checked_out_at")
        .order_by()
    )
    by_visit: dict[tuple[int, int], list[tuple[datetime, datetime]]] = {}
    for client_id, visit_id, checked_in, checked_out in records:
        by_visit.setdefault((client_id, visit_id), []).append((checked_in, checked_out))
    minutes: dict[int, float] = {}
    for (client_id, _visit_id), intervals in by_visit.items():
        minutes[client_id] = minutes.get(client_id, 0.0) + union_minutes(intervals)
    return minutes


def equity_report(
    *, circles, days: int = DEFAULT_DAYS, now: datetime | None = None
) -> EquityReport:
    """The last `days` days up to now, for the clients of `circles`. Two queries."""
    now = now or timezone.now()
    end = timezone.localdate(now)
    start = end - timedelta(days=days - 1)
    weeks = days / 7
    clients = list(
        Client.objects.filter(circle__in=circles)
        .select_related("circle")
        .order_by("circle__name", "last_name", "first_name")
    )
    minutes = _delivered_minutes(client_ids=[c.pk for c in clients], start=start, end=end)
    rows = [
        ClientEquity(
            client_id=c.pk,
            name=str(c),
            circle=c.circle.name,
            need_hours=round(float(c.assessed_weekly_hours) * weeks, 2),
            delivered_hours=round((minutes.get(c.pk) or 0) / 60, 2),
        )
        for c in clients
    ]
    by_circle: dict[str, list[ClientEquity]] = {}
    for r in rows:
        by_circle.setdefault(r.circle, []).append(r)
    circle_rows = [
        CircleEquity(
            name=name,
            clients=len(rs),
            need_hours=round(sum(r.need_hours for r in rs), 1),
            delivered_hours=round(sum(r.delivered_hours for r in rs), 1),
            gini=round(gini([r.met for r in rs]), 3),
        )
        for name, rs in by_circle.items()
    ]
    return EquityReport(
        start=start,
        end=end,
        rows=rows,
        circles=circle_rows,
        gini=round(gini([r.met for r in rows]), 3),
        need_hours=round(sum(r.need_hours for r in rows), 1),
        delivered_hours=round(sum(r.delivered_hours for r in rows), 1),
    )


def lorenz_svg(values: Sequence[float], *, size: int = 160) -> SafeString:
    """The Lorenz curve of need met, with the line of equality dashed. Numbers only."""
    if not values:
        return mark_safe('<span class="muted">no clients</span>')
    pad = 4
    inner = size - 2 * pad

    def xy(x: float, y: float) -> str:
        return f"{pad + inner * x:.1f},{pad + inner * (1 - y):.1f}"

    line = " ".join(xy(x, y) for x, y in lorenz(values))
    g = gini(values)
    label = f"Lorenz curve of need met across {len(values)} clients; Gini {g:.2f}"
    return format_html(
        '<svg class="spark" role="img" aria-label="{}" width="{}" height="{}" viewBox="0 0 {} {}">'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#9ca3af" stroke-width="1"/>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#6b7280" stroke-dasharray="3 3"/>'
        '<polyline points="{}" fill="none" stroke="#1d4ed8" stroke-width="2"/></svg>',
        label,
        size,
        size,
        size,
        size,
        pad,
        pad,
        inner,
        inner,
        pad,
        pad + inner,
        pad + inner,
        pad,
        line,
    )


def met_bars_svg(rows: Sequence[ClientEquity], *, width: int = 320, bar: int = 14) -> SafeString:
    """One labelled bar per client: share of need met (capped at 150 %), with the 100 % line."""
    if not rows:
        return mark_safe("")
    cap, name_w, pct_w = 1.5, 120, 44
    area = width - name_w - pct_w
    full = area / cap
    step = bar + 4
    height = len(rows) * step + 2

    def colour(met: float) -> str:
        return "#15803d" if met >= 0.95 else "#b45309" if met >= 0.75 else "#b91c1c"

    bars = format_html_join(
        "",
        '<text x="0" y="{}" font-size="12">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>'
        '<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>',
        (
            (
                i * step + bar,
                r.name[:18],
                name_w,
                i * step + 2,
                f"{min(cap, r.met) * full:.1f}",
                bar,
                colour(r.met),
                width,
                i * step + bar,
                f"{r.met:.0%}",
            )
            for i, r in enumerate(rows)
        ),
    )
    return format_html(
        '<svg role="img" aria-label="{}" width="{}" height="{}" viewBox="0 0 {} {}">{}'
        '<line x1="{}" x2="{}" y1="0" y2="{}" stroke="#111827" stroke-dasharray="2 2"/></svg>',
        "Share of assessed need met, one bar per client; the dashed line is 100 %",
        width,
        height,
        width,
        height,
        bars,
        f"{name_w + full:.1f}",
        f"{name_w + full:.1f}",
        height,
    )
