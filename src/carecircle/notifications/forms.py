"""How a person wants to be told: the form on "How we tell you"."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PreferencesForm(forms.Form):
    email = forms.BooleanField(required=False, label=_("E-mail"))
    push = forms.BooleanField(required=False, label=_("Notifications on this phone"))
    sms = forms.BooleanField(required=False, label=_("Text messages"))
    quiet_start = forms.TimeField(
        required=False,
        label=_("Quiet from"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        required=False,
        label=_("Quiet until"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    help_calls_off_duty = forms.BooleanField(
        required=False, label=_("Ask me for help calls when I am off duty")
    )
