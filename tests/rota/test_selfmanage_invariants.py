"""Invariant: whatever carers do — take open places, swap, report absences, accept cover — the
published rota never gains a broken rule (no double booking, no missing skill, no avoided carer,
no one outside their availability, rest and hours kept). Hypothesis draws the sequences; the
engine's independent checker judges the whole week before and after."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecircle import engine
from carecircle.people.models import Carer
from carecircle.rota.engine_adapter import build_circle_week
from carecircle.rota.models import AssignmentStatus, CoverOffer, SwapOffer, Visit, VisitStatus
from carecircle.rota.selectors import week_start
from carecircle.rota.services import (
    absence_report,
    cover_accept,
    place_claim,
    swap_accept,
    swap_offer,
)


def broken_rules(circle, monday) -> set[str]:
    """Every broken rule in the circle's published week, judging its published visits as choices
    (not facts). The carers' visits in other circles and on the days either side of the week are
    held as facts, so a double booking or short rest against them counts too."""
    week = build_circle_week(circle=circle, week_start=monday, now=timezone.now(), commitments=True)
    facts = tuple(a for a in week.problem.fixed if a.visit in week.commitments)
    problem = dataclasses.replace(week.problem, fixed=facts)
    solution = engine.Solution(status="check", assignments=week.problem.fixed)
    return {e for e in engine.check(problem, solution) if "outside its window" not in e}


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["claim", "absence", "swap", "cover"]),
        st.integers(min_value=0, max_value=11),  # which carer
        st.integers(min_value=0, max_value=200),  # which visit / day
    ),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=ACTIONS)
def test_self_management_never_adds_a_broken_rule(people, actions):
    circle = people.riverside
    carers = list(
        Carer.objects.filter(user__memberships__circle=circle, user__memberships__role="carer")
        .distinct()
        .order_by("pk")
    )
    today = timezone.localdate()
    monday = week_start(today)
    weeks = [monday, monday + timedelta(days=7)]
    with transaction.atomic():
        before = {m: broken_rules(circle, m) for m in weeks}
        future = list(
            Visit.objects.filter(
                circle=circle, status=VisitStatus.PLANNED, window_start__gt=timezone.now()
            ).order_by("window_start")[:200]
        )
        for kind, who, which in actions:
            carer = carers[who % len(carers)]
            visit = future[which % len(future)] if future else None
            try:
                if kind == "claim" and visit is not None:
                    place_claim(actor=carer.user, visit_id=visit.public_id)
                elif kind == "absence":
                    start = timezone.now() + timedelta(hours=1 + which % 100)
                    absence_report(
                        actor=carer.user,
                        kind="sickness",
                        starts_at=start,
                        ends_at=start + timedelta(hours=6 + which % 30),
                    )
                elif kind == "swap" and visit is not None:
                    mine = visit.assignments.filter(status=AssignmentStatus.PUBLISHED).first()
                    if mine is not None and mine.carer != carer:
                        offer = swap_offer(actor=mine.carer.user, visit_id=visit.public_id)
                        swap_accept(actor=carer.user, offer_id=offer.public_id)
                elif kind == "cover":
                    offer = CoverOffer.objects.filter(status="open").order_by("pk").first()
                    if offer is not None:
                        cover_accept(actor=offer.carer.user, offer_id=offer.public_id)
            except (ValidationError, PermissionDenied, Http404):
                pass  # refused with a reason: that is the system working
        after = {m: broken_rules(circle, m) for m in weeks}
        # A swap that would break a rule waits for a team leader: nothing moved for it.
        for offer in SwapOffer.objects.filter(status="approval"):
            assert offer.visit.assignments.filter(carer=offer.from_carer).exists()
        for m in weeks:
            new = after[m] - before[m]
            assert not new, f"week of {m}: new broken rules {sorted(new)[:5]} after {actions}"
        transaction.set_rollback(True)
