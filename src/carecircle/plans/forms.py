"""Forms for negotiated changes and the restrictive practices register. Validation of meaning
(who may, in which state, what the law needs) is in services; forms only parse input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from carecircle.plans.models import (
    WEEKDAYS,
    ChangeKind,
    ConsentBasis,
    LegalBasis,
    Likelihood,
    RestrictionKind,
)

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class ProposeForm(forms.Form):
    kind = forms.ChoiceField(label=_("What kind of change"), choices=ChangeKind.choices)
    title = forms.CharField(
        label=_("The task"),
        max_length=120,
        required=False,
        help_text=_("For a new task, e.g. “Wash up after lunch”."),
    )
    details = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    pattern = forms.ChoiceField(label=_("Which visit"), required=False)
    task = forms.ChoiceField(label=_("Task to stop"), required=False)
    weekdays = forms.MultipleChoiceField(
        label=_("Days (for a changed visit)"),
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    window_start = forms.TimeField(label=_("Earliest start"), required=False)
    window_end = forms.TimeField(label=_("Latest start"), required=False)
    duration_minutes = forms.IntegerField(label=_("Minutes"), required=False)
    reason = forms.CharField(
        label=_("Why — what the client wants"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        patterns = list(version.patterns.all()) if version else []
        tasks = list(version.tasks.select_related("pattern")) if version else []
        self.fields["pattern"].choices = [("", _("Any visit"))] + [
            (str(p.pk), f"{p.name} ({p.window_start:%H:%M})") for p in patterns
        ]
        self.fields["task"].choices = [("", "—")] + [
            (str(t.pk), f"{t.title}" + (f" ({t.pattern.name})" if t.pattern else "")) for t in tasks
        ]


class ConsentForm(forms.Form):
    basis = forms.ChoiceField(label=_("Whose consent"), choices=ConsentBasis.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "How the client agreed; or the best-interests decision: what, why, who was consulted."
        ),
    )


class CapacityForm(forms.Form):
    can_understand = forms.ChoiceField(
        label=_("Can they understand the information about this decision?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    can_retain = forms.ChoiceField(
        label=_("Can they retain it long enough to decide?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    can_weigh = forms.ChoiceField(
        label=_("Can they use or weigh it?"), choices=YES_NO, widget=forms.RadioSelect
    )
    can_communicate = forms.ChoiceField(
        label=_("Can they communicate their decision (by any means)?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    impairment = forms.ChoiceField(
        label=_(
            "Is there an impairment of, or disturbance in the functioning of, the mind or brain?"
        ),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    impairment_detail = forms.CharField(label=_("Which impairment"), required=False)
    because_of_impairment = forms.ChoiceField(
        label=_("Is the inability to decide because of that impairment?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("What they could not do, and the help given to decide"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def answers(self) -> dict:
        data = dict(self.cleaned_data)
        for key in (
            "can_understand",
            "can_retain",
            "can_weigh",
            "can_communicate",
            "impairment",
            "because_of_impairment",
        ):
            data[key] = data[key] == "yes"
        return data


class RiskForm(forms.Form):
    hazard = forms.CharField(
        label=_("Hazard: what could go wrong"), widget=forms.Textarea(attrs={"rows": 2})
    )
    likelihood = forms.ChoiceField(label=_("How likely"), choices=[("", "—"), *Likelihood.choices])
    mitigation = forms.CharField(
        label=_("Mitigation: what we do to make it safe"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class RestrictionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of restriction"), choices=RestrictionKind.choices)
    description = forms.CharField(
        label=_("What is restricted, and why"), widget=forms.Textarea(attrs={"rows": 3})
    )
    legal_basis = forms.ChoiceField(label=_("Lawful basis"), choices=LegalBasis.choices)
    basis_detail = forms.CharField(
        label=_("Where the decision is recorded"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    started_on = forms.DateField(
        label=_("Started on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    review_due = forms.DateField(
        label=_("Review by"), widget=forms.DateInput(attrs={"type": "date"})
    )


class ReviewForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome: is it still needed, still the least restrictive option?"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_review = forms.DateField(
        label=_("Next review by"), widget=forms.DateInput(attrs={"type": "date"})
    )
