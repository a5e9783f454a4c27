"""The restrictive practices register: lawful basis, review dates, overdue reviews escalated to
the team leaders through the ladder and closed when reviewed or ended."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carecircle.audit.models import AuditEvent
from carecircle.circles.models import Escalation, EscalationLevel, EscalationStatus
from carecircle.circles.ticks import tick
from carecircle.plans import services as svc
from carecircle.plans.models import LegalBasis, RestrictionKind
from carecircle.plans.services.restrictions import RESTRICTION_MAX_REVIEW_DAYS


def _record(people, **kw):
    today = timezone.localdate()
    fields = {
        "client": people.arthur,
        "kind": RestrictionKind.LOCKED_DOOR,
        "description": "Front door locked at night; Arthur walked out at 3 am twice.",
        "legal_basis": LegalBasis.BEST_INTERESTS,
        "basis_detail": "Best-interests meeting 3 March with his son and the GP.",
        "started_on": today,
        "review_due": today + timedelta(days=30),
    }
    fields.update(kw)
    return svc.restriction_record(actor=people.team_leader, **fields)


@pytest.mark.django_db
def test_record_review_and_end_are_audited(people):
    practice = _record(people)
    today = timezone.localdate()
    svc.restriction_review(
        actor=people.team_leader,
        practice=practice,
        outcome="Still needed; tried a door sensor, he still leaves.",
        next_review=today + timedelta(days=60),
    )
    practice.refresh_from_db()
    assert practice.last_reviewed_on == today
    assert practice.review_due == today + timedelta(days=60)
    svc.restriction_end(actor=people.team_leader, practice=practice, reason="Moved to a care home")
    practice.refresh_from_db()
    assert not practice.is_active
    actions = list(
        AuditEvent.objects.filter(object_id=str(practice.public_id))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["restriction_record", "restriction_review", "restriction_end"]
    with pytest.raises(ValidationError, match="ended"):
        svc.restriction_end(actor=people.team_leader, practice=practice, reason="again")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {"kind": RestrictionKind.COVERT_MEDICINE, "legal_basis": LegalBasis.CONSENT},
            "legal_basis",
        ),
        ({"legal_basis": LegalBasis.ATTORNEY}, "legal_basis"),  # Arthur has no attorney
        ({"legal_basis": "because"}, "legal_basis"),
        ({"basis_detail": ""}, "basis_detail"),
        ({"description": ""}, "description"),
        ({"kind": "cage"}, "kind"),
        ({"review_due": None}, "review_due"),
        (
            {"review_due": timezone.localdate() + timedelta(days=RESTRICTION_MAX_REVIEW_DAYS + 1)},
            "review_due",
        ),
        ({"review_due": timezone.localdate() - timedelta(days=1)}, "review_due"),
    ],
)
def test_bad_restrictions_say_which_field(people, fields, field):
    with pytest.raises(ValidationError) as exc:
        _record(people, **fields)
    assert field in exc.value.message_dict


@pytest.mark.django_db
def test_attorney_basis_needs_an_attorney_on_record(people):
    practice = _record(
        people,
        client=people.edna,
        kind=RestrictionKind.CONTROLLED_MONEY,
        legal_basis=LegalBasis.ATTORNEY,
        basis_detail="Sue manages Edna's bank account under the LPA.",
    )
    assert practice.legal_basis == LegalBasis.ATTORNEY


@pytest.mark.django_db
def test_only_team_leaders_of_the_circle_manage_restrictions(people):
    for actor in (people.carer, people.client, people.representative, people.manager):
        with pytest.raises(PermissionDenied):
            svc.restriction_record(
                actor=actor,
                client=people.edna,
                kind=RestrictionKind.BED_RAILS,
                description="x",
                legal_basis=LegalBasis.CONSENT,
                started_on=timezone.localdate(),
                review_due=timezone.localdate() + timedelta(days=10),
            )


@pytest.mark.django_db
def test_overdue_review_escalates_to_team_leaders_once_and_closes_when_reviewed(people):
    practice = _record(people)
    later = timezone.now() + timedelta(days=31)
    counts = tick(now=later)["restrictions"]
    assert counts["opened"] == 1
    esc = Escalation.objects.get(key=f"restriction:{practice.public_id}")
    assert esc.level == EscalationLevel.TEAM_LEADERS and esc.circle == people.riverside
    assert esc.owner is not None and esc.status == EscalationStatus.OPEN
    assert "overdue" in esc.subject.lower()
    assert tick(now=later)["restrictions"]["opened"] == 0  # once per restriction
    svc.restriction_review(
        actor=people.team_leader,
        practice=practice,
        outcome="Still needed.",
        next_review=timezone.localdate() + timedelta(days=90),
    )
    esc.refresh_from_db()
    assert esc.status == EscalationStatus.RESOLVED and "Reviewed" in esc.resolution


@pytest.mark.django_db
def test_tick_closes_escalations_of_restrictions_no_longer_overdue(people):
    practice = _record(people)
    later = timezone.now() + timedelta(days=31)
    tick(now=later)
    type(practice).objects.filter(pk=practice.pk).update(ended_on=timezone.localdate())
    assert tick(now=later)["restrictions"]["closed"] == 1
    esc = Escalation.objects.get(key=f"restriction:{practice.public_id}")
    assert esc.status == EscalationStatus.RESOLVED
