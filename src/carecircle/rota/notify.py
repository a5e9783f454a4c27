"""Telling carers their rota is published. Goes through the notifications module when it is
installed; until then the message is logged and the board shows the published week."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def notify_rota_published(*, draft, user_ids) -> None:
    text = f"The {draft.circle.name} rota for the week of {draft.week_start:%-d %B} is published."
    try:
        from carecircle.notifications.services import notify
    except ImportError:
        log.info("rota published for %s users: %s", len(user_ids), text)
        return
    from django.urls import reverse

    from carecircle.people.models import User

    url = reverse("my_day")
    for user in User.objects.filter(id__in=user_ids):
        notify(user=user, subject=text, body=text, url=url, urgent=False)
