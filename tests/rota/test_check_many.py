"""Listing open places checks each with one build of the week; it must say exactly what the
single-change check says."""

from __future__ import annotations

from django.utils import timezone

from carecircle.people.models import Carer
from carecircle.rota.models import Visit
from carecircle.rota.rules import check_change, check_many


def test_check_many_agrees_with_check_change(people):
    visits = list(
        Visit.objects.filter(
            circle=people.riverside, window_start__gt=timezone.now(), status="planned"
        ).order_by("window_start")[:25]
    )
    for user in (people.carer, people.carer2, people.informal):
        carer = Carer.objects.get(user=user)
        visits_without = [v for v in visits if not v.assignments.filter(carer=carer).exists()]
        many = check_many(carer=carer, visits=visits_without)
        for v in visits_without:
            one = sorted(f.text for f in check_change(visit=v, add=carer))
            assert sorted(f.text for f in many[v.pk]) == one, (carer.name, v)
