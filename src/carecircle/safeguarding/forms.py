from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from carecircle.people.models import Client


class AuditSearchForm(forms.Form):
    actor = forms.CharField(label=_("Who (name or username)"), required=False, max_length=80)
    client = forms.ModelChoiceField(
        label=_("Client"), queryset=Client.objects.none(), required=False, to_field_name="public_id"
    )
    action = forms.CharField(label=_("Action"), required=False, max_length=40)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        if clients is not None:
            self.fields["client"].queryset = clients

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
