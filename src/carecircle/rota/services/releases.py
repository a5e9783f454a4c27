"""Visits released by the client ("no visit needed"): the carers' planned time and pay are kept
and each chooses how to use it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from carecircle.audit.services import audit_record
from carecircle.circles.access import clients_visible_to, parse_uuid
from carecircle.people.models import Client
from carecircle.rota.models import (
    Assignment,
    AssignmentStatus,
    CoverOffer,
    KeptTime,
    KeptTimeUse,
    OfferStatus,
    Release,
    Visit,
    VisitStatus,
)
from carecircle.rota.rules import check_change
from carecircle.rota.services.common import (
    _carer,
    _notify,
    _published,
    _rule_error,
    _when,
)
from carecircle.rota.services.places import open_places_for, place_claim


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
                    # mypy cannot type a lambda whose defaults bind the loop's values
                    lambda c=a.carer, v=visit: _notify(  # type: ignore[misc]
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
                .filter(public_id=parse_uuid(client_id), circle=kept.visit.circle)
                .first()
                if client_id
                else None
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
