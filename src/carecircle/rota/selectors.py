"""Reads for the rota pages: a carer's day, a circle's week, coverage figures, what a carer is
asked and offered, a draft's review."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from carecircle.circles.access import active_memberships, clients_visible_to
from carecircle.circles.models import Circle, MembershipRole
from carecircle.people.access import carer_of
from carecircle.people.models import Carer, Client
from carecircle.rota.models import (
    Absence,
    Assignment,
    AssignmentStatus,
    AvailabilityException,
    AvailabilityRule,
    CoverOffer,
    DraftStatus,
    KeptTime,
    KeptTimeUse,
    OfferStatus,
    Release,
    RotaDraft,
    SwapOffer,
    Visit,
    VisitStatus,
)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _with_people(qs: QuerySet[Visit], *, drafts: bool = False) -> QuerySet[Visit]:
    """Visits with their carers. Only published assignments count as who is coming; a draft's
    assignments are shown only on the draft's own review (`drafts=True`)."""
    assignments = Assignment.objects.select_related("carer__user").order_by(
        "carer__user__first_name"
    )
    if not drafts:
        assignments = assignments.filter(status=AssignmentStatus.PUBLISHED)
    return qs.select_related("client", "pattern").prefetch_related(
        Prefetch("assignments", queryset=assignments),
        "skills",
        "pattern__tasks",
    )


def visits_for_carer(*, carer: Carer, start: date, end: date) -> list[Visit]:
    qs = (
        Visit.objects.filter(
            assignments__carer=carer,
            assignments__status=AssignmentStatus.PUBLISHED,
            date__range=(start, end),
        )
        .exclude(status=VisitStatus.CANCELLED)
        .distinct()
    )
    return list(_with_people(qs).order_by("window_start"))


def visits_for_client(*, client: Client, start: date, end: date) -> list[Visit]:
    qs = Visit.objects.filter(client=client, date__range=(start, end)).exclude(
        status=VisitStatus.CANCELLED
    )
    return list(_with_people(qs).order_by("window_start"))


@dataclass
class BoardRow:
    client: Client
    cells: list[list[Visit]] = field(default_factory=list)


def board_week(*, circle, start: date, clients=None) -> tuple[list[date], list[BoardRow]]:
    """The week as a grid of clients × days; each cell holds that day's visits in order.

    `clients` narrows the rows to those the viewer may see (an informal carer sees only the
    clients they help)."""
    days = [start + timedelta(days=i) for i in range(7)]
    people = clients if clients is not None else circle.clients.all()
    rows: dict[int, BoardRow] = {
        c.id: BoardRow(client=c, cells=[[] for _ in days])
        for c in people.order_by("last_name", "first_name")
    }
    visits = _with_people(
        Visit.objects.filter(
            circle=circle, client_id__in=list(rows), date__range=(days[0], days[-1])
        ).exclude(status=VisitStatus.CANCELLED)
    ).order_by("window_start")
    for visit in visits:
        row = rows.get(visit.client_id)
        if row is not None:
            row.cells[(visit.date - days[0]).days].append(visit)
    return days, list(rows.values())


def open_places(visit: Visit) -> int:
    """Places nobody fills yet (uses prefetched assignments when present)."""
    return max(0, visit.carers_needed - len(visit.assignments.all()))


@dataclass(frozen=True)
class Coverage:
    visits: int
    places: int
    filled: int

    @property
    def open(self) -> int:
        return self.places - self.filled

    @property
    def percent(self) -> int:
        return 100 if self.places == 0 else int(100 * self.filled / self.places)


def coverage(*, circle, start: date, end: date) -> Coverage:
    rows = (
        Visit.objects.filter(circle=circle, date__range=(start, end))
        .exclude(status__in=[VisitStatus.CANCELLED, VisitStatus.RELEASED])
        .annotate(n=Count("assignments", filter=Q(assignments__status="published")))
        .values_list("carers_needed", "n")
    )
    places = filled = visits = 0
    for needed, n in rows:
        visits += 1
        places += needed
        filled += min(needed, n)
    return Coverage(visits=visits, places=places, filled=filled)


@dataclass(frozen=True)
class DraftLine:
    visit: Visit
    carers: list[str]
    why: list[str]
    new: bool


@dataclass(frozen=True)
class DraftReview:
    lines: list[DraftLine]
    gaps: list[tuple[Visit, int, str]]
    carers_per_client: dict[str, int]


def draft_review(*, draft, user=None) -> DraftReview:
    """The draft as a team leader reads it: who goes where and why, and the places left open."""
    end = draft.week_start + timedelta(days=6)
    qs = Visit.objects.filter(circle=draft.circle, date__range=(draft.week_start, end))
    if user is not None:
        qs = qs.filter(client__in=clients_visible_to(user))
    visits = list(
        _with_people(qs.exclude(status=VisitStatus.CANCELLED), drafts=True).order_by("window_start")
    )
    by_id = {str(v.public_id): v for v in visits}
    lines: list[DraftLine] = []
    per_client: dict[str, set[int]] = {}
    for visit in visits:
        assigned = list(visit.assignments.all())
        lines.append(
            DraftLine(
                visit=visit,
                carers=[a.carer.name for a in assigned],
                why=[f"{a.carer.name}: {a.why}" for a in assigned if a.why],
                new=any(a.draft_id == draft.id for a in assigned),
            )
        )
        per_client.setdefault(str(visit.client), set()).update(a.carer_id for a in assigned)
    gaps = [
        (by_id[u["visit"]], u["missing"], u["reason"])
        for u in draft.unfilled
        if u["visit"] in by_id
    ]
    return DraftReview(
        lines=lines, gaps=gaps, carers_per_client={k: len(v) for k, v in per_client.items()}
    )


def carer_circles(carer: Carer) -> QuerySet[Circle]:
    """The circles the carer now works in as a carer."""
    ids = active_memberships(carer.user, role=MembershipRole.CARER).values("circle_id")
    return Circle.objects.filter(id__in=ids)


def is_circle_carer(user, circle) -> bool:
    carer = carer_of(user)
    return carer is not None and carer_circles(carer).filter(pk=circle.pk).exists()


def open_draft_for(*, circle, week: date) -> RotaDraft | None:
    """The draft of that week being made or waiting for review, if any."""
    return RotaDraft.objects.filter(
        circle=circle,
        week_start=week,
        status__in=[DraftStatus.QUEUED, DraftStatus.RUNNING, DraftStatus.READY],
    ).first()


@dataclass(frozen=True)
class DayOffers:
    """What My day shows beyond the visits: offers to answer, offers made, kept time."""

    cover_offers: list[CoverOffer]
    swap_offers: list[SwapOffer]
    my_offers: list[SwapOffer]
    kept: list[KeptTime]


def offers_for_carer(*, carer: Carer, user, now: datetime) -> DayOffers:
    cover = CoverOffer.objects.filter(
        carer=carer, status=OfferStatus.OPEN, visit__window_start__gt=now
    ).select_related("visit__client", "absence__carer__user")
    open_swaps = SwapOffer.objects.filter(
        status=OfferStatus.OPEN, visit__window_start__gt=now
    ).select_related("visit__client", "from_carer__user")
    to_me = open_swaps.filter(to_carer=carer)
    # Offers to the whole circle: only for clients this person may see (an informal carer helps
    # only some), filtered in the query rather than per offer.
    to_circle = open_swaps.filter(
        to_carer__isnull=True,
        visit__circle__in=carer_circles(carer),
        visit__client__in=clients_visible_to(user),
    ).exclude(from_carer=carer)
    mine = SwapOffer.objects.filter(
        from_carer=carer, status__in=[OfferStatus.OPEN, OfferStatus.NEEDS_APPROVAL]
    ).select_related("visit__client", "to_carer__user")
    kept = KeptTime.objects.filter(
        carer=carer, use=KeptTimeUse.UNDECIDED, starts_at__gt=now - timedelta(days=1)
    ).select_related("visit__client")
    return DayOffers(
        cover_offers=list(cover),
        swap_offers=list(to_me) + list(to_circle),
        my_offers=list(mine),
        kept=list(kept),
    )


def absence_freed_visits(absence: Absence) -> list[Visit]:
    """The visits an absence left open, with who covers them now and who was asked."""
    return list(
        Visit.objects.filter(public_id__in=absence.proposal.get("freed", []))
        .select_related("client")
        .prefetch_related("assignments__carer__user", "cover_offers__carer__user")
        .order_by("window_start")
    )


def releases_ahead(*, client: Client, now: datetime) -> QuerySet[Release]:
    """The client's releases not undone and not yet over."""
    return Release.objects.filter(client=client, undone_at__isnull=True, ends_at__gt=now)


def availability_of(
    *, carer: Carer, today: date
) -> tuple[list[list[AvailabilityRule]], list[AvailabilityException]]:
    """The carer's weekly pattern, by weekday (0 is Monday), and their exceptions from today."""
    rules = list(AvailabilityRule.objects.filter(carer=carer).prefetch_related("for_clients"))
    by_day = [[r for r in rules if r.weekday == i] for i in range(7)]
    exceptions = list(AvailabilityException.objects.filter(carer=carer, date__gte=today))
    return by_day, exceptions


def _past_visits_of(*, carer, now: datetime) -> QuerySet[Visit]:
    return Visit.objects.filter(
        window_start__lt=now,
        assignments__carer=carer,
        assignments__status=AssignmentStatus.PUBLISHED,
    ).exclude(status__in=[VisitStatus.CANCELLED, VisitStatus.RELEASED])


def last_visit_start(*, carer: Carer | None, client: Client, now: datetime) -> datetime | None:
    """When the carer's last visit to the client began (None for someone who is not a carer or
    has not been): the plan panel shows what changed since."""
    if carer is None:
        return None
    return (
        _past_visits_of(carer=carer, now=now)
        .filter(client=client)
        .order_by("-window_start")
        .values_list("window_start", flat=True)
        .first()
    )


def last_visits(*, carer: Carer, clients, now: datetime) -> dict[int, datetime]:
    """Per client (by id), when the carer's last visit to them began. One query."""
    return dict(
        _past_visits_of(carer=carer, now=now)
        .filter(client_id__in={c.pk for c in clients})
        .values("client_id")
        .annotate(at=Max("window_start"))
        .values_list("client_id", "at")
    )
