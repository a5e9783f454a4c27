"""Telling carers their rota is published, through the notifications app."""

from __future__ import annotations

from django.urls import reverse

from carecircle.notifications.services import notify
from carecircle.people.models import User


def notify_rota_published(*, draft, user_ids) -> None:
    text = f"The {draft.circle.name} rota for the week of {draft.week_start:%-d %B} is published."
    url = reverse("my_day")
    for user in User.objects.filter(id__in=user_ids):
        notify(user=user, subject=text, body=text, url=url, urgent=False)
