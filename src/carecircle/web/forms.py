from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    def get_invalid_login_error(self):
        if getattr(self.request, "sign_in_throttled", False):
            minutes = max(1, settings.LOGIN_THROTTLE_WINDOW_S // 60)
            return ValidationError(
                _(
                    "Too many attempts to sign in. Wait %(minutes)s minutes and try again, "
                    "or ask your team leader to reset your password."
                ),
                code="throttled",
                params={"minutes": minutes},
            )
        return super().get_invalid_login_error()


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
