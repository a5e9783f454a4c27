"""Open places and swaps: taking a place under a row lock (exactly one of two people pressing at
once wins), offering a visit to a colleague or the circle, and a team leader's decision when a
working-time rule would be broken."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from carecircle.audit.services import audit_record
from carecircle.circles.access import clients_visible_to, led_circles, parse_uuid
from carecircle.people.access import carer_of
from carecircle.people.models import INFORMAL_KINDS, Carer
from carecircle.rota.engine_adapter import circle_carers
from carecircle.rota.models import (
    Assignment,
    AssignmentStatus,
    CoverOffer,
    OfferStatus,
    SwapOffer,
    Visit,
    VisitStatus,
)
from carecircle.rota.rules import Finding, check_change, check_many
from carecircle.rota.selectors import week_start as monday_of
from carecircle.rota.services.common import (
    _carer,
    _lock_carers,
    _lock_visit,
    _must_be_future,
    _notify,
    _place_filled,
    _published,
    _rule_error,
    _soon,
    _visible_to_carer,
    _when,
    carer_circles,
)
from carecircle.rota.signals import swap_needs_approval, swap_settled


def rostered_weeks(circle_ids, start: date, end: date) -> set[tuple[int, date]]:
    """(circle, Monday) pairs whose rota is out: some visit that week has a published carer.
    A week not rostered yet has no "open places" — the team drafts it with the engine first."""
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
        people = [to_carer] if to_carer else carers_to_ask(visit, exclude=carer)
        for other in people:
            transaction.on_commit(
                # mypy cannot type a lambda whose defaults bind the loop's values
                lambda u=other.user: _notify(  # type: ignore[misc]
                    u, subject, url=url, body=offer.message, urgent=_soon(visit, now)
                )
            )
    return offer


def carers_to_ask(visit: Visit, *, exclude: Carer) -> list[Carer]:
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
    assert offer.taken_by is not None  # asked once a carer has taken the visit
    visit = offer.visit
    swap_needs_approval.send(
        sender=SwapOffer,
        offer=offer,
        subject=f"{offer.taken_by.name} would take {offer.from_carer.name}'s visit to "
        f"{visit.client} {_when(visit)}, but a rule would be broken",
        reasons=[f.text for f in findings],
        now=now,
    )


def swap_decide(*, actor, offer_id, approve: bool, reason: str = "", now=None) -> SwapOffer:
    """A team leader allows a swap that breaks a working-time rule, or says no (with a reason)."""
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
        assert offer.taken_by is not None  # a swap waiting for a decision has been taken
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
        swap_settled.send(sender=SwapOffer, offer=offer, visit=visit, resolution=text, now=None)
        for user in (offer.from_carer.user, offer.taken_by.user):
            transaction.on_commit(
                # mypy cannot type a lambda whose defaults bind the loop's values
                lambda u=user: _notify(u, f"Swap of {visit.client}'s visit {_when(visit)}: {text}")  # type: ignore[misc]
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
        swap_settled.send(
            sender=SwapOffer, offer=offer, visit=offer.visit, resolution="Withdrawn.", now=None
        )
    return offer


# ---------------------------------------------------------------------------- expiry


def _started(now) -> Q:
    return Q(visit__start__lte=now) | Q(visit__start__isnull=True, visit__window_start__lte=now)


def offers_expire(*, now=None) -> dict:
    """Offers nobody answered before the visit started can no longer be answered: mark them
    expired (run by the worker's tick) so no list shows them as waiting, and close a swap's
    request to the team leaders with the reason. Safe to run twice."""

    now = now or timezone.now()
    with transaction.atomic():
        swaps = list(
            SwapOffer.objects.select_for_update(of=("self",))
            .filter(_started(now), status__in=[OfferStatus.OPEN, OfferStatus.NEEDS_APPROVAL])
            .select_related("visit__circle", "from_carer__user")
        )
        for offer in swaps:
            waited_for_leaders = offer.status == OfferStatus.NEEDS_APPROVAL
            offer.status, offer.answered_at = OfferStatus.EXPIRED, now
            offer.save(update_fields=["status", "answered_at"])
            if waited_for_leaders:
                swap_settled.send(
                    sender=SwapOffer,
                    offer=offer,
                    visit=offer.visit,
                    resolution="Not decided before the visit started; the swap offer expired and "
                    f"{offer.from_carer.name} stayed on the visit.",
                    now=now,
                )
        cover = CoverOffer.objects.filter(_started(now), status=OfferStatus.OPEN).update(
            status=OfferStatus.EXPIRED, answered_at=now
        )
    return {"swaps": len(swaps), "cover": cover}
