"""Pages for negotiated care plans, the restrictive practices register and equity. Thin: each
calls one service and says plainly what happened, or which rule stopped it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carecircle.audit.reads import audit_listing, audit_read
from carecircle.circles.access import led_circles
from carecircle.core.form_errors import say_errors
from carecircle.people.models import Role
from carecircle.people.permissions import roles_of
from carecircle.plans import forms as f
from carecircle.plans import services as svc
from carecircle.plans.access import (
    PlanAction,
    Rel,
    access_change,
    access_plan_client,
    access_restriction,
    can,
    relationships,
    restrictions_visible_to,
)
from carecircle.plans.models import (
    CapacityAssessment,
    CarePlan,
    ChangeKind,
    ChangeStatus,
    PlanTask,
    RiskNote,
    VersionStatus,
    VisitPattern,
)
from carecircle.plans.selectors import version_diff, versions_of


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else field
        for error in errors:
            messages.error(request, f"{label}: {error}")


# ------------------------------------------------------------------ plan and versions


@login_required
def plan_page(request: HttpRequest, client_id) -> HttpResponse:
    client = access_plan_client(request.user, client_id)
    plan = CarePlan.objects.filter(client=client).first()
    audit_read(actor=request.user, obj=client, client=client, view="plan")
    changes = list(plan.changes.select_related("proposed_by", "pattern")) if plan else []
    versions = list(versions_of(plan)) if plan else []
    context = {
        "client": client,
        "plan": plan,
        "version": next((v for v in versions if v.status == VersionStatus.AGREED), None),
        "versions": versions,
        "open_changes": [c for c in changes if c.is_open],
        "past_changes": [c for c in changes if not c.is_open][:20],
        "restrictions": client.restrictions.filter(ended_on__isnull=True),
        "can_propose": can(request.user, PlanAction.PROPOSE, client),
        "can_restrict": can(request.user, PlanAction.MANAGE_RESTRICTIONS, client),
        "today": timezone.localdate(),
    }
    return render(request, "plans/plan_page.html", context)


@login_required
def plan_compare(request: HttpRequest, client_id) -> HttpResponse:
    client = access_plan_client(request.user, client_id)
    plan = CarePlan.objects.filter(client=client).first()
    versions = list(versions_of(plan)) if plan else []
    if not versions:
        raise Http404("No plan versions.")
    by_number = {v.number: v for v in versions}

    def pick(key: str, default):
        raw = request.GET.get(key, "")
        if not raw:
            return default
        try:
            return by_number[int(raw)]
        except (ValueError, KeyError):
            messages.error(
                request,
                _("%(key)s: there is no version “%(raw)s”; showing the latest two.")
                % {"key": key, "raw": raw[:10]},
            )
            return default

    right = pick("b", versions[0])
    left = pick("a", versions[1] if len(versions) > 1 else versions[0])
    if left.number > right.number:
        left, right = right, left
    audit_read(
        actor=request.user,
        obj=plan,
        client=client,
        view="plan_compare",
        versions=[left.number, right.number],
    )
    return render(
        request,
        "plans/compare.html",
        {
            "client": client,
            "left": left,
            "right": right,
            "rows": version_diff(left, right),
            "versions": versions,
            "changes": list(right.source_changes.all()),
        },
    )


# ------------------------------------------------------------------ changes


@login_required
def change_new(request: HttpRequest, client_id) -> HttpResponse:
    client = access_plan_client(request.user, client_id)
    if not can(request.user, PlanAction.PROPOSE, client):
        raise PermissionDenied(_("You may not propose changes for this client."))
    plan = CarePlan.objects.filter(client=client).first()
    version = plan.agreed_version() if plan else None
    if version is None:
        messages.error(
            request, _("%(client)s has no agreed plan to change yet.") % {"client": client}
        )
        return redirect("plan_page", client.public_id)
    form = f.ProposeForm(request.POST or None, version=version)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            pattern = VisitPattern.objects.filter(
                pk=data["pattern"] or None, version=version
            ).first()
            task = PlanTask.objects.filter(pk=data["task"] or None, version=version).first()
            try:
                change = svc.change_propose(
                    actor=request.user,
                    client=client,
                    kind=data["kind"],
                    reason=data["reason"],
                    title=data["title"],
                    details=data["details"],
                    pattern=pattern,
                    task=task,
                    weekdays=data["weekdays"],
                    window_start=data["window_start"],
                    window_end=data["window_end"],
                    duration_minutes=data["duration_minutes"],
                )
            except ValidationError as exc:
                say_errors(request, exc)
            else:
                if change.status == ChangeStatus.CONSENTED:
                    messages.success(
                        request,
                        _("Proposed. As it is your own wish, a team leader will now look at it."),
                    )
                else:
                    messages.success(
                        request,
                        _(
                            "Proposed. Next, %(client)s says yes or no (or, if they cannot decide this, the record shows who lawfully does)."
                        )
                        % {"client": client.display_name},
                    )
                return redirect("change_page", change.public_id)
        else:
            _form_errors(request, form)
    return render(
        request,
        "plans/change_new.html",
        {"client": client, "version": version, "form": form, "kinds": ChangeKind},
    )


def _steps(change, user) -> dict:
    client = change.plan.client
    rels = relationships(user, client)
    open_ = change.is_open
    proposed = change.status == ChangeStatus.PROPOSED
    capacity = CapacityAssessment.objects.filter(change=change).first()
    risk = RiskNote.objects.filter(change=change).select_related("written_by").first()
    return {
        "capacity": capacity,
        "risk": risk,
        "can_consent": proposed
        and (
            Rel.CLIENT in rels
            or can(user, PlanAction.RECORD_CLIENT_CONSENT, client)
            or Rel.ATTORNEY in rels
        ),
        "is_client": Rel.CLIENT in rels,
        "is_attorney": Rel.ATTORNEY in rels,
        "can_assess": proposed and can(user, PlanAction.ASSESS_CAPACITY, client),
        "can_risk": open_ and can(user, PlanAction.NOTE_RISK, client),
        "can_endorse": change.status == ChangeStatus.CONSENTED
        and can(user, PlanAction.ENDORSE, client),
        "can_reject": open_ and can(user, PlanAction.REJECT, client),
        "can_decline": proposed and can(user, PlanAction.DECLINE, client),
        "can_withdraw": open_ and change.proposed_by_id == user.id,
    }


@login_required
def change_page(request: HttpRequest, change_id) -> HttpResponse:
    change = access_change(request.user, change_id)
    audit_read(actor=request.user, obj=change, client=change.plan.client, view="change")
    context = {"change": change, "client": change.plan.client, **_steps(change, request.user)}
    context.update(
        {
            "consent_form": f.ConsentForm(),
            "capacity_form": f.CapacityForm(),
            "risk_form": f.RiskForm(),
            "reason_form": f.ReasonForm(),
        }
    )
    return render(request, "plans/change_page.html", context)


CHANGE_ACTIONS = {"consent", "capacity", "risk", "endorse", "reject", "decline", "withdraw"}


@login_required
@require_POST
def change_act(request: HttpRequest, change_id, action: str) -> HttpResponse:
    if action not in CHANGE_ACTIONS:
        raise Http404("No such step.")
    change = access_change(request.user, change_id)
    user = request.user
    done = None
    try:
        if action == "consent":
            form = f.ConsentForm(request.POST)
            if form.is_valid():
                svc.change_consent(actor=user, change=change, **form.cleaned_data)
                done = _("Consent recorded. A team leader endorses it next (after the risk note).")
        elif action == "capacity":
            form = f.CapacityForm(request.POST)
            if form.is_valid():
                result = svc.change_assess_capacity(actor=user, change=change, **form.answers())
                done = (
                    _(
                        "Assessment recorded: %(client)s lacks capacity for this decision. The attorney consents, or a best-interests decision is recorded."
                    )
                    if result.lacks_capacity
                    else _(
                        "Assessment recorded: %(client)s can make this decision, so it is theirs to make."
                    )
                ) % {"client": change.plan.client.display_name}
        elif action == "risk":
            form = f.RiskForm(request.POST)
            if form.is_valid():
                svc.change_note_risk(actor=user, change=change, **form.cleaned_data)
                done = _("Risk note saved.")
        elif action in ("reject", "decline"):
            form = f.ReasonForm(request.POST)
            if form.is_valid():
                service = svc.change_reject if action == "reject" else svc.change_decline
                service(actor=user, change=change, reason=form.cleaned_data["reason"])
                done = _("Not agreed. The reason is on the record and the proposer can see it.")
        elif action == "endorse":
            form = None
            change = svc.change_endorse(actor=user, change=change)
            done = _(
                "Endorsed: the plan is now version %(n)s. Carers see the change on their next visit."
            ) % {"n": change.new_version.number}
            if change.kind == ChangeKind.CHANGE_VISIT:
                done += " " + _(
                    "Visits not yet started move to the new days and times; carers keep them "
                    "where the rules allow, otherwise the place shows as open, and each "
                    "carer affected has a message."
                )
        else:
            form = None
            svc.change_withdraw(actor=user, change=change)
            done = _("Withdrawn.")
        if form is not None and not form.is_valid():
            _form_errors(request, form)
    except ValidationError as exc:
        say_errors(request, exc)
    if done:
        messages.success(request, done)
    return redirect("change_page", change.public_id)


# ------------------------------------------------------------------ restrictive practices


def _can_see_register(user) -> bool:
    roles = roles_of(user)
    return bool(roles & {Role.TEAM_LEADER, Role.SAFEGUARDING_LEAD, Role.ADMIN}) or user.is_superuser


@login_required
def restriction_register(request: HttpRequest) -> HttpResponse:
    if not _can_see_register(request.user):
        raise PermissionDenied(_("The register is for team leaders and the safeguarding lead."))
    today = timezone.localdate()
    practices = list(
        restrictions_visible_to(request.user)
        .filter(ended_on__isnull=True)
        .select_related("client__circle")
        .order_by("review_due")
    )
    audit_listing(
        actor=request.user, view="restriction_register", clients=(p.client for p in practices)
    )
    return render(
        request,
        "plans/restriction_register.html",
        {
            "practices": practices,
            "overdue": [p for p in practices if p.review_due < today],
            "today": today,
            "circles": led_circles(request.user),
        },
    )


@login_required
def restriction_new(request: HttpRequest, client_id) -> HttpResponse:
    client = access_plan_client(request.user, client_id)
    if not can(request.user, PlanAction.MANAGE_RESTRICTIONS, client):
        raise PermissionDenied(_("Team leaders record restrictions."))
    form = f.RestrictionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                practice = svc.restriction_record(
                    actor=request.user, client=client, **form.cleaned_data
                )
            except ValidationError as exc:
                say_errors(request, exc)
            else:
                messages.success(
                    request,
                    _(
                        "On the register. Review by %(d)s; if it is missed the team leaders are told."
                    )
                    % {"d": practice.review_due.strftime("%-d %b %Y")},
                )
                return redirect("restriction_page", practice.public_id)
        else:
            _form_errors(request, form)
    return render(request, "plans/restriction_new.html", {"client": client, "form": form})


@login_required
def restriction_page(request: HttpRequest, restriction_id) -> HttpResponse:
    practice = access_restriction(request.user, restriction_id)
    client = practice.client
    audit_read(actor=request.user, obj=practice, client=client, view="restriction")
    return render(
        request,
        "plans/restriction_page.html",
        {
            "practice": practice,
            "client": client,
            "reviews": practice.reviews.select_related("reviewed_by"),
            "can_manage": practice.is_active
            and can(request.user, PlanAction.MANAGE_RESTRICTIONS, client),
            "review_form": f.ReviewForm(),
            "reason_form": f.ReasonForm(),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def restriction_act(request: HttpRequest, restriction_id, action: str) -> HttpResponse:
    if action not in ("review", "end"):
        raise Http404("No such step.")
    practice = access_restriction(request.user, restriction_id)
    form = f.ReviewForm(request.POST) if action == "review" else f.ReasonForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("restriction_page", practice.public_id)
    try:
        if action == "review":
            svc.restriction_review(actor=request.user, practice=practice, **form.cleaned_data)
            messages.success(request, _("Review recorded."))
        else:
            svc.restriction_end(
                actor=request.user, practice=practice, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Restriction ended."))
    except ValidationError as exc:
        say_errors(request, exc)
    return redirect("restriction_page", practice.public_id)
