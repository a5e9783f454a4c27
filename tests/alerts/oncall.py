"""Help-call tests that need carers to ask, whatever the hour CI runs them at.

The demo's shifts run 07:00–22:00, and a carer counts as free only inside an availability block or
within two hours of a visit; at night nobody is working. Rather than weaken that rule, these tests
use the product's own answer for nights: paid carers who said on "How we tell you" that they may be
asked for help calls when off duty (`help_calls_off_duty`). By day they are free anyway; at night
they are asked as "off duty, offered". Informal carers are left as they are (asked only for their
own people)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.utils import timezone

from carecircle.notifications.models import NotificationPreference
from carecircle.rota.engine_adapter import circle_carers

LONDON = ZoneInfo("Europe/London")


def take_calls_off_duty(circle) -> list:
    """Opt the circle's paid carers in to help calls off duty; returns those carers."""
    carers = [c for c in circle_carers(circle, timezone.localdate()) if not c.is_informal]
    for carer in carers:
        NotificationPreference.objects.update_or_create(
            user=carer.user, defaults={"help_calls_off_duty": True}
        )
    return carers


def today_at(hour: int, minute: int = 0) -> datetime:
    """Today's date in London at a given wall-clock time (for time-machine)."""
    return datetime.combine(timezone.localdate(), time(hour, minute), tzinfo=LONDON)
