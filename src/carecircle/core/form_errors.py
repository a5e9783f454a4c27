"""Showing a service's ValidationError on a page: as messages above the page, or on the form."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest


def _by_field(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {NON_FIELD_ERRORS: list(exc.messages)}


def error_lines(
    exc: ValidationError, *, unlabelled: Iterable[str] = (), labels: bool = True
) -> list[str]:
    """One line per message, led by its field's name ("note: too long"), except for errors of
    the whole request and of the fields named in `unlabelled` (names that mean nothing to the
    person reading, such as the visit the page is about); `labels=False` names no field."""
    plain = {NON_FIELD_ERRORS, *unlabelled}
    return [
        error if field in plain or not labels else f"{field}: {error}"
        for field, errors in _by_field(exc).items()
        for error in errors
    ]


def say_errors(
    request: HttpRequest,
    exc: ValidationError,
    *,
    unlabelled: Iterable[str] = (),
    labels: bool = True,
) -> None:
    """Each message as an error on the next page shown (for a redirect after a POST)."""
    for line in error_lines(exc, unlabelled=unlabelled, labels=labels):
        messages.error(request, line)


def errors_to_form(
    form: forms.Form, exc: ValidationError, *, rename: Mapping[str, str] | None = None
) -> None:
    """Each message on the form: beside its field when the form has a field of that name (after
    `rename`, the service's name → the form's), else above the form."""
    for field, errors in _by_field(exc).items():
        name = (rename or {}).get(field, field)
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
