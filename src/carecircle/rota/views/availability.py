"""A carer's usual week and its one-off changes."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.form_errors import errors_to_form
from carecircle.core.timefmt import long_day
from carecircle.rota import services as sm
from carecircle.rota.forms import WEEKDAYS, ExceptionForm, RuleForm
from carecircle.rota.selectors import availability_of
from carecircle.rota.views.common import carer_or_403

Forms = dict[str, forms.Form]


def _add_rule(request: HttpRequest, bound: Forms) -> bool:
    form = bound["rule"] = RuleForm(request.POST, prefix="rule")
    if not form.is_valid():
        return False
    d = form.cleaned_data
    sm.availability_rule_add(
        actor=request.user,
        weekday=d["weekday"],
        start_time=d["start_time"],
        end_time=d["end_time"],
        offer=d["offer"],
        client_ids=request.POST.getlist("rule-clients"),
    )
    messages.success(request, _("Added to your week."))
    return True


def _remove_rule(request: HttpRequest, bound: Forms) -> bool:
    sm.availability_rule_remove(actor=request.user, rule_id=int(request.POST.get("id", "0")))
    messages.success(request, _("Removed from your week."))
    return True


def _add_exception(request: HttpRequest, bound: Forms) -> bool:
    form = bound["exc"] = ExceptionForm(request.POST, prefix="exc")
    if not form.is_valid():
        return False
    d = form.cleaned_data
    sm.availability_exception_add(
        actor=request.user,
        day=d["day"],
        available=d["available"],
        start_time=d["start_time"],
        end_time=d["end_time"],
        note=d["note"],
    )
    messages.success(request, _("Noted for %(day)s.") % {"day": long_day(d["day"])})
    return True


def _remove_exception(request: HttpRequest, bound: Forms) -> bool:
    sm.availability_exception_remove(
        actor=request.user, exception_id=int(request.POST.get("id", "0"))
    )
    messages.success(request, _("Removed."))
    return True


# Each action says whether it was done; a refusal is shown on the form named beside it.
ACTIONS: dict[str, tuple[Callable[[HttpRequest, Forms], bool], str]] = {
    "add_rule": (_add_rule, "rule"),
    "remove_rule": (_remove_rule, "rule"),
    "add_exception": (_add_exception, "exc"),
    "remove_exception": (_remove_exception, "rule"),
}


def _act(request: HttpRequest, bound: Forms) -> bool:
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        return False
    do, form_name = action
    try:
        return do(request, bound)
    except ValidationError as exc:
        # The service calls the day of an exception `date`; the form calls it `day`.
        errors_to_form(bound[form_name], exc, rename={"date": "day"})
    except ValueError:
        messages.error(request, _("That entry is not there any more."))
    return False


@login_required
def availability(request: HttpRequest) -> HttpResponse:
    carer = carer_or_403(request)
    bound: Forms = {"rule": RuleForm(prefix="rule"), "exc": ExceptionForm(prefix="exc")}
    if request.method == "POST" and _act(request, bound):
        return redirect("availability")
    rules_by_day, exceptions = availability_of(carer=carer, today=timezone.localdate())
    context = {
        "carer": carer,
        "days": [{"name": WEEKDAYS[i], "rules": rules} for i, rules in enumerate(rules_by_day)],
        "exceptions": exceptions,
        "rule_form": bound["rule"],
        "exc_form": bound["exc"],
        "clients": carer.helps_clients.all() if carer.is_informal else [],
    }
    status = 400 if (bound["rule"].errors or bound["exc"].errors) else 200
    return render(request, "rota/availability.html", context, status=status)
