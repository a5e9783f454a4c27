"""Forms of the rota pages: swaps, absences, releases, availability."""

from __future__ import annotations

from datetime import time

from django import forms
from django.utils.translation import gettext_lazy as _

from carecircle.rota.models import AbsenceKind, Publication

WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SwapForm(forms.Form):
    to = forms.CharField(required=False)
    message = forms.CharField(required=False, max_length=200)


class AbsenceForm(forms.Form):
    kind = forms.ChoiceField(choices=AbsenceKind.choices, label=_("What kind"))
    first_day = forms.DateField(label=_("From"), widget=_date_input())
    last_day = forms.DateField(label=_("Until (last day away)"), widget=_date_input())
    note = forms.CharField(required=False, max_length=200, label=_("Note for the team (optional)"))

    def clean(self):
        data = super().clean()
        if data.get("first_day") and data.get("last_day") and data["last_day"] < data["first_day"]:
            self.add_error("last_day", _("The last day cannot be before the first."))
        return data


class ReleaseForm(forms.Form):
    first_day = forms.DateField(label=_("From"), widget=_date_input())
    from_time = forms.TimeField(label=_("from"), initial=time(0), widget=_time_input())
    last_day = forms.DateField(label=_("Until"), widget=_date_input())
    until_time = forms.TimeField(label=_("until"), initial=time(23, 59), widget=_time_input())
    reason = forms.CharField(max_length=200, label=_("Why (for example: my son is visiting)"))


class RuleForm(forms.Form):
    weekday = forms.TypedChoiceField(coerce=int, choices=list(enumerate(WEEKDAYS)), label=_("Day"))
    start_time = forms.TimeField(label=_("From"), widget=_time_input())
    end_time = forms.TimeField(label=_("Until"), widget=_time_input())
    offer = forms.CharField(required=False, max_length=200, label=_("What I can offer (optional)"))


class ExceptionForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=_date_input())
    available = forms.TypedChoiceField(
        coerce=lambda v: v == "yes",
        choices=[("no", _("I cannot work")), ("yes", _("I can work extra"))],
        label=_("That day"),
    )
    start_time = forms.TimeField(required=False, label=_("From"), widget=_time_input())
    end_time = forms.TimeField(required=False, label=_("Until"), widget=_time_input())
    note = forms.CharField(required=False, max_length=200, label=_("Note (optional)"))


class CycleForm(forms.Form):
    active = forms.BooleanField(required=False, label=_("Run the weekly cycle for this circle"))
    draft_weekday = forms.TypedChoiceField(
        coerce=int, choices=list(enumerate(WEEKDAYS)), label=_("The engine drafts next week on")
    )
    draft_time = forms.TimeField(label=_("Drafting time"), widget=_time_input())
    ask_weekday = forms.TypedChoiceField(
        coerce=int, choices=list(enumerate(WEEKDAYS)), label=_("The carers are asked on")
    )
    ask_time = forms.TimeField(label=_("Time the carers are asked"), widget=_time_input())
    publish_weekday = forms.TypedChoiceField(
        coerce=int, choices=list(enumerate(WEEKDAYS)), label=_("The week is published on")
    )
    publish_time = forms.TimeField(label=_("Publishing time"), widget=_time_input())
    publication = forms.ChoiceField(choices=Publication.choices, label=_("Who publishes"))
    escalate_hours = forms.IntegerField(
        required=False,
        label=_("Tell the team leaders about an uncovered visit this many hours before it"),
        help_text=_("Leave empty for the organisation's setting."),
    )


class DraftProblemForm(forms.Form):
    text = forms.CharField(
        max_length=500, label=_("What is wrong"), widget=forms.Textarea(attrs={"rows": 3})
    )
