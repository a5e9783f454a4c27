"""The restrictive practices register: record, review, end; overdue reviews go up the ladder.

A restriction (a locked door, bed rails, covert medicines, money controlled by others) needs a
lawful basis and a review date no further off than RESTRICTION_MAX_REVIEW_DAYS. Oversight's
"restrictions" job opens an escalation to the circle's team leaders for each overdue review;
recording the review or ending the restriction sends `restriction_settled`, which closes it."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.audit.services import audit_record, audit_snapshot
from carecircle.people.models import Authority, Representative
from carecircle.plans.access import PlanAction, require_plan
from carecircle.plans.models import (
    LegalBasis,
    RestrictionKind,
    RestrictionReview,
    RestrictivePractice,
)
from carecircle.plans.services.changes import _text
from carecircle.plans.signals import restriction_settled

# A restriction nobody has looked at for six months is not a safeguard any more.
RESTRICTION_MAX_REVIEW_DAYS = 183


def _review_date(value, *, today: date, field: str, earliest: date) -> date:
    if not isinstance(value, date):
        raise ValidationError(
            {field: _("Give a review date, like %(d)s.") % {"d": today.isoformat()}}
        )
    if value < earliest:
        raise ValidationError({field: _("The review date must be after %(d)s.") % {"d": earliest}})
    if value > today + timedelta(days=RESTRICTION_MAX_REVIEW_DAYS):
        raise ValidationError(
            {
                field: _("Review it within %(n)s days (by %(d)s).")
                % {
                    "n": RESTRICTION_MAX_REVIEW_DAYS,
                    "d": today + timedelta(days=RESTRICTION_MAX_REVIEW_DAYS),
                }
            }
        )
    return value


def _check_basis(client, kind: str, basis: str, detail: str) -> None:
    if basis not in LegalBasis.values:
        raise ValidationError({"legal_basis": _("Choose the lawful basis for this restriction.")})
    if kind == RestrictionKind.COVERT_MEDICINE and basis == LegalBasis.CONSENT:
        raise ValidationError(
            {
                "legal_basis": _(
                    "Medicine given with the client's consent is not covert: covert medicines need a best-interests decision or an attorney's or court's authority."
                )
            }
        )
    authority: dict[str, str] = {
        LegalBasis.ATTORNEY: Authority.LPA_HEALTH_WELFARE,
        LegalBasis.DEPUTY: Authority.DEPUTY,
    }
    if (
        basis in authority
        and not Representative.objects.filter(client=client, authority=authority[basis]).exists()
    ):
        raise ValidationError(
            {
                "legal_basis": _("%(client)s has no %(who)s on record.")
                % {"client": client, "who": Authority(authority[basis]).label.lower()}
            }
        )
    if basis != LegalBasis.CONSENT and not detail:
        raise ValidationError(
            {
                "basis_detail": _(
                    "Say where the decision is recorded: who decided, when, and any reference."
                )
            }
        )


def restriction_record(
    *,
    actor,
    client,
    kind: str,
    description: str,
    legal_basis: str,
    started_on,
    review_due,
    basis_detail: str = "",
    today: date | None = None,
) -> RestrictivePractice:
    require_plan(actor, PlanAction.MANAGE_RESTRICTIONS, client)
    today = today or timezone.localdate()
    if kind not in RestrictionKind.values:
        raise ValidationError({"kind": _("Choose what kind of restriction this is.")})
    description = _text(description, "description")
    basis_detail = _text(basis_detail, "basis_detail", required=False)
    _check_basis(client, kind, legal_basis, basis_detail)
    if not isinstance(started_on, date):
        raise ValidationError({"started_on": _("Give the date it started.")})
    if started_on > today + timedelta(days=RESTRICTION_MAX_REVIEW_DAYS):
        raise ValidationError({"started_on": _("That start date is too far ahead.")})
    review_due = _review_date(
        review_due, today=today, field="review_due", earliest=max(today, started_on)
    )
    with transaction.atomic():
        practice = RestrictivePractice.objects.create(
            client=client,
            kind=kind,
            description=description,
            legal_basis=legal_basis,
            basis_detail=basis_detail,
            started_on=started_on,
            review_due=review_due,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="restriction_record",
            obj=practice,
            client=client,
            detail={"kind": kind, "legal_basis": legal_basis, "review_due": review_due.isoformat()},
        )
    return practice


def _settled(practice: RestrictivePractice, text: str) -> None:
    restriction_settled.send(sender=RestrictivePractice, practice=practice, resolution=text)


def restriction_review(
    *, actor, practice: RestrictivePractice, outcome: str, next_review, today: date | None = None
) -> RestrictionReview:
    require_plan(actor, PlanAction.MANAGE_RESTRICTIONS, practice.client)
    today = today or timezone.localdate()
    outcome = _text(outcome, "outcome")
    next_review = _review_date(
        next_review, today=today, field="next_review", earliest=today + timedelta(days=1)
    )
    with transaction.atomic():
        practice = RestrictivePractice.objects.select_for_update().get(pk=practice.pk)
        if not practice.is_active:
            raise ValidationError(
                {"practice": _("This restriction has ended; there is nothing to review.")}
            )
        # The review overwrites the due date and the last review date: the audit keeps the old.
        before = audit_snapshot(practice)
        review = RestrictionReview.objects.create(
            practice=practice,
            reviewed_on=today,
            outcome=outcome,
            next_review=next_review,
            reviewed_by=actor,
        )
        practice.last_reviewed_on, practice.review_due = today, next_review
        practice.save(update_fields=["last_reviewed_on", "review_due"])
        audit_record(
            actor=actor,
            action="restriction_review",
            obj=practice,
            client=practice.client,
            detail={
                "outcome": outcome[:200],
                "next_review": next_review.isoformat(),
                "review": str(review.pk),
            },
            before=before,
        )
        _settled(
            practice, f"Reviewed by {actor.get_full_name()}; next review {next_review:%-d %b %Y}."
        )
    return review


def restriction_end(
    *, actor, practice: RestrictivePractice, reason: str, today: date | None = None
) -> RestrictivePractice:
    require_plan(actor, PlanAction.MANAGE_RESTRICTIONS, practice.client)
    today = today or timezone.localdate()
    reason = _text(reason, "reason")
    with transaction.atomic():
        practice = RestrictivePractice.objects.select_for_update().get(pk=practice.pk)
        if not practice.is_active:
            raise ValidationError({"practice": _("This restriction has already ended.")})
        before = audit_snapshot(practice)
        practice.ended_on, practice.ended_reason = today, reason
        practice.save(update_fields=["ended_on", "ended_reason"])
        audit_record(
            actor=actor,
            action="restriction_end",
            obj=practice,
            client=practice.client,
            before=before,
            detail={"reason": reason[:200]},
        )
        _settled(practice, f"Ended by {actor.get_full_name()}: {reason[:200]}")
    return practice


def restrictions_overdue(*, today: date):
    return RestrictivePractice.objects.filter(
        ended_on__isnull=True, review_due__lt=today, client__circle__isnull=False
    ).select_related("client__circle")
