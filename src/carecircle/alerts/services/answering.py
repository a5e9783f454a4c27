"""Answering a help call: the first acceptance wins under the alert's row lock, declines with
reasons, arrival, resolution with outcome and follow-up, standing a call down."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from carecircle.alerts.access import access_alert, access_offer
from carecircle.alerts.models import (
    AlertOutcome,
    AlertStatus,
    DeclineReason,
    HelpAlert,
    HelpOffer,
    OfferState,
)
from carecircle.alerts.ranking import current_visit
from carecircle.alerts.services.cover import cover_responder_visits, give_back_visits
from carecircle.alerts.services.raising import (
    _close_escalation,
    _escalate,
    _may_manage,
    _send_wave,
    live,
)
from carecircle.audit.services import audit_record
from carecircle.circles.selectors import team_leaders
from carecircle.notifications.services import notify
from carecircle.people.access import carer_of
from carecircle.plans.models import ChangeKind
from carecircle.plans.services.changes import change_propose

log = logging.getLogger(__name__)


# --- answering ------------------------------------------------------------------------------------


def offer_accept(*, actor, offer_id, now: datetime | None = None) -> HelpAlert:
    """The first carer to accept goes. The alert's row lock makes it atomic: a second carer
    accepting at the same moment waits, then finds it taken and is told who is going."""
    now = now or timezone.now()
    offer = access_offer(actor, offer_id)
    with transaction.atomic():
        alert = (
            HelpAlert.objects.select_for_update(of=("self",))
            .select_related("client", "circle")
            .get(pk=offer.alert_id)
        )
        offer = HelpOffer.objects.select_for_update(of=("self",)).get(pk=offer.pk)
        if alert.status != AlertStatus.OFFERING:
            who = alert.responder.user.first_name if alert.responder is not None else "Someone"
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
        alert.next_wave_at = None
        # Not there by the ETA plus a grace: the team leaders are told (the tick checks).
        alert.escalate_at = now + timedelta(
            minutes=offer.eta_minutes + settings.ALERT_LATE_GRACE_MINUTES
        )

        alert.left_visit = current_visit(offer.carer, now)
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
    cover_responder_visits(alert, now=now)
    return alert


def _locked(alert_pk: int) -> HelpAlert:
    """The alert row, locked for this transaction, with what the answering steps read."""
    return (
        HelpAlert.objects.select_for_update(of=("self",))
        .select_related("client", "circle", "responder__user", "cover_absence", "left_visit_rest")
        .get(pk=alert_pk)
    )


def _tell_raiser(alert: HelpAlert, text: str) -> None:
    people = []
    if alert.raised_by is not None:
        people.append(alert.raised_by)
    people += [r.user for r in alert.client.representatives.select_related("user")]
    seen = set()
    for user in people:
        if user.pk in seen or (alert.responder and user.pk == alert.responder.user_id):
            continue
        seen.add(user.pk)
        notify(user=user, subject=f"Help for {alert.client.first_name}: {text}", urgent=True)


def offer_decline(
    *, actor, offer_id, reason: str, note: str = "", now: datetime | None = None
) -> HelpOffer:
    now = now or timezone.now()
    if reason not in DeclineReason.values:
        raise ValidationError(
            {"reason": f"Choose a reason: {', '.join(str(x) for x in DeclineReason.labels)}."}
        )
    offer = access_offer(actor, offer_id)
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
        alert = _locked(alert.pk)
        _responder_or_leader(actor, alert)
        if alert.status != AlertStatus.ACCEPTED:
            raise ValidationError({"status": f"The call is {alert.get_status_display().lower()}."})
        assert alert.responder is not None  # an accepted call has one
        alert.status, alert.arrived_at = AlertStatus.ARRIVED, now
        alert.escalate_at = None
        alert.save(update_fields=["status", "arrived_at", "escalate_at"])
        _close_escalation(alert, f"{alert.responder.user.first_name} arrived.", now)
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
        alert = _locked(alert.pk)
        _responder_or_leader(actor, alert)
        if alert.status not in (AlertStatus.ACCEPTED, AlertStatus.ARRIVED):
            raise ValidationError({"status": f"The call is {alert.get_status_display().lower()}."})
        before = {"status": alert.status}
        alert.status, alert.resolved_at = AlertStatus.RESOLVED, now
        alert.escalate_at = None
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
            _propose_follow_up(actor, alert, now=now)
        _close_escalation(alert, f"Resolved: {alert.get_outcome_display().lower()}.", now)
    give_back_visits(alert, now=now)
    return alert


def _propose_follow_up(actor, alert: HelpAlert, *, now: datetime) -> None:
    """The follow-up becomes a proposed change to the care plan (a new task), which then goes
    through consent, risk and endorsement like any other. Without an agreed plan to change, the
    team leaders get the text to act on."""
    text = alert.follow_up
    try:
        change = change_propose(
            actor=actor,
            client=alert.client,
            kind=ChangeKind.ADD_TASK,
            title=text.splitlines()[0][:120],
            details=text,
            reason=(
                f"After a help call on {timezone.localtime(alert.raised_at):%-d %b %H:%M} "
                f"({alert.get_outcome_display().lower()})."
            ),
            now=now,
        )
    except (ValidationError, PermissionDenied) as exc:
        log.info("follow-up of %s not proposed as a plan change: %s", alert.public_id, exc)
        for leader in team_leaders(alert.circle):
            notify(
                user=leader,
                subject=f"Proposed for {alert.client}'s plan after a help call",
                body=text,
                url=f"/help/{alert.public_id}/",
            )
        return
    alert.follow_up_change = change
    alert.save(update_fields=["follow_up_change"])


def alert_cancel(*, actor, alert_id, reason: str = "", now: datetime | None = None) -> HelpAlert:
    """Pressed by mistake, or help no longer needed: the client, their representative, whoever
    raised it or a team leader can stand the call down."""
    now = now or timezone.now()
    alert = access_alert(actor, alert_id)
    with transaction.atomic():
        alert = _locked(alert.pk)
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
    if alert.responder_id:
        give_back_visits(alert, now=now)
    return alert
