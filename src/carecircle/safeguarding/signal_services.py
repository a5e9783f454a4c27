"""Reading and acknowledging safeguarding signals. Team leaders see the signals of the circles
they lead; the safeguarding lead sees the whole organisation."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.audit.services import audit_record
from carecircle.circles.access import led_circles, organisation_circles
from carecircle.people.models import Role
from carecircle.people.permissions import Perm, has_perm, require, roles_of
from carecircle.safeguarding.anomalies import compute_signals
from carecircle.safeguarding.models import SignalAcknowledgement


def signal_circles(user):
    require(user, Perm.VIEW_SIGNALS)
    roles = roles_of(user)
    if Role.SAFEGUARDING_LEAD in roles or Role.ADMIN in roles or user.is_superuser:
        return organisation_circles(user)
    return led_circles(user)


def signals_for(user, *, now=None, days=None):
    """(open signals, acknowledged signals with their acknowledgement)."""
    circles = list(signal_circles(user))
    signals = compute_signals(circles=circles, now=now, days=days)
    orgs = {c.organisation_id for c in circles}
    acks = {
        a.key: a
        for a in SignalAcknowledgement.objects.filter(
            organisation_id__in=orgs, key__in=[s.key for s in signals]
        ).select_related("by")
    }
    open_ = [s for s in signals if s.key not in acks]
    done = [(s, acks[s.key]) for s in signals if s.key in acks]
    return open_, done


def signal_acknowledge(*, actor, key: str, reason: str, now=None) -> SignalAcknowledgement:
    if not has_perm(actor, Perm.VIEW_SIGNALS):
        raise PermissionDenied(_("Your role does not see safeguarding signals."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why this needs no more action.")})
    # Only a signal the actor can currently see may be acknowledged.
    open_, done = signals_for(actor, now=now)
    signal = next((s for s in open_ if s.key == key), None)
    if signal is None:
        if any(s.key == key for s, _ack in done):
            raise ValidationError({"key": _("This signal was acknowledged already.")})
        raise ValidationError({"key": _("No such signal, or not one you can see.")})
    organisation_id = signal.client.organisation_id if signal.client else actor.organisation_id
    try:
        with transaction.atomic():
            ack = SignalAcknowledgement.objects.create(
                organisation_id=organisation_id,
                key=key,
                kind=signal.kind,
                client=signal.client,
                by=actor,
                at=now or timezone.now(),
                reason=reason.strip(),
                explanation=signal.explanation,
            )
            audit_record(actor=actor, action="signal_acknowledged", obj=ack, client=signal.client)
    except IntegrityError as exc:
        raise ValidationError({"key": _("This signal was acknowledged already.")}) from exc
    return ack
