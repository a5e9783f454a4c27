"""Help now: raising a distress alert, offering it to carers in waves, the first acceptance winning,
arrival and resolution, and the timers that move it on.

Every write checks who may do it, runs in one transaction with its audit event, and leaves a
LiveEvent for the live screens. Timers are timestamps on the alert (`next_wave_at`, `escalate_at`),
read by `alerts_tick` from the circle worker, so nothing is lost when a process restarts."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from carecircle.alerts.models import (
    ACTIVE_ALERT,
    AlarmDevice,
    AlertKind,
    AlertOutcome,
    AlertSource,
    AlertStatus,
    DeclineReason,
    DeviceEvent,
    HelpAlert,
    HelpOffer,
    LiveEvent,
    OfferState,
)
from carecircle.alerts.notifications import notify
from carecircle.circles.access import led_circles, parse_uuid
from carecircle.people.access import carer_of, clients_visible_to
from carecircle.people.models import Client, Role
from carecircle.safeguarding.services import audit_record

log = logging.getLogger(__name__)


# --- who may do what ------------------------------------------------------------------------------


def source_for(actor, client: Client) -> str:
    """How this person may raise a call for this client, or PermissionDenied."""
    if client.user_id and client.user_id == actor.pk:
        return AlertSource.CLIENT
    if client.representatives.filter(user=actor).exists():
        return AlertSource.REPRESENTATIVE
    if led_circles(actor).filter(pk=client.circle_id).exists():
        return AlertSource.TEAM_LEADER
    if carer_of(actor) is not None and clients_visible_to(actor).filter(pk=client.pk).exists():
        return AlertSource.CARER
    if actor.is_superuser or getattr(actor, "role", None) == Role.ADMIN:
        return AlertSource.TEAM_LEADER
    raise PermissionDenied("Only the client, their representative or their carers can call.")


def can_see_alert(user, alert: HelpAlert) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if clients_visible_to(user).filter(pk=alert.client_id).exists():
        return True
    carer = carer_of(user)
    return carer is not None and alert.offers.filter(carer=carer).exists()


def access_alert(user, alert_id) -> HelpAlert:
    from django.http import Http404

    alert = (
        HelpAlert.objects.select_related("client", "circle", "responder__user", "raised_by")
        .filter(public_id=parse_uuid(alert_id))
        .first()
    )
    if alert is None or not can_see_alert(user, alert):
        raise Http404("No such help call.")
    return alert


def _may_manage(user, alert: HelpAlert) -> bool:
    """Team leaders of the circle (and administrators) can act for anyone."""
    return (
        user.is_superuser
        or getattr(user, "role", None) == Role.ADMIN
        or led_circles(user).filter(pk=alert.circle_id).exists()
    )


# --- raising --------------------------------------------------------------------------------------


def live(alert: HelpAlert, kind: str, text: str, *, now: datetime | None = None) -> None:
    LiveEvent.objects.create(
        circle_id=alert.circle_id,
        client_id=alert.client_id,
        kind=kind,
        text=text[:300],
        at=now or timezone.now(),
    )


def _check_kind(kind: str) -> str:
    kind = kind or AlertKind.HELP
    if kind not in AlertKind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(AlertKind.values)}."})
    return kind


def alert_raise(
    *,
    actor=None,
    client: Client,
    kind: str = AlertKind.HELP,
    message: str = "",
    device: AlarmDevice | None = None,
    event_id: str = "",
    now: datetime | None = None,
) -> tuple[HelpAlert, bool]:
    """Raise a help call for `client` and send the first wave of offers, in one transaction.

    Returns (alert, created). A call while another is still open for the client joins it (nobody
    is asked twice); a device's repeated event id returns the alert it first raised."""
    from carecircle.alerts import ranking

    now = now or timezone.now()
    kind = _check_kind(kind)
    if device is not None:
        source = AlertSource.DEVICE
        client = device.client
    else:
        source = source_for(actor, client)
    if client.circle_id is None:
        raise ValidationError({"client": f"{client} is not in a circle yet; call the office."})
    with transaction.atomic():
        # One open call a client: raising is serialised on the client's row.
        Client.objects.select_for_update().filter(pk=client.pk).first()
        if device is not None:
            seen = DeviceEvent.objects.filter(device=device, event_id=event_id).first()
            if seen is not None:
                return seen.alert, False
        existing = HelpAlert.objects.filter(client=client, status__in=ACTIVE_ALERT).first()
        if existing is not None:
            if device is not None:
                DeviceEvent.objects.create(device=device, event_id=event_id, alert=existing)
            live(existing, "pressed_again", f"Help for {client.first_name} asked again.", now=now)
            return existing, False
        pool = ranking.build_pool(client, kind=kind, now=now)
        candidates = ranking.rank(pool)
        alert = HelpAlert.objects.create(
            client=client,
            circle_id=client.circle_id,
            kind=kind,
            source=source,
            raised_by=actor if getattr(actor, "is_authenticated", False) else None,
            device=device,
            message=message.strip()[:300],
            raised_at=now,
            escalate_at=now + timedelta(seconds=settings.ALERT_ESCALATE_SECONDS),
            ranking=[
                {"carer": c.id, "eta": c.eta_minutes, "score": c.score, "reason": c.reason}
                for c in candidates
            ],
        )
        if device is not None:
            DeviceEvent.objects.create(device=device, event_id=event_id, alert=alert)
        audit_record(
            actor=actor,
            action="alert_raise",
            obj=alert,
            client=client,
            detail={"kind": kind, "source": source, "candidates": len(candidates)},
        )
        live(alert, "raised", f"{client.first_name} needs help now.", now=now)
        sent = _send_wave(alert, pool_carers=pool.carers, now=now)
        if not sent:
            _escalate(alert, level=1, now=now, why="Nobody in the circle can be asked.")
    return alert, True


def _send_wave(alert: HelpAlert, *, pool_carers=None, now: datetime) -> int:
    """Offer the call to the next ALERT_WAVE_SIZE candidates not yet asked. Called with the
    alert's row locked (or just created)."""
    from carecircle.people.models import Carer

    asked = set(alert.offers.values_list("carer__public_id", flat=True))
    asked = {str(x) for x in asked}
    nxt = [c for c in alert.ranking if c["carer"] not in asked][: settings.ALERT_WAVE_SIZE]
    if not nxt:
        alert.next_wave_at = None
        alert.save(update_fields=["next_wave_at"])
        return 0
    carers = pool_carers or {
        str(c.public_id): c
        for c in Carer.objects.filter(public_id__in=[c["carer"] for c in nxt]).select_related(
            "user"
        )
    }
    alert.wave += 1
    start_rank = len(asked)
    offers = []
    for i, c in enumerate(nxt):
        carer = carers.get(c["carer"])
        if carer is None:
            continue
        offers.append(
            HelpOffer(
                alert=alert,
                carer=carer,
                wave=alert.wave,
                rank=start_rank + i + 1,
                eta_minutes=c["eta"],
                reason=c["reason"][:300],
                sent_at=now,
            )
        )
    HelpOffer.objects.bulk_create(offers)
    more = len(asked) + len(offers) < len(alert.ranking)
    alert.next_wave_at = now + timedelta(seconds=settings.ALERT_WAVE_SECONDS) if more else None
    alert.save(update_fields=["wave", "next_wave_at"])
    url = f"/help/{alert.public_id}/"
    what = alert.get_kind_display().lower()
    for offer in offers:
        notify(
            user=offer.carer.user,
            subject=f"Help now: {alert.client.first_name} {what}",
            body=(
                f"{alert.client} ({alert.client.postcode or 'at home'}) needs help now. "
                f"You are about {offer.eta_minutes} min away. Can you go?"
            ),
            url=url,
            urgent=True,
        )
    live(
        alert,
        "wave",
        f"Asking {', '.join(o.carer.user.first_name for o in offers)} to go to "
        f"{alert.client.first_name}.",
        now=now,
    )
    return len(offers)


def _escalate(alert: HelpAlert, *, level: int, now: datetime, why: str) -> None:
    from carecircle.circles.escalations import escalation_open
    from carecircle.circles.models import EscalationKind

    minutes = int((now - alert.raised_at).total_seconds() // 60)
    escalation_open(
        circle=alert.circle,
        kind=EscalationKind.ALERT,
        key=f"alert:{alert.public_id}",
        subject=f"Help call for {alert.client} not answered",
        reasons=[
            why,
            f"Raised {minutes} min ago by {alert.get_source_display().lower()}; "
            f"{alert.offers.count()} carers asked, "
            f"{alert.offers.filter(state=OfferState.DECLINED).count()} declined.",
        ],
        level=level,
        url=f"/help/{alert.public_id}/",
        now=now,
        urgent=True,
    )
    alert.escalation_level = max(alert.escalation_level, level)
    alert.escalate_at = (
        alert.raised_at + timedelta(seconds=settings.ALERT_MANAGER_SECONDS) if level < 2 else None
    )
    alert.save(update_fields=["escalation_level", "escalate_at"])
    live(alert, "escalated", f"Help for {alert.client.first_name}: team leaders told.", now=now)


def _close_escalation(alert: HelpAlert, resolution: str, now: datetime) -> None:
    from carecircle.circles.escalations import escalation_resolve_key

    escalation_resolve_key(
        circle=alert.circle, key=f"alert:{alert.public_id}", resolution=resolution, now=now
    )


# --- answering ------------------------------------------------------------------------------------


def _my_offer(actor, offer_id) -> HelpOffer:
    from django.http import Http404

    carer = carer_of(actor)
    offer = (
        HelpOffer.objects.select_related("alert__client", "carer__user")
        .filter(public_id=parse_uuid(offer_id))
        .first()
    )
    if offer is None or carer is None or offer.carer_id != carer.pk:
        raise Http404("No such offer.")
    return offer


def offer_accept(*, actor, offer_id, now: datetime | None = None) -> HelpAlert:
    """The first carer to accept goes. The alert's row lock makes it atomic: a second carer
    accepting at the same moment waits, then finds it taken and is told who is going."""
    now = now or timezone.now()
    offer = _my_offer(actor, offer_id)
    with transaction.atomic():
        alert = (
            HelpAlert.objects.select_for_update(of=("self",))
            .select_related("client", "circle")
            .get(pk=offer.alert_id)
        )
        offer = HelpOffer.objects.select_for_update(of=("self",)).get(pk=offer.pk)
        if alert.status != AlertStatus.OFFERING:
            who = alert.responder.user.first_name if alert.responder_id else "Someone"
            if alert.responder_id == offer.carer_id:
                return alert
            if alert.status in (AlertStatus.RESOLVED, AlertStatus.CANCELLED):
                raise ValidationError(
                    {"offer": "This call is over; nobody needs to go now. Thank you."}
                )
            raise ValidationError(
                {"offer": f"{who} is already on the way to {alert.client.first_name}. Thank you."}
            )
        if offer.state not in (OfferState.SENT, OfferState.DECLINED):
            raise ValidationError({"offer": "This offer is closed."})
        offer.state, offer.answered_at = OfferState.ACCEPTED, now
        offer.save(update_fields=["state", "answered_at"])
        alert.status = AlertStatus.ACCEPTED
        alert.responder_id = offer.carer_id
        alert.eta_minutes = offer.eta_minutes
        alert.accepted_at = now
        alert.next_wave_at = alert.escalate_at = None
        from carecircle.alerts import ranking

        pool = ranking.build_pool(alert.client, kind=alert.kind, now=now)
        leaving = pool.on_visit.get(str(offer.carer.public_id))
        alert.left_visit = leaving
        alert.save()
        others = list(
            alert.offers.filter(state=OfferState.SENT)
            .exclude(pk=offer.pk)
            .select_related("carer__user")
        )
        HelpOffer.objects.filter(pk__in=[o.pk for o in others]).update(state=OfferState.TAKEN)
        name = offer.carer.user.first_name
        for o in others:
            notify(
                user=o.carer.user,
                subject=f"{name} is going to {alert.client.first_name}",
                body="Thank you: nobody else needs to go.",
                url=f"/help/{alert.public_id}/",
            )
        audit_record(
            actor=actor,
            action="alert_accept",
            obj=alert,
            client=alert.client,
            detail={"carer": str(offer.carer.public_id), "eta": offer.eta_minutes},
        )
        live(alert, "accepted", f"{name} is on the way to {alert.client.first_name}.", now=now)
        _close_escalation(alert, f"{name} accepted.", now)
        _tell_raiser(alert, f"{name} is on the way, about {offer.eta_minutes} minutes.")
    _cover_left_visits(actor, alert, now=now)
    return alert


def _tell_raiser(alert: HelpAlert, text: str) -> None:
    people = []
    if alert.raised_by_id:
        people.append(alert.raised_by)
    people += [r.user for r in alert.client.representatives.select_related("user")]
    seen = set()
    for user in people:
        if user.pk in seen or (alert.responder and user.pk == alert.responder.user_id):
            continue
        seen.add(user.pk)
        notify(user=user, subject=f"Help for {alert.client.first_name}: {text}", urgent=True)


def _cover_left_visits(actor, alert: HelpAlert, *, now: datetime) -> None:
    """The responder's planned visits during the response (travel + time on scene) are given up
    as an absence, so the engine's repair proposes cover for them; the visit they left (already
    begun) is told to the team leaders."""
    from carecircle.rota.models import AbsenceKind
    from carecircle.rota.services import absence_report

    ends = now + timedelta(minutes=(alert.eta_minutes or 0) + settings.ALERT_ON_SCENE_MINUTES)
    try:
        if settings.ALERT_ON_SCENE_MINUTES:
            absence_report(
                actor=actor,
                kind=AbsenceKind.OTHER,
                starts_at=now,
                ends_at=ends,
                note=f"Answering a help call for {alert.client.first_name}",
            )
    except Exception:  # cover is best effort; the call itself is already answered
        log.exception("cover for the visits of %s's responder", alert.client)
    if alert.left_visit is not None:
        from carecircle.circles.escalations import team_leaders

        for leader in team_leaders(alert.circle):
            notify(
                user=leader,
                subject=(
                    f"{alert.responder.user.first_name} left {alert.left_visit.client}'s "
                    f"visit to answer a help call"
                ),
                body=f"They are going to {alert.client}. Check that the visit is finished.",
                url=f"/help/{alert.public_id}/",
                urgent=True,
            )


def offer_decline(
    *, actor, offer_id, reason: str, note: str = "", now: datetime | None = None
) -> HelpOffer:
    now = now or timezone.now()
    if reason not in DeclineReason.values:
        raise ValidationError(
            {"reason": f"Choose a reason: {', '.join(str(x) for x in DeclineReason.labels)}."}
        )
    offer = _my_offer(actor, offer_id)
    with transaction.atomic():
        alert = HelpAlert.objects.select_for_update(of=("self",)).get(pk=offer.alert_id)
        offer = HelpOffer.objects.select_for_update(of=("self",)).get(pk=offer.pk)
        if offer.state != OfferState.SENT:
            return offer
        offer.state, offer.answered_at = OfferState.DECLINED, now
        offer.decline_reason, offer.decline_note = reason, note.strip()[:200]
        offer.save(update_fields=["state", "answered_at", "decline_reason", "decline_note"])
        audit_record(
            actor=actor,
            action="alert_decline",
            obj=alert,
            client=alert.client,
            detail={"reason": reason},
        )
        # Everyone asked so far said no: ask the next ones now rather than waiting.
        if (
            alert.status == AlertStatus.OFFERING
            and not alert.offers.filter(state=OfferState.SENT).exists()
            and not _send_wave(alert, now=now)
        ):
            _escalate(
                alert,
                level=max(1, alert.escalation_level),
                now=now,
                why="Everyone who could be asked has declined.",
            )
    return offer


def alert_arrived(*, actor, alert_id, now: datetime | None = None) -> HelpAlert:
    now = now or timezone.now()
    alert = access_alert(actor, alert_id)
    with transaction.atomic():
        alert = (
            HelpAlert.objects.select_for_update(of=("self",))
            .select_related("client", "responder__user")
            .get(pk=alert.pk)
        )
        _responder_or_leader(actor, alert)
        if alert.status != AlertStatus.ACCEPTED:
            raise ValidationError({"status": f"The call is {alert.get_status_display().lower()}."})
        alert.status, alert.arrived_at = AlertStatus.ARRIVED, now
        alert.save(update_fields=["status", "arrived_at"])
        audit_record(actor=actor, action="alert_arrived", obj=alert, client=alert.client)
        name = alert.responder.user.first_name
        live(alert, "arrived", f"{name} is with {alert.client.first_name}.", now=now)
    return alert


def _responder_or_leader(actor, alert: HelpAlert) -> None:
    carer = carer_of(actor)
    if not (carer is not None and carer.pk == alert.responder_id) and not _may_manage(actor, alert):
        raise PermissionDenied("Only the carer who answered, or a team leader, can do this.")


def alert_resolve(
    *,
    actor,
    alert_id,
    outcome: str,
    notes: str = "",
    follow_up: str = "",
    now: datetime | None = None,
) -> HelpAlert:
    now = now or timezone.now()
    if outcome not in AlertOutcome.values:
        raise ValidationError(
            {"outcome": f"Choose what happened: {', '.join(str(x) for x in AlertOutcome.labels)}."}
        )
    alert = access_alert(actor, alert_id)
    with transaction.atomic():
        alert = (
            HelpAlert.objects.select_for_update(of=("self",))
            .select_related("client", "circle", "responder__user")
            .get(pk=alert.pk)
        )
        _responder_or_leader(actor, alert)
        if alert.status not in (AlertStatus.ACCEPTED, AlertStatus.ARRIVED):
            raise ValidationError({"status": f"The call is {alert.get_status_display().lower()}."})
        before = {"status": alert.status}
        if alert.arrived_at is None:
            alert.arrived_at = now
        alert.status, alert.resolved_at = AlertStatus.RESOLVED, now
        alert.outcome, alert.notes = outcome, notes.strip()[:4000]
        alert.follow_up = follow_up.strip()[:2000]
        alert.save()
        audit_record(
            actor=actor,
            action="alert_resolve",
            obj=alert,
            client=alert.client,
            detail={"before": before, "after": {"status": alert.status, "outcome": outcome}},
        )
        live(
            alert,
            "resolved",
            f"Help for {alert.client.first_name}: {alert.get_outcome_display().lower()}.",
            now=now,
        )
        if alert.follow_up:
            from carecircle.circles.escalations import team_leaders

            for leader in team_leaders(alert.circle):
                notify(
                    user=leader,
                    subject=f"Proposed for {alert.client}'s plan after a help call",
                    body=alert.follow_up,
                    url=f"/help/{alert.public_id}/",
                )
    return alert


def alert_cancel(*, actor, alert_id, reason: str = "", now: datetime | None = None) -> HelpAlert:
    """Pressed by mistake, or help no longer needed: the client, their representative, whoever
    raised it or a team leader can stand the call down."""
    now = now or timezone.now()
    alert = access_alert(actor, alert_id)
    with transaction.atomic():
        alert = (
            HelpAlert.objects.select_for_update(of=("self",))
            .select_related("client", "circle")
            .get(pk=alert.pk)
        )
        allowed = (
            alert.raised_by_id == actor.pk
            or alert.client.user_id == actor.pk
            or alert.client.representatives.filter(user=actor).exists()
            or _may_manage(actor, alert)
        )
        if not allowed:
            raise PermissionDenied("Only the client, whoever called or a team leader can cancel.")
        if alert.status not in (AlertStatus.OFFERING, AlertStatus.ACCEPTED):
            raise ValidationError({"status": f"The call is {alert.get_status_display().lower()}."})
        alert.status, alert.resolved_at = AlertStatus.CANCELLED, now
        alert.cancelled_reason = reason.strip()[:200] or "No longer needed"
        alert.next_wave_at = alert.escalate_at = None
        alert.save()
        told = alert.offers.filter(state__in=[OfferState.SENT, OfferState.ACCEPTED]).select_related(
            "carer__user"
        )
        for o in told:
            notify(
                user=o.carer.user,
                subject=f"Help for {alert.client.first_name} no longer needed",
                body=alert.cancelled_reason,
                url=f"/help/{alert.public_id}/",
                urgent=o.state == OfferState.ACCEPTED,
            )
        alert.offers.filter(state=OfferState.SENT).update(state=OfferState.CLOSED)
        audit_record(
            actor=actor,
            action="alert_cancel",
            obj=alert,
            client=alert.client,
            detail={"reason": alert.cancelled_reason},
        )
        live(alert, "cancelled", f"Help for {alert.client.first_name} stood down.", now=now)
        _close_escalation(alert, f"Cancelled: {alert.cancelled_reason}", now)
    return alert


# --- time passing ---------------------------------------------------------------------------------


def alerts_tick(*, now: datetime | None = None) -> dict:
    """Send waves that are due and escalate calls unanswered for too long. Each alert is handled
    under its row lock (skipping one another worker holds), so two workers never double a wave."""
    now = now or timezone.now()
    counts = {"waves": 0, "escalated": 0}
    due = HelpAlert.objects.filter(status=AlertStatus.OFFERING).filter(
        next_wave_at__lte=now
    ) | HelpAlert.objects.filter(status=AlertStatus.OFFERING, escalate_at__lte=now)
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            alert = (
                HelpAlert.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("client", "circle")
                .filter(pk=pk, status=AlertStatus.OFFERING)
                .first()
            )
            if alert is None:
                continue
            if alert.next_wave_at and alert.next_wave_at <= now:
                counts["waves"] += bool(_send_wave(alert, now=now))
            if alert.escalate_at and alert.escalate_at <= now:
                level = 1 if alert.escalation_level < 1 else 2
                waited = int((now - alert.raised_at).total_seconds())
                _escalate(
                    alert,
                    level=level,
                    now=now,
                    why=f"No carer has accepted in {waited // 60} min {waited % 60} s.",
                )
                counts["escalated"] += 1
    return counts


def device_issue(*, client: Client, name: str) -> tuple[AlarmDevice, str]:
    """A new device token for a client's pendant or hub; the raw token is returned once."""
    import secrets

    from carecircle.api.models import hash_token

    raw = "dev_" + secrets.token_urlsafe(32)
    try:
        device = AlarmDevice.objects.create(
            client=client, name=name[:80], prefix=raw[:8], token_hash=hash_token(raw)
        )
    except IntegrityError:  # pragma: no cover - 256 bits do not collide
        raise ValidationError({"token": "Try again."}) from None
    return device, raw
