"""Offering a visit to a colleague or the circle, and answering such an offer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carecircle.circles.access import led_circles
from carecircle.core.form_errors import say_errors
from carecircle.people.access import carer_of
from carecircle.rota import services as sm
from carecircle.rota.access import access_visit
from carecircle.rota.forms import SwapForm
from carecircle.rota.models import AssignmentStatus, OfferStatus, SwapOffer
from carecircle.rota.views.common import UNLABELLED, carer_or_403


@login_required
def swap_new(request: HttpRequest, visit_id) -> HttpResponse:
    carer = carer_or_403(request)
    visit = access_visit(request.user, visit_id)
    if not visit.assignments.filter(carer=carer, status=AssignmentStatus.PUBLISHED).exists():
        raise Http404("You are not on this visit.")
    if request.method == "POST":
        form = SwapForm(request.POST)
        form.is_valid()
        try:
            sm.swap_offer(
                actor=request.user,
                visit_id=visit.public_id,
                to_carer_id=form.cleaned_data.get("to") or None,
                message=form.cleaned_data.get("message", ""),
            )
        except ValidationError as exc:
            say_errors(request, exc, unlabelled=UNLABELLED)
        else:
            messages.success(
                request,
                _("Offered. You keep the visit until someone takes it; we will tell you."),
            )
            return redirect("my_day")
    colleagues = sorted(sm.carers_to_ask(visit, exclude=carer), key=lambda c: c.name)
    return render(request, "rota/swap_new.html", {"visit": visit, "colleagues": colleagues})


@login_required
def swap_page(request: HttpRequest, offer_id) -> HttpResponse:
    offer = sm.access_swap(request.user, offer_id)
    carer = carer_of(request.user)
    is_leader = led_circles(request.user).filter(pk=offer.visit.circle_id).exists()
    is_open = offer.status == OfferStatus.OPEN
    context = {
        "offer": offer,
        "can_accept": is_open
        and carer is not None
        and offer.from_carer_id != carer.pk
        and offer.to_carer_id in (None, carer.pk),
        "can_decline": is_open and carer is not None and offer.to_carer_id == carer.pk,
        "can_withdraw": offer.status in (OfferStatus.OPEN, OfferStatus.NEEDS_APPROVAL)
        and carer is not None
        and offer.from_carer_id == carer.pk,
        "can_decide": offer.status == OfferStatus.NEEDS_APPROVAL and is_leader,
    }
    return render(request, "rota/swap.html", context)


def _accept(request: HttpRequest, offer_id) -> str:
    offer: SwapOffer = sm.swap_accept(actor=request.user, offer_id=offer_id)
    if offer.status == OfferStatus.NEEDS_APPROVAL:
        messages.warning(
            request,
            _("A team leader is asked first, because: %(why)s")
            % {"why": " ".join(offer.broken_rules)},
        )
        return reverse("swap_offer", args=[offer_id])
    messages.success(request, _("The visit is yours now."))
    return reverse("my_day")


def _decline(request: HttpRequest, offer_id) -> str:
    sm.swap_decline(actor=request.user, offer_id=offer_id, reason=request.POST.get("reason", ""))
    messages.success(request, _("Declined; they have been told."))
    return reverse("my_day")


def _withdraw(request: HttpRequest, offer_id) -> str:
    sm.swap_withdraw(actor=request.user, offer_id=offer_id)
    messages.success(request, _("Withdrawn. The visit stays yours."))
    return reverse("my_day")


def _decide(request: HttpRequest, offer_id, *, approve: bool) -> str:
    sm.swap_decide(
        actor=request.user,
        offer_id=offer_id,
        approve=approve,
        reason=request.POST.get("reason", ""),
    )
    messages.success(request, _("Decided; both carers have been told."))
    return reverse("swap_offer", args=[offer_id])


SWAP_ACTIONS = {
    "accept": _accept,
    "decline": _decline,
    "withdraw": _withdraw,
    "approve": lambda request, offer_id: _decide(request, offer_id, approve=True),
    "reject": lambda request, offer_id: _decide(request, offer_id, approve=False),
}


@login_required
@require_POST
def swap_act(request: HttpRequest, offer_id, action: str) -> HttpResponse:
    """Each action returns where to go next; when a rule stops it, back to the offer."""
    act = SWAP_ACTIONS.get(action)
    if act is None:
        raise Http404("No such action.")
    try:
        return redirect(act(request, offer_id))
    except ValidationError as exc:
        say_errors(request, exc, unlabelled=UNLABELLED)
    return redirect("swap_offer", offer_id)
