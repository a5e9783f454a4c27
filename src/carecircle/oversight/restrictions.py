"""Overdue reviews of restrictive practices go up the ladder to the circle's team leaders.

The register lives in plans; plans says when a restriction is reviewed or ended
(plans.signals.restriction_settled) and the worker's "restrictions" job escalates the overdue."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from carecircle.oversight.escalations import escalation_open, escalation_resolve_key
from carecircle.oversight.models import Escalation, EscalationKind, EscalationStatus
from carecircle.plans.models import RestrictivePractice
from carecircle.plans.services.restrictions import restrictions_overdue


def restriction_key(practice: RestrictivePractice) -> str:
    return f"restriction:{practice.public_id}"


def restriction_escalation_close(*, practice: RestrictivePractice, resolution: str) -> None:
    if practice.client.circle_id:
        escalation_resolve_key(
            circle=practice.client.circle, key=restriction_key(practice), resolution=resolution
        )


def restrictions_overdue_tick(*, now: datetime | None = None) -> dict:
    """Escalate each overdue review to the circle's team leaders (once: the escalation's key is
    the restriction), and close escalations whose restriction was reviewed or ended."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"opened": 0, "closed": 0}
    for practice in restrictions_overdue(today=today):
        days = (today - practice.review_due).days
        _esc, created = escalation_open(
            circle=practice.client.circle,
            kind=EscalationKind.OTHER,
            key=restriction_key(practice),
            subject=f"Review overdue: {practice.get_kind_display().lower()} for {practice.client}",
            reasons=[
                f"The review was due on {practice.review_due:%-d %b %Y} ({days} days ago).",
                f"Lawful basis on record: {practice.get_legal_basis_display()}.",
                "A restriction that is not reviewed may no longer be needed, or lawful.",
            ],
            url=f"/restrictions/{practice.public_id}/",
            now=now,
        )
        counts["opened"] += int(created)
    open_keys = Escalation.objects.filter(
        kind=EscalationKind.OTHER, status=EscalationStatus.OPEN, key__startswith="restriction:"
    ).select_related("circle")
    for esc in open_keys:
        public_id = esc.key.split(":", 1)[1]
        practice = RestrictivePractice.objects.filter(public_id=public_id).first()
        if practice is None or not practice.is_active or practice.review_due >= today:
            escalation_resolve_key(
                circle=esc.circle,
                key=esc.key,
                resolution="The restriction was reviewed or has ended.",
                now=now,
            )
            counts["closed"] += 1
    return counts
