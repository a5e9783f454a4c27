"""One way to show a service's ValidationError on a page: as lines of messages, or on a form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from carecircle.core.form_errors import error_lines, errors_to_form


class NoteForm(forms.Form):
    day = forms.DateField(required=False)
    note = forms.CharField(required=False)


def test_lines_name_the_field_except_for_the_whole_request_and_unlabelled_fields():
    exc = ValidationError(
        {"note": ["Too long."], "visit": ["It has started."], "__all__": ["Not now."]}
    )
    assert error_lines(exc, unlabelled=("visit",)) == [
        "note: Too long.",
        "It has started.",
        "Not now.",
    ]
    assert error_lines(exc, labels=False) == ["Too long.", "It has started.", "Not now."]


def test_an_error_without_fields_is_one_line_per_message():
    assert error_lines(ValidationError(["One.", "Two."])) == ["One.", "Two."]


def test_on_a_form_errors_go_beside_their_field_or_above_the_form():
    form = NoteForm({})
    form.is_valid()
    exc = ValidationError({"date": ["Not a working day."], "note": ["Too long."], "x": ["Odd."]})
    errors_to_form(form, exc, rename={"date": "day"})
    assert form.errors["day"] == ["Not a working day."]
    assert form.errors["note"] == ["Too long."]
    assert form.non_field_errors() == ["Odd."]
