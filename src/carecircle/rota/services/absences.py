"""Absences covered by the circle: the carer's places are freed, the engine's repair proposes
cover that changes nothing else, and the proposed carers are asked."""

from __future__ import annotations

import time as clock
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from carecircle import engine
from carecircle.audit.services import audit_record
from carecircle.circles.access import led_circles, parse_uuid
from carecircle.people.access import carer_of
from carecircle.rota.engine_adapter import build_circle_week
from carecircle.rota.models import (
    Absence,
    AbsenceKind,
    Assignment,
    AssignmentStatus,
    CoverOffer,
    OfferStatus,
    Visit,
    VisitStatus,
)
from carecircle.rota.rules import check_change
from carecircle.rota.selectors import week_start as monday_of
from carecircle.rota.services.common import (
    _carer,
    _lock_carers,
    _lock_visit,
    _notify,
    _published,
    _soon,
    _when,
    carer_circles,
)
from carecircle.rota.services.places import carers_to_ask, place_claim


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
    now = now or timezone.now()
    began = clock.perf_counter()
    by_week: dict[tuple[int, date], list[Visit]] = {}
    for v in visits:
        by_week.setdefault((v.circle_id, monday_of(v.date)), []).append(v)
    offers, unfilled, status = [], [], []
    for (_, monday), group in sorted(by_week.items(), key=lambda kv: kv[0][1]):
        ids = frozenset(str(v.public_id) for v in group)
        # Commitments: nobody is proposed who is busy in another circle or needs their rest.
        week = build_circle_week(
            circle=group[0].circle, week_start=monday, now=now, open_visits=ids, commitments=True
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
                # mypy cannot type a lambda whose defaults bind the loop's values
                lambda o=offer, v=visit: _notify(  # type: ignore[misc]
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
    if offer.absence is not None:
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
    reoffer_cover(visit=offer.visit, absence=offer.absence, now=now)
    return offer


def reoffer_cover(*, visit: Visit, absence: Absence | None, now=None) -> list[CoverOffer]:
    """When the last open offer for a freed place is declined, ask the other carers of the circle
    who could take it within every rule (checked as a claim would be). Nobody who already
    declined this place, nor the absent carer, is asked again. The place also stays on the board
    and in their My day, and goes up the escalation ladder if nobody takes it."""
    now = now or timezone.now()
    visit = Visit.objects.select_related("client", "circle__organisation").get(pk=visit.pk)
    if visit.status != VisitStatus.PLANNED or visit.window_start <= now:
        return []
    if _published(visit).count() >= visit.carers_needed:
        return []
    if CoverOffer.objects.filter(visit=visit, status=OfferStatus.OPEN).exists():
        return []
    asked_before = set(CoverOffer.objects.filter(visit=visit).values_list("carer_id", flat=True))
    on_visit = set(_published(visit).values_list("carer_id", flat=True))
    absent = absence.carer if absence is not None else None
    able = []
    for candidate in carers_to_ask(visit, exclude=absent) if absent else []:
        if candidate.pk in asked_before or candidate.pk in on_visit:
            continue
        if not check_change(visit=visit, add=candidate, now=now):
            able.append(candidate)
    with transaction.atomic():
        # Locked and looked at again: a claim or another decline may have landed meanwhile.
        visit = _lock_visit(visit.public_id)
        if _published(visit).count() >= visit.carers_needed:
            return []
        if CoverOffer.objects.filter(visit=visit, status=OfferStatus.OPEN).exists():
            return []
        offers = CoverOffer.objects.bulk_create(
            [
                CoverOffer(
                    absence=absence,
                    visit=visit,
                    carer=c,
                    why="free and able; asked after a decline",
                )
                for c in able
            ]
        )
        for c in able:
            assert absent is not None  # only the places of an absent carer are offered
            transaction.on_commit(
                # mypy cannot type a lambda whose defaults bind the loop's values
                lambda u=c.user: _notify(  # type: ignore[misc]
                    u,
                    f"Can you cover {visit.client}'s visit {_when(visit)}? {absent.name} is away.",
                    body="The first carer asked cannot go; you are free and able.",
                    url=reverse("my_day") + "#offers",
                    urgent=_soon(visit, now),
                )
            )
    return offers


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
    changed = []
    with transaction.atomic():
        _lock_carers(absence.carer)
        CoverOffer.objects.filter(absence=absence, status=OfferStatus.OPEN).update(
            status=OfferStatus.WITHDRAWN, answered_at=now
        )
        for vid in absence.proposal.get("freed", []):
            visit = Visit.objects.select_for_update().filter(public_id=vid).first()
            if visit is None or visit.status != VisitStatus.PLANNED or visit.window_start <= now:
                continue
            carers_before = _carer_refs(visit)
            if len(carers_before) >= visit.carers_needed:
                continue
            _assignment, created = Assignment.objects.get_or_create(
                visit=visit,
                carer=absence.carer,
                defaults={"status": AssignmentStatus.PUBLISHED, "why": "absence withdrawn"},
            )
            restored += 1
            if created:
                changed.append((visit, carers_before, _carer_refs(visit)))
        # Audited once every visit is locked: the audit holds the chain head until commit, and
        # taking a visit's lock after it could deadlock with a claim that holds that visit.
        for visit, before, after in changed:
            audit_record(
                actor=actor,
                action="absence_restores_place",
                obj=visit,
                client=visit.client,
                detail={"carer": str(absence.carer.public_id)},
                before={"carers": before},
                after={"carers": after},
            )
        absence.withdrawn_at = now
        absence.ends_at = max(absence.starts_at + timedelta(minutes=1), min(absence.ends_at, now))
        absence.save(update_fields=["withdrawn_at", "ends_at"])
        absence.proposal = {**absence.proposal, "restored": restored}
        absence.save(update_fields=["proposal"])
    return absence


def _carer_refs(visit: Visit) -> list[str]:
    """Who is on a visit, for the before and after of an audited re-assignment."""
    return sorted(str(a.carer.public_id) for a in _published(visit))
