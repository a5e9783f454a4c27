"""Each carer's weekly availability and one-off changes, kept from their phone."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from carecircle.circles.access import clients_visible_to
from carecircle.rota.models import (
    AvailabilityException,
    AvailabilityRule,
)
from carecircle.rota.services.common import (
    _carer,
)


def availability_rule_add(
    *, actor, weekday: int, start_time, end_time, offer: str = "", client_ids=(), valid_from=None
) -> AvailabilityRule:
    carer = _carer(actor)
    if weekday not in range(7):
        raise ValidationError({"weekday": "Choose a day from Monday to Sunday."})
    if end_time <= start_time:
        raise ValidationError({"end_time": "The end must be after the start (same day)."})
    overlapping = AvailabilityRule.objects.filter(
        carer=carer, weekday=weekday, start_time__lt=end_time, end_time__gt=start_time
    )
    if overlapping.exists():
        raise ValidationError({"start_time": "This overlaps a time you already gave for that day."})
    clients = []
    if client_ids:
        clients = (
            list(carer.helps_clients.filter(public_id__in=client_ids))
            if carer.is_informal
            else list(clients_visible_to(actor).filter(public_id__in=client_ids))
        )
        if len(clients) != len(set(client_ids)):
            raise ValidationError({"clients": "Choose only people you care for."})
    with transaction.atomic():
        rule = AvailabilityRule.objects.create(
            carer=carer,
            weekday=weekday,
            start_time=start_time,
            end_time=end_time,
            offer=offer.strip()[:200],
            valid_from=valid_from,
        )
        rule.for_clients.set(clients)
    return rule


def availability_rule_remove(*, actor, rule_id: int) -> None:
    carer = _carer(actor)
    deleted, _ = AvailabilityRule.objects.filter(carer=carer, pk=rule_id).delete()
    if not deleted:
        raise ValidationError({"rule": "That time is not in your pattern any more."})


def availability_exception_add(
    *, actor, day: date, available: bool, start_time=None, end_time=None, note: str = ""
) -> AvailabilityException:
    carer = _carer(actor)
    if day < timezone.localdate():
        raise ValidationError({"date": "Choose today or a later day."})
    if (start_time is None) != (end_time is None):
        raise ValidationError({"end_time": "Give both times, or neither for the whole day."})
    if start_time is not None and end_time <= start_time:
        raise ValidationError({"end_time": "The end must be after the start."})
    if available and start_time is None:
        raise ValidationError({"start_time": "Say when you can work that day."})
    return AvailabilityException.objects.create(
        carer=carer,
        date=day,
        available=available,
        start_time=start_time,
        end_time=end_time,
        note=note.strip()[:200],
    )


def availability_exception_remove(*, actor, exception_id: int) -> None:
    carer = _carer(actor)
    deleted, _ = AvailabilityException.objects.filter(carer=carer, pk=exception_id).delete()
    if not deleted:
        raise ValidationError({"exception": "That change is not there any more."})
