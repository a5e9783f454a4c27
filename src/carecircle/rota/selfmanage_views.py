"""Pages for a circle that runs itself: availability, open places, swaps, absences and cover,
released visits and kept time. Thin: each calls one service in rota.services and says plainly
what happened — or, when a rule stops it, which rule and why."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carecircle.circles.access import led_circles, parse_uuid
from carecircle.people.access import access_client, carer_of, clients_visible_to
from carecircle.rota import services as sm
from carecircle.rota.access import access_visit
from carecircle.rota.models import (
    Absence,
    AbsenceKind,
    AssignmentStatus,
    AvailabilityException,
    AvailabilityRule,
    KeptTime,
    KeptTimeUse,
    OfferStatus,
    Release,
)

WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


def _say_errors(request, exc: ValidationError) -> None:
    if hasattr(exc, "message_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                messages.error(
                    request,
                    error if field in ("__all__", "visit", "offer") else f"{field}: {error}",
                )
    else:
        for error in exc.messages:
            messages.error(request, error)


def _back(request, default: str) -> HttpResponse:
    target = request.POST.get("next") or default
    if not target.startswith("/") or target.startswith("//"):
        target = default
    return redirect(target)


def _carer_or_403(request):
    carer = carer_of(request.user)
    if carer is None:
        raise PermissionDenied(_("This page is for carers."))
    return carer


# ---------------------------------------------------------------------------- places


@login_required
@require_POST
def place_claim(request: HttpRequest, visit_id) -> HttpResponse:
    try:
        assignment = sm.place_claim(actor=request.user, visit_id=visit_id)
    except ValidationError as exc:
        _say_errors(request, exc)
    else:
        v = assignment.visit
        messages.success(
            request,
            _("It is yours: %(client)s, %(when)s. It is on your day now.")
            % {
                "client": v.client,
                "when": timezone.localtime(v.start or v.window_start).strftime("%a %-d %b %H:%M"),
            },
        )
    return _back(request, reverse("my_day"))


# ---------------------------------------------------------------------------- swaps


class SwapForm(forms.Form):
    to = forms.CharField(required=False)
    message = forms.CharField(required=False, max_length=200)


@login_required
def swap_new(request: HttpRequest, visit_id) -> HttpResponse:
    carer = _carer_or_403(request)
    visit = access_visit(request.user, visit_id)
    if not visit.assignments.filter(carer=carer, status=AssignmentStatus.PUBLISHED).exists():
        raise Http404("You are not on this visit.")
    colleagues = [c for c in sm.carers_to_ask(visit, exclude=carer)]
    if request.method == "POST":
        form = SwapForm(request.POST)
        form.is_valid()
        to = form.cleaned_data.get("to") or None
        try:
            sm.swap_offer(
                actor=request.user,
                visit_id=visit.public_id,
                to_carer_id=to,
                message=form.cleaned_data.get("message", ""),
            )
        except ValidationError as exc:
            _say_errors(request, exc)
        else:
            messages.success(
                request,
                _("Offered. You keep the visit until someone takes it; we will tell you."),
            )
            return redirect("my_day")
    return render(
        request,
        "rota/swap_new.html",
        {"visit": visit, "colleagues": sorted(colleagues, key=lambda c: c.name)},
    )


@login_required
def swap_page(request: HttpRequest, offer_id) -> HttpResponse:
    offer = sm.access_swap(request.user, offer_id)
    carer = carer_of(request.user)
    is_leader = led_circles(request.user).filter(pk=offer.visit.circle_id).exists()
    context = {
        "offer": offer,
        "can_accept": offer.status == OfferStatus.OPEN
        and carer is not None
        and offer.from_carer_id != carer.pk
        and offer.to_carer_id in (None, carer.pk),
        "can_decline": offer.status == OfferStatus.OPEN
        and carer is not None
        and offer.to_carer_id == carer.pk,
        "can_withdraw": offer.status in (OfferStatus.OPEN, OfferStatus.NEEDS_APPROVAL)
        and carer is not None
        and offer.from_carer_id == carer.pk,
        "can_decide": offer.status == OfferStatus.NEEDS_APPROVAL and is_leader,
    }
    return render(request, "rota/swap.html", context)


@login_required
@require_POST
def swap_act(request: HttpRequest, offer_id, action: str) -> HttpResponse:
    back = reverse("swap_offer", args=[offer_id])
    try:
        if action == "accept":
            offer = sm.swap_accept(actor=request.user, offer_id=offer_id)
            if offer.status == OfferStatus.NEEDS_APPROVAL:
                messages.warning(
                    request,
                    _("A team leader is asked first, because: %(why)s")
                    % {"why": " ".join(offer.broken_rules)},
                )
            else:
                messages.success(request, _("The visit is yours now."))
                back = reverse("my_day")
        elif action == "decline":
            sm.swap_decline(
                actor=request.user, offer_id=offer_id, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Declined; they have been told."))
            back = reverse("my_day")
        elif action == "withdraw":
            sm.swap_withdraw(actor=request.user, offer_id=offer_id)
            messages.success(request, _("Withdrawn. The visit stays yours."))
            back = reverse("my_day")
        elif action in ("approve", "reject"):
            sm.swap_decide(
                actor=request.user,
                offer_id=offer_id,
                approve=action == "approve",
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("Decided; both carers have been told."))
        else:
            raise Http404("No such action.")
    except ValidationError as exc:
        _say_errors(request, exc)
    return redirect(back)


# ---------------------------------------------------------------------------- absences and cover


class AbsenceForm(forms.Form):
    kind = forms.ChoiceField(choices=AbsenceKind.choices, label=_("What kind"))
    first_day = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    last_day = forms.DateField(
        label=_("Until (last day away)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(required=False, max_length=200, label=_("Note for the team (optional)"))

    def clean(self):
        data = super().clean()
        if data.get("first_day") and data.get("last_day") and data["last_day"] < data["first_day"]:
            self.add_error("last_day", _("The last day cannot be before the first."))
        return data


@login_required
def absence_new(request: HttpRequest) -> HttpResponse:
    _carer_or_403(request)
    today = timezone.localdate()
    initial = {
        "kind": "sickness",
        "first_day": today + timedelta(days=1),
        "last_day": today + timedelta(days=1),
    }
    form = AbsenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        tz = timezone.get_current_timezone()
        d = form.cleaned_data
        try:
            absence = sm.absence_report(
                actor=request.user,
                kind=d["kind"],
                starts_at=datetime.combine(d["first_day"], time(0), tz),
                ends_at=datetime.combine(d["last_day"] + timedelta(days=1), time(0), tz),
                note=d["note"],
            )
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                form.add_error(None, "; ".join(errors))
        else:
            return redirect("absence_page", absence_id=absence.public_id)
    return render(
        request, "rota/absence_new.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def absence_page(request: HttpRequest, absence_id) -> HttpResponse:
    absence = (
        Absence.objects.filter(public_id=parse_uuid(absence_id))
        .select_related("carer__user")
        .first()
    )
    if absence is None or not (
        absence.carer.user_id == request.user.pk
        or absence.reported_by_id == request.user.pk
        or led_circles(request.user).filter(pk__in=sm.carer_circles(absence.carer)).exists()
    ):
        raise Http404("No such absence.")
    from carecircle.rota.models import Visit

    freed = list(
        Visit.objects.filter(public_id__in=absence.proposal.get("freed", []))
        .select_related("client")
        .prefetch_related("assignments__carer__user", "cover_offers__carer__user")
        .order_by("window_start")
    )
    return render(
        request, "rota/absence.html", {"absence": absence, "freed": freed, "now": timezone.now()}
    )


@login_required
@require_POST
def absence_withdraw(request: HttpRequest, absence_id) -> HttpResponse:
    try:
        absence = sm.absence_withdraw(actor=request.user, absence_id=absence_id)
    except ValidationError as exc:
        _say_errors(request, exc)
    else:
        messages.success(
            request,
            _("Withdrawn. %(n)s visits are yours again.")
            % {"n": absence.proposal.get("restored", 0)},
        )
    return redirect("absence_page", absence_id=absence_id)


@login_required
@require_POST
def cover_act(request: HttpRequest, offer_id, action: str) -> HttpResponse:
    try:
        if action == "accept":
            offer = sm.cover_accept(actor=request.user, offer_id=offer_id)
            messages.success(
                request,
                _("Thank you — you cover %(client)s, %(when)s. It is on your day now.")
                % {
                    "client": offer.visit.client,
                    "when": timezone.localtime(
                        offer.visit.start or offer.visit.window_start
                    ).strftime("%a %-d %b %H:%M"),
                },
            )
        elif action == "decline":
            sm.cover_decline(
                actor=request.user, offer_id=offer_id, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Declined. The place stays open for the circle."))
        else:
            raise Http404("No such action.")
    except ValidationError as exc:
        _say_errors(request, exc)
    return _back(request, reverse("my_day"))


# ---------------------------------------------------------------------------- releases and kept time


class ReleaseForm(forms.Form):
    first_day = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    from_time = forms.TimeField(
        label=_("from"),
        initial=time(0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    last_day = forms.DateField(
        label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    until_time = forms.TimeField(
        label=_("until"),
        initial=time(23, 59),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    reason = forms.CharField(max_length=200, label=_("Why (for example: my son is visiting)"))


@login_required
def release_new(request: HttpRequest, client_id) -> HttpResponse:
    client = access_client(request.user, client_id)
    if not sm.can_release(request.user, client):
        raise PermissionDenied(
            _("Only the client or their representative can say a visit is not needed.")
        )
    today = timezone.localdate()
    form = ReleaseForm(request.POST or None, initial={"first_day": today, "last_day": today})
    if request.method == "POST" and form.is_valid():
        tz = timezone.get_current_timezone()
        d = form.cleaned_data
        try:
            release = sm.release_visits(
                actor=request.user,
                client_id=client.public_id,
                starts_at=datetime.combine(d["first_day"], d["from_time"], tz),
                ends_at=datetime.combine(d["last_day"], d["until_time"], tz),
                reason=d["reason"],
            )
        except ValidationError as exc:
            for _field, errors in exc.message_dict.items():
                form.add_error(None, "; ".join(errors))
        else:
            n = release.visits.count()
            messages.success(
                request,
                _("Done: %(n)s visit(s) not needed. The carers keep their time and have been told.")
                % {"n": n},
            )
            return redirect("client_page", client_id=client.public_id)
    releases = Release.objects.filter(
        client=client, undone_at__isnull=True, ends_at__gt=timezone.now()
    )
    return render(
        request,
        "rota/release_new.html",
        {"client": client, "form": form, "releases": releases},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def release_undo(request: HttpRequest, release_id) -> HttpResponse:
    try:
        release = sm.release_undo(actor=request.user, release_id=release_id)
    except ValidationError as exc:
        _say_errors(request, exc)
        return redirect("home")
    messages.success(request, _("Undone: the visits are planned again."))
    return redirect("client_page", client_id=release.client.public_id)


@login_required
def kept_time(request: HttpRequest, kept_id) -> HttpResponse:
    carer = _carer_or_403(request)
    kept = (
        KeptTime.objects.filter(public_id=parse_uuid(kept_id), carer=carer)
        .select_related("visit__client", "visit__circle", "release", "used_for__client")
        .first()
    )
    if kept is None:
        raise Http404("No such time.")
    if request.method == "POST":
        try:
            sm.kept_time_use(
                actor=request.user,
                kept_id=kept.public_id,
                use=request.POST.get("use", ""),
                visit_id=request.POST.get("visit") or None,
                client_id=request.POST.get("client") or None,
                note=request.POST.get("note", ""),
            )
        except ValidationError as exc:
            _say_errors(request, exc)
        else:
            messages.success(
                request, _("Thank you — noted. Your time and pay are kept either way.")
            )
            return redirect("my_day")
    return render(
        request,
        "rota/kept_time.html",
        {"kept": kept, "options": sm.kept_time_options(kept), "uses": KeptTimeUse},
    )


# ---------------------------------------------------------------------------- availability


class RuleForm(forms.Form):
    weekday = forms.TypedChoiceField(coerce=int, choices=list(enumerate(WEEKDAYS)), label=_("Day"))
    start_time = forms.TimeField(
        label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    offer = forms.CharField(required=False, max_length=200, label=_("What I can offer (optional)"))


class ExceptionForm(forms.Form):
    day = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    available = forms.TypedChoiceField(
        coerce=lambda v: v == "yes",
        choices=[("no", _("I cannot work")), ("yes", _("I can work extra"))],
        label=_("That day"),
    )
    start_time = forms.TimeField(
        required=False,
        label=_("From"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end_time = forms.TimeField(
        required=False,
        label=_("Until"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    note = forms.CharField(required=False, max_length=200, label=_("Note (optional)"))


@login_required
def availability(request: HttpRequest) -> HttpResponse:
    carer = _carer_or_403(request)
    rule_form, exc_form = RuleForm(prefix="rule"), ExceptionForm(prefix="exc")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add_rule":
                rule_form = RuleForm(request.POST, prefix="rule")
                if rule_form.is_valid():
                    d = rule_form.cleaned_data
                    sm.availability_rule_add(
                        actor=request.user,
                        weekday=d["weekday"],
                        start_time=d["start_time"],
                        end_time=d["end_time"],
                        offer=d["offer"],
                        client_ids=request.POST.getlist("rule-clients"),
                    )
                    messages.success(request, _("Added to your week."))
                    return redirect("availability")
            elif action == "remove_rule":
                sm.availability_rule_remove(
                    actor=request.user, rule_id=int(request.POST.get("id", "0"))
                )
                messages.success(request, _("Removed from your week."))
                return redirect("availability")
            elif action == "add_exception":
                exc_form = ExceptionForm(request.POST, prefix="exc")
                if exc_form.is_valid():
                    d = exc_form.cleaned_data
                    sm.availability_exception_add(
                        actor=request.user,
                        day=d["day"],
                        available=d["available"],
                        start_time=d["start_time"],
                        end_time=d["end_time"],
                        note=d["note"],
                    )
                    messages.success(
                        request, _("Noted for %(day)s.") % {"day": d["day"].strftime("%A %-d %B")}
                    )
                    return redirect("availability")
            elif action == "remove_exception":
                sm.availability_exception_remove(
                    actor=request.user, exception_id=int(request.POST.get("id", "0"))
                )
                messages.success(request, _("Removed."))
                return redirect("availability")
        except ValidationError as exc:
            target = exc_form if action == "add_exception" else rule_form
            for field, errors in exc.message_dict.items():
                field = {"date": "day"}.get(field, field)  # the service's name, the form's name
                for error in errors:
                    target.add_error(field if field in target.fields else None, error)
        except ValueError:
            messages.error(request, _("That entry is not there any more."))
    rules = AvailabilityRule.objects.filter(carer=carer).prefetch_related("for_clients")
    days = [{"name": WEEKDAYS[i], "rules": [r for r in rules if r.weekday == i]} for i in range(7)]
    exceptions = AvailabilityException.objects.filter(carer=carer, date__gte=timezone.localdate())
    clients = carer.helps_clients.all() if carer.is_informal else []
    status = 400 if (rule_form.errors or exc_form.errors) else 200
    return render(
        request,
        "rota/availability.html",
        {
            "carer": carer,
            "days": days,
            "exceptions": exceptions,
            "rule_form": rule_form,
            "exc_form": exc_form,
            "clients": clients,
        },
        status=status,
    )


def my_day_extras(*, carer, user, today: date) -> dict:
    """What My day shows beyond the visits: offers to answer, places to take, kept time."""
    from carecircle.rota.models import CoverOffer, SwapOffer

    now = timezone.now()
    cover = list(
        CoverOffer.objects.filter(
            carer=carer, status=OfferStatus.OPEN, visit__window_start__gt=now
        ).select_related("visit__client", "absence__carer__user")
    )
    swaps = list(
        SwapOffer.objects.filter(status=OfferStatus.OPEN, visit__window_start__gt=now)
        .filter(to_carer=carer)
        .select_related("visit__client", "from_carer__user")
    )
    circle_swaps = [
        s
        for s in SwapOffer.objects.filter(
            status=OfferStatus.OPEN,
            to_carer__isnull=True,
            visit__window_start__gt=now,
            visit__circle__in=sm.carer_circles(carer),
        )
        .exclude(from_carer=carer)
        .select_related("visit__client", "from_carer__user")
        if s.visit.client_id in set(clients_visible_to(user).values_list("id", flat=True))
    ]
    my_offers = list(
        SwapOffer.objects.filter(
            from_carer=carer, status__in=[OfferStatus.OPEN, OfferStatus.NEEDS_APPROVAL]
        ).select_related("visit__client", "to_carer__user")
    )
    places = sm.open_places_for(carer=carer, start=today, end=today + timedelta(days=6), now=now)
    kept = list(
        KeptTime.objects.filter(
            carer=carer, use=KeptTimeUse.UNDECIDED, starts_at__gt=now - timedelta(days=1)
        ).select_related("visit__client")
    )
    return {
        "cover_offers": cover,
        "swap_offers": swaps + circle_swaps,
        "my_offers": my_offers,
        "open_places": places,
        "kept": kept,
        "now": now,
    }
