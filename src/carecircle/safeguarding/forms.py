from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from carecircle.core.timefmt import local_when
from carecircle.people.models import Client
from carecircle.safeguarding.models import ConcernOutcome


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


class ConcernForm(forms.Form):
    client = forms.ModelChoiceField(
        label=_("Who is it about? (optional)"),
        queryset=Client.objects.none(),
        required=False,
        to_field_name="public_id",
        empty_label=_("Not about one client / I'd rather say below"),
    )
    summary = forms.CharField(label=_("In a line, what worries you?"), max_length=200)
    description = forms.CharField(
        label=_("What happened, when, and who was involved?"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        if clients is not None:
            self.fields["client"].queryset = clients


class ConcernActForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.ChoiceField(
        label=_("Outcome (to close)"),
        required=False,
        choices=[("", "—"), *ConcernOutcome.choices],
    )
    carer = forms.ChoiceField(label=_("Carer involved"), required=False, choices=[("", "—")])
    visit = forms.ChoiceField(label=_("Visit it is about"), required=False, choices=[("", "—")])

    def __init__(self, *args, carers=None, visits=None, **kwargs):
        super().__init__(*args, **kwargs)
        if visits is not None:
            self.fields["visit"].choices = [("", "—")] + [
                (
                    str(v.public_id),
                    f"{v.name}, {local_when(v.window_start)}",
                )
                for v in visits
            ]
        if carers is not None:
            self.fields["carer"].choices = [("", "—")] + [
                (str(c.public_id), str(c)) for c in carers
            ]
