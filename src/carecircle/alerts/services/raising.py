"""Help now: raising a distress alert, offering it to carers in waves, the first acceptance winning,
arrival and resolution, and the timers that move it on.

Every write checks who may do it, runs in one transaction with its audit event, and leaves a
LiveEvent for the live screens. Timers are timestamps on the alert (`next_wave_at`, `escalate_at`),
read by `alerts_tick` from the circle worker's jobs, so nothing is lost when a process restarts."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from carecircle.alerts import ranking
from carecircle.alerts.access import org_manager
from carecircle.alerts.models import (
    ACTIVE_ALERT,
    AlarmDevice,
    AlertKind,
    AlertSource,
    AlertStatus,
    DeviceEvent,
    HelpAlert,
    HelpOffer,
    LiveEvent,
    OfferState,
)
from carecircle.alerts.signals import help_call_escalated, help_call_settled
from carecircle.audit.services import audit_record
from carecircle.circles.access import clients_visible_to, led_circles
from carecircle.notifications.services import notify
from carecircle.people.access import carer_of
from carecircle.people.models import Carer, Client, Role, hash_token

log = logging.getLogger(__name__)


# --- who may do what ------------------------------------------------------------------------------


def source_for(actor, client: Client) -> str:
    """How this person may raise a call for this client, or PermissionDenied."""
    if client.user_id and client.user_id == actor.pk:
        return AlertSource.CLIENT
    if client.representatives.filter(user=actor).exists():
        return AlertSource.REPRESENTATIVE
    if client.circle_id is not None and led_circles(actor).filter(pk=client.circle_id).exists():
        return AlertSource.TEAM_LEADER
    if carer_of(actor) is not None and clients_visible_to(actor).filter(pk=client.pk).exists():
        return AlertSource.CARER
    if actor.is_superuser or getattr(actor, "role", None) == Role.ADMIN:
        return AlertSource.TEAM_LEADER
    raise PermissionDenied("Only the client, their representative or their carers can call.")


def _may_manage(user, alert: HelpAlert) -> bool:
    """Team leaders of the circle, the organisation's managers (and administrators) can act
    for anyone."""
    return (
        user.is_superuser
        or getattr(user, "role", None) == Role.ADMIN
        or org_manager(user, alert)
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
    now = now or timezone.now()
    kind = _check_kind(kind)
    source: str
    if device is not None:
        source = AlertSource.DEVICE
        client = device.client
    else:
        source = source_for(actor, client)
    if client.circle_id is None:
        raise ValidationError({"client": f"{client} is not in a circle yet; call the office."})
    with transaction.atomic():
        # One open call a client: raising is serialised on the client's row. NO KEY UPDATE, not
        # UPDATE: a transaction holding the audit chain that recorded an event about this client
        # takes KEY SHARE on the row when it commits (the deferred foreign-key check), and would
        # wait for us while we wait for the chain: a deadlock (tests/alerts/test_raise_deadlock).
        Client.objects.select_for_update(no_key=True).filter(pk=client.pk).first()
        if device is not None:
            seen = DeviceEvent.objects.filter(device=device, event_id=event_id).first()
            if seen is not None:
                return seen.alert, False
        # Locked, so a stand-down being committed now is seen: a press never joins a dead call.
        existing = (
            HelpAlert.objects.select_for_update(of=("self",))
            .filter(client=client, status__in=ACTIVE_ALERT)
            .first()
        )
        if existing is not None:
            _join(
                existing,
                actor=actor,
                device=device,
                event_id=event_id,
                kind=kind,
                message=message,
                now=now,
            )
            return existing, False
        pool = ranking.build_pool(client, kind=kind, now=now)
        raiser = carer_of(actor) if getattr(actor, "is_authenticated", False) else None
        candidates = [c for c in ranking.rank(pool) if not raiser or c.id != str(raiser.public_id)]
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


def _join(existing: HelpAlert, *, actor, device, event_id, kind, message, now) -> None:
    """Another press for an open call: remembered, audited, and a more telling kind ("fall"
    after "help") or a message is added to the call."""
    if device is not None:
        DeviceEvent.objects.create(device=device, event_id=event_id, alert=existing)
    changed = []
    if kind != AlertKind.HELP and existing.kind == AlertKind.HELP:
        existing.kind = kind
        changed.append("kind")
    message = message.strip()
    if message and message not in existing.message:
        existing.message = "; ".join(filter(None, [existing.message, message]))[:300]
        changed.append("message")
    if changed:
        existing.save(update_fields=changed)
    audit_record(
        actor=actor,
        action="alert_pressed_again",
        obj=existing,
        client=existing.client,
        detail={"kind": kind, "message": message[:300], "device": bool(device)},
    )
    live(existing, "pressed_again", f"Help for {existing.client.first_name} asked again.", now=now)


def _send_wave(alert: HelpAlert, *, pool_carers=None, now: datetime) -> int:
    """Offer the call to the next ALERT_WAVE_SIZE candidates not yet asked. Called with the
    alert's row locked (or just created)."""
    asked = {str(x) for x in alert.offers.values_list("carer__public_id", flat=True)}
    waiting = [c for c in alert.ranking if c["carer"] not in asked]
    carers = pool_carers or {
        str(c.public_id): c
        for c in Carer.objects.filter(
            public_id__in=[c["carer"] for c in waiting], user__is_active=True
        ).select_related("user")
    }
    # A candidate who has since left (no longer a carer) is passed over, not offered.
    waiting = [c for c in waiting if c["carer"] in carers]
    nxt = waiting[: settings.ALERT_WAVE_SIZE]
    if not nxt:
        alert.next_wave_at = None
        alert.save(update_fields=["next_wave_at"])
        return 0
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
    more = len(waiting) > len(nxt)
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


def _escalate(alert: HelpAlert, *, level: int, now: datetime, why: str, subject: str = "") -> None:
    minutes = int((now - alert.raised_at).total_seconds() // 60)
    help_call_escalated.send(
        sender=HelpAlert,
        alert=alert,
        level=level,
        subject=subject or f"Help call for {alert.client} not answered",
        reasons=[
            why,
            f"Raised {minutes} min ago by {alert.get_source_display().lower()}; "
            f"{alert.offers.count()} carers asked, "
            f"{alert.offers.filter(state=OfferState.DECLINED).count()} declined.",
        ],
        now=now,
    )
    alert.escalation_level = max(alert.escalation_level, level)
    manager_at = alert.raised_at + timedelta(seconds=settings.ALERT_MANAGER_SECONDS)
    alert.escalate_at = manager_at if level < 2 and alert.status == AlertStatus.OFFERING else None
    alert.save(update_fields=["escalation_level", "escalate_at"])
    audit_record(
        actor=None,
        action="alert_escalate",
        obj=alert,
        client=alert.client,
        detail={"level": level, "why": why},
    )
    who = "the manager" if level >= 2 else "team leaders"
    live(alert, "escalated", f"Help for {alert.client.first_name}: {who} told.", now=now)


def _close_escalation(alert: HelpAlert, resolution: str, now: datetime) -> None:
    help_call_settled.send(sender=HelpAlert, alert=alert, resolution=resolution, now=now)


# --- time passing ---------------------------------------------------------------------------------


def alerts_tick(*, now: datetime | None = None) -> dict:
    """Send waves that are due, escalate calls unanswered for too long, and tell the team leaders
    when a responder has not arrived by their ETA plus ALERT_LATE_GRACE_MINUTES. Each alert is
    handled under its row lock (skipping one another worker holds), so two workers never double a
    wave; one alert's trouble is logged and does not stop the others."""
    now = now or timezone.now()
    counts = {"waves": 0, "escalated": 0, "late": 0, "errors": 0}
    due = (
        HelpAlert.objects.filter(status=AlertStatus.OFFERING, next_wave_at__lte=now)
        | HelpAlert.objects.filter(status=AlertStatus.OFFERING, escalate_at__lte=now)
        | HelpAlert.objects.filter(status=AlertStatus.ACCEPTED, escalate_at__lte=now)
    )
    for pk in list(due.values_list("pk", flat=True)):
        try:
            _tick_one(pk, now=now, counts=counts)
        except Exception:
            counts["errors"] += 1
            log.exception("help call %s: tick failed", pk)
    return counts


def _tick_one(pk: int, *, now: datetime, counts: dict) -> None:
    with transaction.atomic():
        alert = (
            HelpAlert.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("client", "circle", "responder__user")
            .filter(pk=pk, status__in=(AlertStatus.OFFERING, AlertStatus.ACCEPTED))
            .first()
        )
        if alert is None:
            return
        if alert.status == AlertStatus.ACCEPTED:
            if alert.escalate_at and alert.escalate_at <= now:
                # An accepted call has its responder and the time they accepted.
                assert alert.accepted_at is not None and alert.responder is not None
                late = int((now - alert.accepted_at).total_seconds() // 60)
                name = alert.responder.user.first_name
                _escalate(
                    alert,
                    level=max(1, alert.escalation_level),
                    now=now,
                    subject=f"{name} has not reached {alert.client} yet",
                    why=f"{name} accepted {late} min ago (about {alert.eta_minutes} min away) "
                    "and has not marked arrival.",
                )
                counts["late"] += 1
            return
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


def live_prune(*, now: datetime | None = None, keep_hours: int = 24) -> int:
    """Live events are for screens open now; a day is plenty for any reconnecting browser."""
    now = now or timezone.now()
    return LiveEvent.objects.filter(at__lt=now - timedelta(hours=keep_hours)).delete()[0]


def device_issue(*, client: Client, name: str) -> tuple[AlarmDevice, str]:
    """A new device token for a client's pendant or hub; the raw token is returned once."""
    import secrets

    raw = "dev_" + secrets.token_urlsafe(32)
    try:
        device = AlarmDevice.objects.create(
            client=client, name=name[:80], prefix=raw[:8], token_hash=hash_token(raw)
        )
    except IntegrityError:  # pragma: no cover - 256 bits do not collide
        raise ValidationError({"token": "Try again."}) from None
    return device, raw
