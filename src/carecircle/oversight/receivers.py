"""Where the apps below say what happened and the ladder decides what goes up or comes down.

Each receiver runs synchronously inside the sender's transaction and under its row locks (Django
signals call receivers in the sending thread), as the direct calls it replaces did; the messages
the ladder sends still wait for the commit (escalation_open/_raise use transaction.on_commit)."""

from __future__ import annotations

from django.urls import reverse

from carecircle.alerts.signals import help_call_escalated, help_call_settled
from carecircle.oversight.escalations import (
    alert_key,
    escalation_open,
    escalation_resolve_key,
    swap_key,
    visit_key,
)
from carecircle.oversight.models import EscalationKind, EscalationLevel
from carecircle.oversight.restrictions import restriction_escalation_close
from carecircle.plans.signals import restriction_settled
from carecircle.rota.signals import place_filled, swap_needs_approval, swap_settled


def on_place_filled(sender, *, visit, resolution: str, **kwargs) -> None:
    escalation_resolve_key(circle=visit.circle, key=visit_key(visit), resolution=resolution)


def on_swap_needs_approval(sender, *, offer, subject: str, reasons: list[str], now, **kwargs):
    visit = offer.visit
    escalation_open(
        circle=visit.circle,
        kind=EscalationKind.SWAP_APPROVAL,
        key=swap_key(offer),
        subject=subject,
        reasons=reasons,
        level=EscalationLevel.TEAM_LEADERS,
        visit=visit,
        url=reverse("swap_offer", args=[offer.public_id]),
        now=now,
    )


def on_swap_settled(sender, *, offer, visit, resolution: str, now=None, **kwargs) -> None:
    escalation_resolve_key(circle=visit.circle, key=swap_key(offer), resolution=resolution, now=now)


def on_help_call_escalated(
    sender, *, alert, level: int, subject: str, reasons: list[str], now, **kwargs
) -> None:
    escalation_open(
        circle=alert.circle,
        kind=EscalationKind.ALERT,
        key=alert_key(alert),
        subject=subject,
        reasons=reasons,
        level=level,
        url=f"/help/{alert.public_id}/",
        now=now,
        urgent=True,
    )


def on_help_call_settled(sender, *, alert, resolution: str, now, **kwargs) -> None:
    escalation_resolve_key(
        circle=alert.circle, key=alert_key(alert), resolution=resolution, now=now
    )


def on_restriction_settled(sender, *, practice, resolution: str, **kwargs) -> None:
    restriction_escalation_close(practice=practice, resolution=resolution)


def connect() -> None:
    """Called once from OversightConfig.ready(); the dispatch_uids keep it idempotent."""
    place_filled.connect(on_place_filled, dispatch_uid="oversight.place_filled")
    swap_needs_approval.connect(on_swap_needs_approval, dispatch_uid="oversight.swap_approval")
    swap_settled.connect(on_swap_settled, dispatch_uid="oversight.swap_settled")
    help_call_escalated.connect(on_help_call_escalated, dispatch_uid="oversight.help_escalated")
    help_call_settled.connect(on_help_call_settled, dispatch_uid="oversight.help_settled")
    restriction_settled.connect(on_restriction_settled, dispatch_uid="oversight.restriction")
