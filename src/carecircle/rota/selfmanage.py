"""Writes that let a circle run itself: claiming open places, swaps, absences covered by the
circle, visits released by the client, and each carer's availability.

Every write checks who may do it, keeps the engine's rules (through `rota.rules.check_change`),
audits what touches a client's visits, and runs in one transaction. Places are taken under a row
lock on the visit (and on the carer), so when two people press "Take it" at once exactly one wins
and the other is told who has it."""

from __future__ import annotations

import logging
import time as clock
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from carecircle.circles.access import active_memberships, parse_uuid
from carecircle.circles.models import Circle, EscalationKind, EscalationLevel, MembershipRole
from carecircle.people.access import carer_of, clients_visible_to
from carecircle.people.models import INFORMAL_KINDS, Carer, Client
from carecircle.rota.models import (
    Absence,
    AbsenceKind,
    Assignment,
    AssignmentStatus,
    AvailabilityException,
    AvailabilityRule,
    CoverOffer,
    KeptTime,
    KeptTimeUse,
    OfferStatus,
    Release,
    SwapOffer,
    Visit,
    VisitStatus,
)
from carecircle.rota.rules import Finding, check_change
from carecircle.safeguarding.services import audit_record

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------- helpers


def _carer(actor) -> Carer:
    carer = carer_of(actor)
    if carer is None:
        raise PermissionDenied("Only carers can do this.")
    return carer


def carer_circles(carer: Carer):
    ids = active_memberships(carer.user, role=MembershipRole.CARER).values("circle_id")
    return Circle.objects.filter(id__in=ids)


def _lock_carers(*carers: Carer) -> None:
    ids = sorted({c.pk for c in carers if c is not None})
    list(Carer.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


def _lock_visit(visit_id) -> Visit:
    visit = (
        Visit.objects.select_for_update()
        .filter(public_id=parse_uuid(visit_id))
        .select_related("circle__organisation", "client")
        .first()
    )
    if visit is None:
        raise ValidationError({"visit": "That visit no longer exists."})
    return visit


def _published(visit: Visit):
    return visit.assignments.filter(status=AssignmentStatus.PUBLISHED).select_related("carer__user")


def _must_be_future(visit: Visit, now) -> None:
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError(
            {"visit": f"This visit is {visit.get_status_display().lower()}; it needs nobody."}
        )
    if (visit.start or visit.window_start) <= now:
        raise ValidationError({"visit": "This visit has already started."})


def _visible_to_carer(carer: Carer, visit: Visit) -> None:
    if not carer_circles(carer).filter(pk=visit.circle_id).exists():
        raise ValidationError({"visit": "This visit is in a circle you are not part of."})
    if not clients_visible_to(carer.user).filter(pk=visit.client_id).exists():
        raise ValidationError({"visit": "You do not care for this client."})


def _rule_error(findings: list[Finding], field: str = "visit") -> ValidationError:
    return ValidationError({field: [f.text for f in findings]})


def _when(visit: Visit) -> str:
    return timezone.localtime(visit.start or visit.window_start).strftime("%a %-d %b %H:%M")


def _notify(user, subject: str, *, url: str = "", body: str = "", urgent: bool = False) -> None:
    from carecircle.alerts.notifications import notify

    notify(user=user, subject=subject, body=body, url=url, urgent=urgent)


def _soon(visit: Visit, now) -> bool:
    return (visit.start or visit.window_start) - now < timedelta(hours=24)


def _place_filled(visit: Visit, *, by: Carer, now) -> None:
    """After someone joins a visit: close offers that are now moot and the ladder's escalation."""
    from carecircle.circles.escalations import escalation_resolve_key

    if _published(visit).count() >= visit.carers_needed:
        CoverOffer.objects.filter(visit=visit, status=OfferStatus.OPEN).exclude(carer=by).update(
            status=OfferStatus.TAKEN, answered_at=now
        )
        names = ", ".join(a.carer.name for a in _published(visit))
        escalation_resolve_key(
            circle=visit.circle, key=f"visit:{visit.public_id}", resolution=f"Covered by {names}."
        )


# ---------------------------------------------------------------------------- open places


def rostered_weeks(circle_ids, start: date, end: date) -> set[tuple[int, date]]:
    """(circle, Monday) pairs whose rota is out: some visit that week has a published carer.
    A week not rostered yet has no "open places" — the team drafts it with the engine first."""
    from carecircle.rota.selectors import week_start as monday_of

    days = Visit.objects.filter(
        circle_id__in=circle_ids,
        date__range=(monday_of(start), end),
        assignments__status=AssignmentStatus.PUBLISHED,
    ).values_list("circle_id", "date")
    return {(c, monday_of(d)) for c, d in days.distinct()}


def open_places_for(*, carer: Carer, start: date, end: date, now=None) -> list[tuple[Visit, list]]:
    """Open places in the carer's circles between two dates (in weeks whose rota is out), each
    with what would stop this carer taking it (an empty list: they can)."""
    from django.db.models import Count, F

    from carecircle.rota.rules import check_many
    from carecircle.rota.selectors import week_start as monday_of

    now = now or timezone.now()
    circles = list(carer_circles(carer).values_list("id", flat=True))
    visits = list(
        Visit.objects.filter(
            circle_id__in=circles,
            client__in=clients_visible_to(carer.user),
            date__range=(start, end),
            status=VisitStatus.PLANNED,
            window_start__gt=now,
        )
        .annotate(n=Count("assignments", filter=Q(assignments__status=AssignmentStatus.PUBLISHED)))
        .filter(n__lt=F("carers_needed"))
        .exclude(assignments__carer=carer)
        .select_related("client", "circle")
        .order_by("window_start")
    )
    out = rostered_weeks(circles, start, end)
    visits = [v for v in visits if (v.circle_id, monday_of(v.date)) in out]
    findings = check_many(carer=carer, visits=visits, now=now)
    return [(v, findings[v.pk]) for v in visits]


def place_claim(*, actor, visit_id, now=None) -> Assignment:
    """Take an open place. Exactly one of two people pressing at once gets it."""
    now = now or timezone.now()
    carer = _carer(actor)
    with transaction.atomic():
        _lock_carers(carer)
        visit = _lock_visit(visit_id)
        _visible_to_carer(carer, visit)
        _must_be_future(visit, now)
        on_it = list(_published(visit))
        if any(a.carer_id == carer.pk for a in on_it):
            raise ValidationError({"visit": "You are already on this visit."})
        if len(on_it) >= visit.carers_needed:
            names = " and ".join(a.carer.name for a in on_it)
            raise ValidationError(
                {"visit": f"Too late: {names} took this place first. Nothing was changed for you."}
            )
        findings = check_change(visit=visit, add=carer, now=now)
        if findings:
            raise _rule_error(findings)
        Assignment.objects.filter(visit=visit, carer=carer).delete()  # a stale draft row
        assignment = Assignment.objects.create(
            visit=visit, carer=carer, status=AssignmentStatus.PUBLISHED, why="took the open place"
        )
        CoverOffer.objects.filter(visit=visit, carer=carer, status=OfferStatus.OPEN).update(
            status=OfferStatus.ACCEPTED, answered_at=now
        )
        audit_record(actor=actor, action="claim_place", obj=visit, client=visit.client, detail={})
        _place_filled(visit, by=carer, now=now)
    return assignment


# ---------------------------------------------------------------------------- swaps


def swap_offer(*, actor, visit_id, to_carer_id=None, message: str = "", now=None) -> SwapOffer:
    """Offer one of my visits to a named colleague, or to the whole circle (to_carer_id None).
    I keep the visit until someone takes it."""
    now = now or timezone.now()
    carer = _carer(actor)
    with transaction.atomic():
        visit = _lock_visit(visit_id)
        _must_be_future(visit, now)
        if not _published(visit).filter(carer=carer).exists():
            raise ValidationError({"visit": "You can only offer a visit you are on."})
        to_carer = None
        if to_carer_id:
            to_carer = Carer.objects.filter(public_id=parse_uuid(to_carer_id)).first()
            if to_carer is None or not carer_circles(to_carer).filter(pk=visit.circle_id).exists():
                raise ValidationError({"to": "Choose a carer from this circle."})
            if to_carer == carer:
                raise ValidationError({"to": "Choose someone other than yourself."})
            if _published(visit).filter(carer=to_carer).exists():
                raise ValidationError({"to": f"{to_carer.name} is already on this visit."})
        if SwapOffer.objects.filter(
            visit=visit, from_carer=carer, status__in=[OfferStatus.OPEN, OfferStatus.NEEDS_APPROVAL]
        ).exists():
            raise ValidationError({"visit": "You have already offered this visit."})
        offer = SwapOffer.objects.create(
            visit=visit, from_carer=carer, to_carer=to_carer, message=message.strip()[:200]
        )
        audit_record(actor=actor, action="offer_swap", obj=visit, client=visit.client)
        url = reverse("swap_offer", args=[offer.public_id])
        subject = f"{carer.name} asks if you can take {visit.client}'s visit {_when(visit)}"
        people = [to_carer] if to_carer else _circle_carers(visit, exclude=carer)
        for other in people:
            transaction.on_commit(
                lambda u=other.user: _notify(
                    u, subject, url=url, body=offer.message, urgent=_soon(visit, now)
                )
            )
    return offer


def _circle_carers(visit: Visit, *, exclude: Carer) -> list[Carer]:
    from carecircle.rota.engine_adapter import circle_carers

    visible = set(
        Carer.objects.filter(user__in=[c.user for c in circle_carers(visit.circle, visit.date)])
        .exclude(pk=exclude.pk)
        .filter(~Q(kind__in=INFORMAL_KINDS) | Q(helps_clients=visit.client))
        .values_list("pk", flat=True)
    )
    return list(Carer.objects.filter(pk__in=visible).select_related("user"))


def access_swap(actor, offer_id) -> SwapOffer:
    from django.http import Http404

    offer = (
        SwapOffer.objects.filter(public_id=parse_uuid(offer_id))
        .select_related("visit__client", "visit__circle", "from_carer__user", "to_carer__user")
        .first()
    )
    if offer is None:
        raise Http404("No such offer.")
    carer = carer_of(actor)
    from carecircle.circles.access import led_circles

    if led_circles(actor).filter(pk=offer.visit.circle_id).exists():
        return offer
    if carer is not None and (
        offer.from_carer_id == carer.pk
        or offer.to_carer_id == carer.pk
        or (
            offer.to_carer_id is None
            and carer_circles(carer).filter(pk=offer.visit.circle_id).exists()
            and clients_visible_to(actor).filter(pk=offer.visit.client_id).exists()
        )
    ):
        return offer
    raise Http404("No such offer.")


def swap_accept(*, actor, offer_id, now=None) -> SwapOffer:
    """Take a visit offered to me (or to the circle). The checker decides: within the rules it
    is mine at once; a working-time rule broken asks a team leader; skills and the client's
    wishes are never overridden."""
    now = now or timezone.now()
    carer = _carer(actor)
    offer = access_swap(actor, offer_id)
    with transaction.atomic():
        _lock_carers(carer, offer.from_carer)
        visit = _lock_visit(offer.visit.public_id)
        offer = SwapOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.status != OfferStatus.OPEN:
            raise ValidationError(
                {"offer": f"This offer is no longer open ({offer.get_status_display().lower()})."}
            )
        if offer.to_carer_id not in (None, carer.pk) or offer.from_carer_id == carer.pk:
            raise PermissionDenied("This offer is not for you.")
        _must_be_future(visit, now)
        if not _published(visit).filter(carer=offer.from_carer).exists():
            offer.status, offer.answered_at = OfferStatus.WITHDRAWN, now
            offer.save(update_fields=["status", "answered_at"])
            raise ValidationError({"offer": "The visit is no longer theirs to give."})
        findings = check_change(visit=visit, add=carer, remove=offer.from_carer, now=now)
        never = [f for f in findings if not f.approvable]
        if never:
            raise _rule_error(never, "offer")
        offer.taken_by, offer.answered_at = carer, now
        if findings:
            offer.status = OfferStatus.NEEDS_APPROVAL
            offer.broken_rules = [f.text for f in findings]
            offer.save()
            _ask_team_leaders(offer, findings, now=now)
            return offer
        _move(visit, offer.from_carer, carer)
        offer.status = OfferStatus.ACCEPTED
        offer.save()
        audit_record(actor=actor, action="accept_swap", obj=visit, client=visit.client)
        transaction.on_commit(
            lambda: _notify(
                offer.from_carer.user,
                f"{carer.name} takes {visit.client}'s visit {_when(visit)}",
                url=reverse("my_day"),
            )
        )
    return offer


def _move(visit: Visit, old: Carer, new: Carer) -> None:
    Assignment.objects.filter(visit=visit, carer=new).delete()
    Assignment.objects.filter(visit=visit, carer=old, status=AssignmentStatus.PUBLISHED).update(
        carer=new, why=f"swapped with {old.name}"
    )


def _ask_team_leaders(offer: SwapOffer, findings: list[Finding], *, now) -> None:
    from carecircle.circles.escalations import escalation_open

    visit = offer.visit
    escalation_open(
        circle=visit.circle,
        kind=EscalationKind.SWAP_APPROVAL,
        key=f"swap:{offer.public_id}",
        subject=f"{offer.taken_by.name} would take {offer.from_carer.name}'s visit to "
        f"{visit.client} {_when(visit)}, but a rule would be broken",
        reasons=[f.text for f in findings],
        level=EscalationLevel.TEAM_LEADERS,
        visit=visit,
        url=reverse("swap_offer", args=[offer.public_id]),
        now=now,
    )


def swap_decide(*, actor, offer_id, approve: bool, reason: str = "", now=None) -> SwapOffer:
    """A team leader allows a swap that breaks a working-time rule, or says no (with a reason)."""
    from carecircle.circles.access import led_circles
    from carecircle.circles.escalations import escalation_resolve_key

    now = now or timezone.now()
    offer = access_swap(actor, offer_id)
    if not led_circles(actor).filter(pk=offer.visit.circle_id).exists():
        raise PermissionDenied("Only the circle's team leaders decide this.")
    if not approve and not reason.strip():
        raise ValidationError({"reason": "Say why, so the carers know what to do instead."})
    with transaction.atomic():
        _lock_carers(offer.from_carer, offer.taken_by)
        visit = _lock_visit(offer.visit.public_id)
        offer = SwapOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.status != OfferStatus.NEEDS_APPROVAL:
            raise ValidationError({"offer": "This swap is not waiting for a decision."})
        offer.decided_by, offer.answered_at = actor, now
        if approve:
            _must_be_future(visit, now)
            never = [
                f
                for f in check_change(visit=visit, add=offer.taken_by, remove=offer.from_carer)
                if not f.approvable
            ]
            if never:
                raise _rule_error(never, "offer")
            _move(visit, offer.from_carer, offer.taken_by)
            offer.status = OfferStatus.ACCEPTED
            text = f"Approved by {actor.get_full_name()}."
        else:
            offer.status, offer.decline_reason = OfferStatus.REJECTED, reason.strip()[:200]
            text = f"Not approved by {actor.get_full_name()}: {offer.decline_reason}"
        offer.save()
        audit_record(
            actor=actor,
            action="approve_swap" if approve else "reject_swap",
            obj=visit,
            client=visit.client,
            detail={"broken_rules": offer.broken_rules},
        )
        escalation_resolve_key(circle=visit.circle, key=f"swap:{offer.public_id}", resolution=text)
        for user in (offer.from_carer.user, offer.taken_by.user):
            transaction.on_commit(
                lambda u=user: _notify(u, f"Swap of {visit.client}'s visit {_when(visit)}: {text}")
            )
    return offer


def swap_decline(*, actor, offer_id, reason: str, now=None) -> SwapOffer:
    now = now or timezone.now()
    carer = _carer(actor)
    offer = access_swap(actor, offer_id)
    if offer.to_carer_id != carer.pk:
        raise PermissionDenied("Only the person it was offered to can decline it.")
    with transaction.atomic():
        offer = SwapOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.status != OfferStatus.OPEN:
            raise ValidationError({"offer": "This offer is no longer open."})
        offer.status, offer.answered_at = OfferStatus.DECLINED, now
        offer.decline_reason = (reason or "").strip()[:200]
        offer.save()
        transaction.on_commit(
            lambda: _notify(
                offer.from_carer.user,
                f"{carer.name} cannot take {offer.visit.client}'s visit {_when(offer.visit)}",
                body=offer.decline_reason,
                url=reverse("my_day"),
            )
        )
    return offer


def swap_withdraw(*, actor, offer_id, now=None) -> SwapOffer:
    now = now or timezone.now()
    carer = _carer(actor)
    offer = access_swap(actor, offer_id)
    if offer.from_carer_id != carer.pk:
        raise PermissionDenied("Only the person who offered it can withdraw it.")
    with transaction.atomic():
        offer = SwapOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.status not in (OfferStatus.OPEN, OfferStatus.NEEDS_APPROVAL):
            raise ValidationError({"offer": "This offer is already settled."})
        offer.status, offer.answered_at = OfferStatus.WITHDRAWN, now
        offer.save(update_fields=["status", "answered_at"])
        from carecircle.circles.escalations import escalation_resolve_key

        escalation_resolve_key(
            circle=offer.visit.circle, key=f"swap:{offer.public_id}", resolution="Withdrawn."
        )
    return offer


# ---------------------------------------------------------------------------- absences and cover


def absence_report(
    *,
    actor,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    note: str = "",
    carer=None,
    now=None,
) -> Absence:
    """A carer (or their team leader) reports an absence. Their places in it are freed at once,
    the engine proposes cover that keeps everything else as it is, and the proposed carers are
    asked. Places nobody is proposed for stay open on the board and go up the ladder in time."""
    from carecircle.circles.access import led_circles

    now = now or timezone.now()
    me = carer_of(actor)
    if carer is None:
        carer = _carer(actor)
    elif carer != me and not led_circles(actor).filter(pk__in=carer_circles(carer)).exists():
        raise PermissionDenied("Only the carer or their team leader can report this absence.")
    if kind not in AbsenceKind.values:
        raise ValidationError(
            {"kind": f"Choose one of: {', '.join(str(x) for x in AbsenceKind.labels)}."}
        )
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The absence must end after it starts."})
    if ends_at <= now:
        raise ValidationError({"ends_at": "This absence is already over; nothing to cover."})
    if ends_at - starts_at > timedelta(days=92):
        raise ValidationError({"ends_at": "Report at most three months at a time."})
    with transaction.atomic():
        _lock_carers(carer)
        absence = Absence.objects.create(
            carer=carer,
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            note=note.strip()[:200],
            reported_by=actor,
        )
        freed = list(
            Assignment.objects.filter(
                carer=carer,
                status=AssignmentStatus.PUBLISHED,
                visit__status=VisitStatus.PLANNED,
                visit__window_start__gte=max(now, starts_at - timedelta(hours=4)),
                visit__window_start__lt=ends_at,
            ).select_related("visit__client", "visit__circle")
        )
        freed = [
            a
            for a in freed
            if (a.visit.start or a.visit.window_start) < ends_at
            and a.visit.planned_end > starts_at
            and (a.visit.start or a.visit.window_start) > now
        ]
        visits = [a.visit for a in freed]
        for a in freed:
            audit_record(
                actor=actor,
                action="absence_frees_place",
                obj=a.visit,
                client=a.visit.client,
                detail={"carer": str(carer.public_id), "kind": kind},
            )
        Assignment.objects.filter(pk__in=[a.pk for a in freed]).delete()
        absence.proposal = {"freed": [str(v.public_id) for v in visits]}
        absence.save(update_fields=["proposal"])
    propose_cover(absence=absence, visits=visits, now=now)
    absence.refresh_from_db()
    return absence


def propose_cover(*, absence: Absence, visits: list[Visit], now=None) -> dict:
    """Ask the rota engine's repair for cover of the freed places and offer them to the
    proposed carers. Every other published visit is held as it is."""
    from carecircle import engine
    from carecircle.rota.engine_adapter import build_circle_week
    from carecircle.rota.selectors import week_start as monday_of

    now = now or timezone.now()
    began = clock.perf_counter()
    by_week: dict[tuple[int, date], list[Visit]] = {}
    for v in visits:
        by_week.setdefault((v.circle_id, monday_of(v.date)), []).append(v)
    offers, unfilled, status = [], [], []
    for (_, monday), group in sorted(by_week.items(), key=lambda kv: kv[0][1]):
        ids = frozenset(str(v.public_id) for v in group)
        week = build_circle_week(
            circle=group[0].circle, week_start=monday, now=now, open_visits=ids
        )
        problem = week.problem
        # The freed places are the only ones left to choose; everything else stays put.
        solution = engine.repair(
            problem,
            week.current,
            engine.Settings(
                time_limit_s=settings.COVER_TIME_LIMIT_S, workers=1, deterministic=True
            ),
        )
        status.append(solution.status)
        held = {a.visit: set(a.carers) for a in week.current}
        for a in solution.assignments:
            if a.visit not in ids:
                continue
            visit = week.visits[a.visit]
            for carer_id in sorted(set(a.carers) - held.get(a.visit, set())):
                carer = week.carers[carer_id]
                offers.append(
                    CoverOffer(
                        absence=absence,
                        visit=visit,
                        carer=carer,
                        why=((a.why or {}).get(carer_id) or "")[:200],
                    )
                )
        unfilled += [u.visit for u in solution.unfilled if u.visit in ids]
    with transaction.atomic():
        CoverOffer.objects.bulk_create(offers, ignore_conflicts=True)
        seconds = round(clock.perf_counter() - began, 3)
        Absence.objects.filter(pk=absence.pk).update(
            proposed_at=timezone.now(),
            proposal={
                **absence.proposal,
                "offers": len(offers),
                "unfilled": unfilled,
                "seconds": seconds,
                "status": status,
            },
        )
        for offer in offers:
            visit = offer.visit
            transaction.on_commit(
                lambda o=offer, v=visit: _notify(
                    o.carer.user,
                    f"Can you cover {v.client}'s visit {_when(v)}? {absence.carer.name} is away.",
                    body=f"The rota engine suggests you: {o.why or 'you are free and able'}.",
                    url=reverse("my_day") + "#offers",
                    urgent=_soon(v, now),
                )
            )
    return {"offers": len(offers), "unfilled": unfilled, "seconds": seconds}


def access_cover_offer(actor, offer_id) -> CoverOffer:
    from django.http import Http404

    carer = carer_of(actor)
    offer = (
        CoverOffer.objects.filter(public_id=parse_uuid(offer_id), carer=carer)
        .select_related("visit__client", "visit__circle", "absence__carer__user")
        .first()
    )
    if offer is None:
        raise Http404("No such offer.")
    return offer


def cover_accept(*, actor, offer_id, now=None) -> CoverOffer:
    now = now or timezone.now()
    offer = access_cover_offer(actor, offer_id)
    if offer.status != OfferStatus.OPEN:
        raise ValidationError(
            {"offer": f"This offer is no longer open ({offer.get_status_display().lower()})."}
        )
    place_claim(actor=actor, visit_id=offer.visit.public_id, now=now)
    offer.refresh_from_db()
    if offer.absence_id:
        _notify(
            offer.absence.carer.user,
            f"{offer.carer.name} covers {offer.visit.client}'s visit {_when(offer.visit)}",
            url=reverse("my_day"),
        )
    return offer


def cover_decline(*, actor, offer_id, reason: str, now=None) -> CoverOffer:
    now = now or timezone.now()
    offer = access_cover_offer(actor, offer_id)
    with transaction.atomic():
        offer = CoverOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.status != OfferStatus.OPEN:
            raise ValidationError({"offer": "This offer is no longer open."})
        offer.status, offer.answered_at = OfferStatus.DECLINED, now
        offer.decline_reason = (reason or "").strip()[:200]
        offer.save()
    return offer


def absence_withdraw(*, actor, absence_id, now=None) -> Absence:
    """Undo an absence reported by mistake: the carer gets back every freed place nobody has
    taken yet, and the open cover offers are withdrawn."""
    now = now or timezone.now()
    absence = (
        Absence.objects.filter(public_id=parse_uuid(absence_id)).select_related("carer").first()
    )
    if absence is None or (
        absence.reported_by_id != actor.pk and absence.carer.user_id != actor.pk
    ):
        from django.http import Http404

        raise Http404("No such absence.")
    if absence.withdrawn_at:
        raise ValidationError({"absence": "This absence was already withdrawn."})
    restored = 0
    with transaction.atomic():
        _lock_carers(absence.carer)
        CoverOffer.objects.filter(absence=absence, status=OfferStatus.OPEN).update(
            status=OfferStatus.WITHDRAWN, answered_at=now
        )
        for vid in absence.proposal.get("freed", []):
            visit = Visit.objects.select_for_update().filter(public_id=vid).first()
            if visit is None or visit.status != VisitStatus.PLANNED or visit.window_start <= now:
                continue
            if _published(visit).count() >= visit.carers_needed:
                continue
            Assignment.objects.get_or_create(
                visit=visit,
                carer=absence.carer,
                defaults={"status": AssignmentStatus.PUBLISHED, "why": "absence withdrawn"},
            )
            restored += 1
        absence.withdrawn_at = now
        absence.ends_at = max(absence.starts_at + timedelta(minutes=1), min(absence.ends_at, now))
        absence.save(update_fields=["withdrawn_at", "ends_at"])
        absence.proposal = {**absence.proposal, "restored": restored}
        absence.save(update_fields=["proposal"])
    return absence


# ---------------------------------------------------------------------------- releases


def can_release(actor, client: Client) -> bool:
    if client.user_id == actor.pk:
        return True
    return client.representatives.filter(user=actor).exists()


def release_visits(
    *, actor, client_id, starts_at: datetime, ends_at: datetime, reason: str, now=None
) -> Release:
    """The client or their representative says no visit is needed (a family visit). The carers'
    planned time and pay are kept (KeptTime); each is asked how they want to use it."""
    now = now or timezone.now()
    client = clients_visible_to(actor).filter(public_id=parse_uuid(client_id)).first()
    if client is None or not can_release(actor, client):
        raise PermissionDenied(
            "Only the client or their representative can say a visit is not needed."
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why, for example “my son is visiting”."})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The period must end after it starts."})
    if starts_at < now - timedelta(minutes=1):
        starts_at = now
    with transaction.atomic():
        visits = list(
            Visit.objects.select_for_update()
            .filter(
                client=client,
                status=VisitStatus.PLANNED,
                window_start__gte=starts_at,
                window_start__lt=ends_at,
            )
            .order_by("window_start")
        )
        visits = [v for v in visits if (v.start or v.window_start) > now]
        if not visits:
            raise ValidationError(
                {"starts_at": "There are no planned visits in that time that have not started."}
            )
        release = Release.objects.create(
            client=client,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason[:200],
            released_by=actor,
        )
        for visit in visits:
            for a in _published(visit):
                KeptTime.objects.create(
                    release=release,
                    visit=visit,
                    carer=a.carer,
                    starts_at=visit.start or visit.window_start,
                    minutes=visit.duration_minutes,
                )
                transaction.on_commit(
                    lambda c=a.carer, v=visit: _notify(
                        c.user,
                        f"{v.client} does not need the visit {_when(v)} ({reason[:60]})",
                        body="Your planned time and pay are kept. Choose how to use the time: an extra "
                        "or social visit, covering a colleague, training — or it is yours.",
                        url=reverse("my_day") + "#kept",
                    )
                )
            visit.assignments.all().delete()
            visit.status, visit.release = VisitStatus.RELEASED, release
            visit.save(update_fields=["status", "release"])
            audit_record(
                actor=actor,
                action="release_visit",
                obj=visit,
                client=client,
                detail={"reason": reason[:200]},
            )
            CoverOffer.objects.filter(visit=visit, status=OfferStatus.OPEN).update(
                status=OfferStatus.WITHDRAWN, answered_at=now
            )
    return release


def release_undo(*, actor, release_id, now=None) -> Release:
    """Change of plan: the visits are wanted after all. Carers whose kept time is still unused
    get their visits back; any place that cannot be restored is left open for the circle."""
    now = now or timezone.now()
    release = (
        Release.objects.filter(public_id=parse_uuid(release_id)).select_related("client").first()
    )
    if release is None or not can_release(actor, release.client):
        from django.http import Http404

        raise Http404("No such release.")
    if release.undone_at:
        raise ValidationError({"release": "Already undone."})
    with transaction.atomic():
        for visit in Visit.objects.select_for_update().filter(release=release):
            if (visit.start or visit.window_start) <= now:
                continue
            visit.status = VisitStatus.PLANNED
            visit.save(update_fields=["status"])
            for kept in visit.kept_times.select_related("carer"):
                if kept.use in (KeptTimeUse.UNDECIDED, KeptTimeUse.FREE):
                    Assignment.objects.get_or_create(
                        visit=visit,
                        carer=kept.carer,
                        defaults={"status": AssignmentStatus.PUBLISHED, "why": "release undone"},
                    )
                    kept.delete()
            audit_record(actor=actor, action="release_undone", obj=visit, client=release.client)
        release.undone_at = now
        release.save(update_fields=["undone_at"])
    return release


def kept_time_options(kept: KeptTime, *, now=None) -> dict:
    """Ways a carer could use kept time: open places around that time, other clients to visit."""
    now = now or timezone.now()
    start = kept.starts_at
    places = [
        (v, findings)
        for v, findings in open_places_for(
            carer=kept.carer, start=start.date() - timedelta(days=0), end=start.date(), now=now
        )
        if abs(((v.start or v.window_start) - start).total_seconds()) <= 3 * 3600
    ]
    clients = (
        clients_visible_to(kept.carer.user)
        .filter(circle=kept.visit.circle)
        .exclude(pk=kept.visit.client_id)
    )
    return {"places": places, "clients": list(clients)}


def kept_time_use(
    *, actor, kept_id, use: str, visit_id=None, client_id=None, note: str = "", now=None
) -> KeptTime:
    now = now or timezone.now()
    carer = _carer(actor)
    kept = (
        KeptTime.objects.filter(public_id=parse_uuid(kept_id), carer=carer)
        .select_related("visit__circle", "visit__client")
        .first()
    )
    if kept is None:
        from django.http import Http404

        raise Http404("No such time.")
    if use not in KeptTimeUse.values or use == KeptTimeUse.UNDECIDED:
        raise ValidationError(
            {"use": "Choose: an extra or social visit, covering a colleague, training, or free."}
        )
    with transaction.atomic():
        kept = KeptTime.objects.select_for_update().get(pk=kept.pk)
        if kept.use not in (KeptTimeUse.UNDECIDED, KeptTimeUse.FREE, KeptTimeUse.TRAINING):
            raise ValidationError({"use": "You have already used this time for a visit."})
        used_for = None
        if use == KeptTimeUse.COVER:
            if not visit_id:
                raise ValidationError({"visit": "Choose the visit you will cover."})
            used_for = place_claim(actor=actor, visit_id=visit_id, now=now).visit
        elif use == KeptTimeUse.EXTRA_VISIT:
            client = (
                clients_visible_to(actor)
                .filter(
                    public_id=parse_uuid(client_id) if client_id else None, circle=kept.visit.circle
                )
                .first()
            )
            if client is None:
                raise ValidationError({"client": "Choose a client of this circle to visit."})
            if kept.starts_at <= now:
                raise ValidationError({"use": "This time has passed."})
            local = timezone.localtime(kept.starts_at)
            used_for = Visit.objects.create(
                client=client,
                circle=kept.visit.circle,
                name="Social visit",
                kind="social",
                date=local.date(),
                window_start=kept.starts_at,
                window_end=kept.starts_at,
                start=kept.starts_at,
                duration_minutes=kept.minutes,
            )
            findings = [f for f in check_change(visit=used_for, add=carer, now=now)]
            if findings:
                raise _rule_error(findings, "client")
            Assignment.objects.create(
                visit=used_for, carer=carer, status=AssignmentStatus.PUBLISHED, why="kept time"
            )
            audit_record(actor=actor, action="extra_visit", obj=used_for, client=client)
            if client.user_id:
                transaction.on_commit(
                    lambda: _notify(
                        client.user,
                        f"{carer.name} will pop in for a social visit {_when(used_for)}",
                    )
                )
        kept.use, kept.used_for, kept.note, kept.decided_at = use, used_for, note.strip()[:200], now
        kept.save()
    return kept


# ---------------------------------------------------------------------------- availability


def availability_rule_add(
    *, actor, weekday: int, start_time, end_time, offer: str = "", client_ids=(), valid_from=None
) -> AvailabilityRule:
    carer = _carer(actor)
    if weekday not in range(7):
        raise ValidationError({"weekday": "Choose a day from Monday to Sunday."})
    if end_time <= start_time:
        raise ValidationError({"end_time": "The end must be after the start (same day)."})
    overlapping = AvailabilityRule.objects.filter(
        carer=carer, weekday=weekday, start_time__lt=end_time, end_time__gt=start_time
    )
    if overlapping.exists():
        raise ValidationError({"start_time": "This overlaps a time you already gave for that day."})
    clients = []
    if client_ids:
        clients = (
            list(carer.helps_clients.filter(public_id__in=client_ids))
            if carer.is_informal
            else list(clients_visible_to(actor).filter(public_id__in=client_ids))
        )
        if len(clients) != len(set(client_ids)):
            raise ValidationError({"clients": "Choose only people you care for."})
    with transaction.atomic():
        rule = AvailabilityRule.objects.create(
            carer=carer,
            weekday=weekday,
            start_time=start_time,
            end_time=end_time,
            offer=offer.strip()[:200],
            valid_from=valid_from,
        )
        rule.for_clients.set(clients)
    return rule


def availability_rule_remove(*, actor, rule_id: int) -> None:
    carer = _carer(actor)
    deleted, _ = AvailabilityRule.objects.filter(carer=carer, pk=rule_id).delete()
    if not deleted:
        raise ValidationError({"rule": "That time is not in your pattern any more."})


def availability_exception_add(
    *, actor, day: date, available: bool, start_time=None, end_time=None, note: str = ""
) -> AvailabilityException:
    carer = _carer(actor)
    if day < timezone.localdate():
        raise ValidationError({"date": "Choose today or a later day."})
    if (start_time is None) != (end_time is None):
        raise ValidationError({"end_time": "Give both times, or neither for the whole day."})
    if start_time is not None and end_time <= start_time:
        raise ValidationError({"end_time": "The end must be after the start."})
    if available and start_time is None:
        raise ValidationError({"start_time": "Say when you can work that day."})
    return AvailabilityException.objects.create(
        carer=carer,
        date=day,
        available=available,
        start_time=start_time,
        end_time=end_time,
        note=note.strip()[:200],
    )


def availability_exception_remove(*, actor, exception_id: int) -> None:
    carer = _carer(actor)
    deleted, _ = AvailabilityException.objects.filter(carer=carer, pk=exception_id).delete()
    if not deleted:
        raise ValidationError({"exception": "That change is not there any more."})
