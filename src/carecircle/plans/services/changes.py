"""Negotiated changes to a care plan: propose → consent → risk note → endorse → new version.

Every step checks who may take it (plans.access.PLAN_ACTIONS), validates with errors naming the
field, and writes its audit row in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.audit.services import audit_record, audit_snapshot
from carecircle.circles.selectors import team_leaders
from carecircle.notifications.services import notify
from carecircle.people.models import Representative
from carecircle.plans.access import (
    ATTORNEY_AUTHORITIES,
    PlanAction,
    Rel,
    relationships,
    require_plan,
)
from carecircle.plans.models import (
    CapacityAssessment,
    CarePlan,
    ChangeKind,
    ChangeStatus,
    ConsentBasis,
    Likelihood,
    PlanChange,
    PlanTask,
    RiskNote,
    VisitPattern,
)
from carecircle.plans.services.versions import apply_change

MAX_TEXT = 2000


def _text(value, field: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This is needed.")})
    if len(value) > limit:
        raise ValidationError({field: _("Keep it under %(n)s characters.") % {"n": limit}})
    return value


def _state(change: PlanChange, **records) -> dict:
    """The change as stored, with the records a step writes beside it (a capacity assessment,
    a risk note). A later step replaces those in place, so the audit is where the old one is
    kept."""
    state = audit_snapshot(change)
    for name, record in records.items():
        state[name] = audit_snapshot(record) if record is not None else None
    return state


def _audit(
    actor, action: str, change: PlanChange, *, before: dict | None, after=None, **detail
) -> None:
    """`before` is the state taken (under the row lock) before the step changed anything;
    None for a change just proposed, which had no earlier state."""
    audit_record(
        actor=actor,
        action=action,
        obj=change,
        client=change.plan.client,
        detail={"status": change.status, "before": before, **detail},
        after=after if after is not None else _state(change),
    )


def _tell(people, change: PlanChange, subject: str) -> None:
    """Tell people about a step once it has committed (never the person who took it)."""
    url = f"/plan-changes/{change.public_id}/"
    body = f"{change.get_kind_display()}: {change.summary}"
    for user in {p.pk: p for p in people if p is not None}.values():
        notify(user=user, subject=subject, body=body, url=url)


def _after_commit(people, change: PlanChange, subject: str, *, actor) -> None:
    people = [p for p in people if p is not None and p.pk != actor.pk]
    if people:
        transaction.on_commit(lambda: _tell(people, change, subject))


def _locked(change: PlanChange) -> PlanChange:
    return PlanChange.objects.select_for_update().get(pk=change.pk)


def _require_open(change: PlanChange, *statuses: str) -> None:
    allowed = statuses or (ChangeStatus.PROPOSED, ChangeStatus.CONSENTED)
    if change.status not in allowed:
        raise ValidationError(
            {
                "status": _("This change is “%(status)s”; that step is not possible now.")
                % {"status": change.get_status_display()}
            }
        )


# ------------------------------------------------------------------------- propose


def _weekdays(value) -> list[int]:
    try:
        days = sorted({int(d) for d in (value or [])})
    except (TypeError, ValueError):
        raise ValidationError({"weekdays": _("Weekdays are numbers 0 (Monday) to 6.")}) from None
    if not days or days[0] < 0 or days[-1] > 6:
        raise ValidationError({"weekdays": _("Pick at least one day, Monday to Sunday.")})
    return days


def _visit_change(pattern, weekdays, window_start, window_end, duration_minutes) -> dict:
    if pattern is None:
        raise ValidationError({"pattern": _("Choose the visit to change.")})
    days = _weekdays(weekdays)
    if window_start is None or window_end is None:
        raise ValidationError({"window_start": _("Give the earliest and latest start.")})
    if window_end < window_start:
        raise ValidationError(
            {"window_end": _("The latest start must not be before the earliest.")}
        )
    try:
        minutes = int(duration_minutes)
    except (TypeError, ValueError):
        raise ValidationError({"duration_minutes": _("Give the length in minutes.")}) from None
    if not 5 <= minutes <= 720:
        raise ValidationError({"duration_minutes": _("A visit lasts 5 to 720 minutes.")})
    same = (
        days == sorted(pattern.weekdays)
        and window_start == pattern.window_start
        and window_end == pattern.window_end
        and minutes == pattern.duration_minutes
    )
    if same:
        raise ValidationError({"weekdays": _("That is the visit as it is now: nothing changes.")})
    return {
        "pattern": pattern,
        "title": pattern.name,
        "weekdays": days,
        "window_start": window_start,
        "window_end": window_end,
        "duration_minutes": minutes,
    }


def change_propose(
    *,
    actor,
    client,
    kind: str,
    reason: str,
    title: str = "",
    details: str = "",
    pattern: VisitPattern | None = None,
    task: PlanTask | None = None,
    weekdays=None,
    window_start: time | None = None,
    window_end: time | None = None,
    duration_minutes: int | None = None,
    now: datetime | None = None,
) -> PlanChange:
    require_plan(actor, PlanAction.PROPOSE, client)
    plan = CarePlan.objects.filter(client=client).first()
    version = plan.agreed_version() if plan else None
    if plan is None or version is None:
        raise ValidationError(
            {"plan": _("%(client)s has no agreed plan to change yet.") % {"client": client}}
        )
    if kind not in ChangeKind.values:
        raise ValidationError({"kind": _("Choose what kind of change this is.")})
    reason = _text(reason, "reason")
    fields: dict = {}
    if pattern is not None and pattern.version_id != version.id:
        raise ValidationError({"pattern": _("That visit is not in the current plan.")})
    if kind == ChangeKind.ADD_TASK:
        fields = {
            "title": _text(title, "title", limit=120),
            "details": _text(details, "details", required=False),
            "pattern": pattern,
        }
    elif kind == ChangeKind.REMOVE_TASK:
        if task is None or task.version_id != version.id:
            raise ValidationError({"task": _("Choose a task from the current plan.")})
        fields = {"task": task, "title": task.title, "pattern": task.pattern}
    else:
        fields = _visit_change(pattern, weekdays, window_start, window_end, duration_minutes)
    now = now or timezone.now()
    with transaction.atomic():
        change = PlanChange.objects.create(
            plan=plan,
            base_version=version,
            kind=kind,
            reason=reason,
            proposed_by=actor,
            proposed_at=now,
            **fields,
        )
        # The client proposing their own change has consented to it by doing so.
        if Rel.CLIENT in relationships(actor, client):
            change.status = ChangeStatus.CONSENTED
            change.consent_basis, change.consent_by, change.consent_at = (
                ConsentBasis.CLIENT,
                actor,
                now,
            )
            change.consent_note = _("Proposed by the client.")
            change.save()
        _audit(actor, "plan_change_propose", change, before=None, kind=kind, summary=change.summary)
        if change.status == ChangeStatus.PROPOSED:
            _after_commit(
                [client.user],
                change,
                _("A change to your care plan is proposed: do you agree?"),
                actor=actor,
            )
        else:
            _after_commit(
                team_leaders(client.circle) if client.circle_id else [],
                change,
                _("%(client)s asks for a change to their plan") % {"client": client},
                actor=actor,
            )
    return change


# ------------------------------------------------------------------------- capacity


def change_assess_capacity(
    *,
    actor,
    change: PlanChange,
    can_understand: bool,
    can_retain: bool,
    can_weigh: bool,
    can_communicate: bool,
    impairment: bool,
    because_of_impairment: bool,
    impairment_detail: str = "",
    notes: str = "",
    now: datetime | None = None,
) -> CapacityAssessment:
    client = change.plan.client
    require_plan(actor, PlanAction.ASSESS_CAPACITY, client)
    impairment_detail = _text(impairment_detail, "impairment_detail", required=impairment)
    notes = _text(notes, "notes", required=False)
    able = all((can_understand, can_retain, can_weigh, can_communicate))
    if because_of_impairment and not impairment:
        raise ValidationError(
            {"because_of_impairment": _("There can be no “because of” without an impairment.")}
        )
    if because_of_impairment and able:
        raise ValidationError(
            {"because_of_impairment": _("The person can decide: there is no inability to explain.")}
        )
    if not able and not notes:
        raise ValidationError(
            {
                "notes": _(
                    "Say what the person could not do, and what help they were given to decide."
                )
            }
        )
    now = now or timezone.now()
    with transaction.atomic():
        change = _locked(change)
        _require_open(change, ChangeStatus.PROPOSED)
        before = _state(change, capacity_assessment=_capacity(change))
        assessment, _created = CapacityAssessment.objects.update_or_create(
            change=change,
            defaults={
                "can_understand": can_understand,
                "can_retain": can_retain,
                "can_weigh": can_weigh,
                "can_communicate": can_communicate,
                "impairment": impairment,
                "impairment_detail": impairment_detail,
                "because_of_impairment": because_of_impairment,
                "notes": notes,
                "assessed_by": actor,
                "assessed_at": now,
            },
        )
        _audit(
            actor,
            "plan_change_capacity",
            change,
            before=before,
            after=_state(change, capacity_assessment=assessment),
            lacks_capacity=assessment.lacks_capacity,
            unable_to=assessment.unable_to,
        )
    return assessment


# ------------------------------------------------------------------------- consent


def _capacity(change: PlanChange) -> CapacityAssessment | None:
    return CapacityAssessment.objects.filter(change=change).first()


def change_consent(
    *, actor, change: PlanChange, basis: str, note: str = "", now: datetime | None = None
) -> PlanChange:
    """Record consent to the change: the client's own, or — only when a capacity assessment
    shows the client lacks capacity for this decision — the attorney's or a best-interests
    decision. An attorney with authority decides before a best-interests decision is made."""
    client = change.plan.client
    rels = relationships(actor, client)
    note = _text(note, "note", required=False)
    if basis == ConsentBasis.CLIENT:
        if Rel.CLIENT not in rels:
            require_plan(
                actor,
                PlanAction.RECORD_CLIENT_CONSENT,
                client,
                _("Only %(client)s, or a team leader who heard them agree, can say yes.")
                % {"client": client.display_name},
            )
            if not note:
                raise ValidationError(
                    {
                        "note": _("Say how and when %(client)s agreed.")
                        % {"client": client.display_name}
                    }
                )
    elif basis == ConsentBasis.ATTORNEY:
        require_plan(
            actor,
            PlanAction.CONSENT_AS_ATTORNEY,
            client,
            _("Only an attorney or deputy for %(client)s can consent for them.")
            % {"client": client.display_name},
        )
    elif basis == ConsentBasis.BEST_INTERESTS:
        require_plan(actor, PlanAction.BEST_INTERESTS, client)
        if not note:
            raise ValidationError(
                {
                    "note": _(
                        "Write the best-interests decision: what was decided, why, and who was consulted."
                    )
                }
            )
        attorneys = Representative.objects.filter(client=client, authority__in=ATTORNEY_AUTHORITIES)
        if attorneys.exists():
            names = ", ".join(str(r.user) for r in attorneys.select_related("user"))
            raise ValidationError(
                {
                    "basis": _(
                        "%(client)s has an attorney or deputy (%(names)s): they decide, not a best-interests decision."
                    )
                    % {"client": client.display_name, "names": names}
                }
            )
    else:
        raise ValidationError({"basis": _("Choose whose consent this is.")})
    now = now or timezone.now()
    with transaction.atomic():
        change = _locked(change)
        _require_open(change, ChangeStatus.PROPOSED)
        before = _state(change)
        assessment = _capacity(change)
        lacks = assessment is not None and assessment.lacks_capacity
        if basis == ConsentBasis.CLIENT and lacks:
            raise ValidationError(
                {
                    "basis": _(
                        "The capacity assessment found %(client)s cannot make this decision: record the attorney's consent or a best-interests decision."
                    )
                    % {"client": client.display_name}
                }
            )
        if basis != ConsentBasis.CLIENT and not lacks:
            raise ValidationError(
                {
                    "basis": _(
                        "Others decide only when %(client)s lacks capacity for this decision: a team leader records the two-stage capacity assessment first."
                    )
                    % {"client": client.display_name}
                }
            )
        change.status = ChangeStatus.CONSENTED
        change.consent_basis, change.consent_by, change.consent_at = basis, actor, now
        change.consent_note = note
        change.save()
        _audit(actor, "plan_change_consent", change, before=before, basis=basis)
        _after_commit(
            team_leaders(client.circle) if client.circle_id else [],
            change,
            _("%(client)s's plan change is ready to endorse") % {"client": client},
            actor=actor,
        )
    return change


def change_decline(*, actor, change: PlanChange, reason: str, now=None) -> PlanChange:
    """The client (or their attorney) says no. That is the end of it: their no needs no one's
    endorsement."""
    require_plan(actor, PlanAction.DECLINE, change.plan.client)
    return _reject(actor, change, reason, action="plan_change_decline", now=now)


def change_reject(*, actor, change: PlanChange, reason: str, now=None) -> PlanChange:
    require_plan(actor, PlanAction.REJECT, change.plan.client)
    return _reject(actor, change, reason, action="plan_change_reject", now=now)


def _reject(actor, change: PlanChange, reason: str, *, action: str, now=None) -> PlanChange:
    reason = _text(reason, "reason")
    now = now or timezone.now()
    with transaction.atomic():
        change = _locked(change)
        _require_open(change)
        before = _state(change)
        change.status = ChangeStatus.REJECTED
        change.rejected_by, change.rejected_at, change.rejection_reason = actor, now, reason
        change.save()
        _audit(actor, action, change, before=before, reason=reason)
        _after_commit(
            [change.proposed_by],
            change,
            _("Your proposed change for %(client)s was not agreed")
            % {"client": change.plan.client},
            actor=actor,
        )
    return change


def change_withdraw(*, actor, change: PlanChange, now=None) -> PlanChange:
    if change.proposed_by_id != actor.id:
        raise PermissionDenied(_("Only the person who proposed a change can withdraw it."))
    with transaction.atomic():
        change = _locked(change)
        _require_open(change)
        before = _state(change)
        change.status = ChangeStatus.WITHDRAWN
        change.save()
        _audit(actor, "plan_change_withdraw", change, before=before)
    return change


# ------------------------------------------------------------------------- risk


def change_note_risk(
    *, actor, change: PlanChange, hazard: str, likelihood: str, mitigation: str, now=None
) -> RiskNote:
    require_plan(actor, PlanAction.NOTE_RISK, change.plan.client)
    hazard = _text(hazard, "hazard")
    mitigation = _text(mitigation, "mitigation")
    if likelihood not in Likelihood.values:
        raise ValidationError({"likelihood": _("Choose how likely the harm is.")})
    now = now or timezone.now()
    with transaction.atomic():
        change = _locked(change)
        _require_open(change)
        before = _state(change, risk_note=RiskNote.objects.filter(change=change).first())
        note, _created = RiskNote.objects.update_or_create(
            change=change,
            defaults={
                "hazard": hazard,
                "likelihood": likelihood,
                "mitigation": mitigation,
                "written_by": actor,
                "written_at": now,
            },
        )
        _audit(
            actor,
            "plan_change_risk",
            change,
            before=before,
            after=_state(change, risk_note=note),
            likelihood=likelihood,
        )
    return note


# ------------------------------------------------------------------------- endorse


def change_endorse(*, actor, change: PlanChange, now: datetime | None = None) -> PlanChange:
    client = change.plan.client
    require_plan(actor, PlanAction.ENDORSE, client)
    # Four eyes: whoever wants a change does not also approve it.
    if change.proposed_by_id == actor.id and Rel.ADMIN not in relationships(actor, client):
        raise PermissionDenied(_("Another team leader must endorse a change you proposed."))
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the plan: two endorsements at once must not both make "version N+1".
        CarePlan.objects.select_for_update().get(pk=change.plan_id)
        change = _locked(change)
        if change.status == ChangeStatus.PROPOSED:
            raise ValidationError(
                {"status": _("It needs consent first: the client's, or lawfully for them.")}
            )
        _require_open(change, ChangeStatus.CONSENTED)
        if not RiskNote.objects.filter(change=change).exists():
            raise ValidationError(
                {
                    "risk": _(
                        "Write the risk note (hazard, likelihood, mitigation) before endorsing."
                    )
                }
            )
        before = _state(change)
        agreed = change.plan.agreed_version()
        version = apply_change(change, actor=actor, now=now)
        change.status = ChangeStatus.ENDORSED
        change.endorsed_by, change.endorsed_at, change.new_version = actor, now, version
        change.save()
        _audit(actor, "plan_change_endorse", change, before=before, version=version.number)
        _after_commit(
            [change.proposed_by],
            change,
            _("Your change is in %(client)s's plan (version %(n)s)")
            % {"client": client, "n": version.number},
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="plan_version_agree",
            obj=change.plan,
            client=client,
            before={"agreed_version": agreed.number if agreed else None},
            after={"agreed_version": version.number},
            detail={"version": version.number, "change": str(change.public_id)},
        )
    return change
