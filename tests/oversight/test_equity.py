"""Equity: the Gini coefficient, the Lorenz curve and the report of hours delivered (recorded
visits) against need."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from carecircle.circles.access import organisation_circles
from carecircle.oversight.equity import equity_report, gini, lorenz, lorenz_svg, union_minutes
from carecircle.people.models import Carer, Client
from tests.factories import local, make_record, make_visit

shares = st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=60)


@given(shares)
def test_gini_is_between_0_and_1(values):
    assert 0.0 <= gini(values) <= 1.0


@given(st.floats(min_value=0.01, max_value=1e6), st.integers(min_value=1, max_value=50))
def test_gini_is_0_for_equal_shares(value, n):
    assert gini([value] * n) == pytest.approx(0.0, abs=1e-9)


@given(shares, st.floats(min_value=0.01, max_value=1000))
def test_gini_does_not_change_with_scale(values, k):
    assert gini([v * k for v in values]) == pytest.approx(gini(values), abs=1e-6)


@given(shares)
def test_lorenz_runs_from_0_to_1_below_the_diagonal(values):
    points = lorenz(values)
    assert points[0] == (0.0, 0.0)
    assert points[-1][0] == pytest.approx(1.0) and points[-1][1] == pytest.approx(1.0)
    assert all(y <= x + 1e-9 for x, y in points)


def test_gini_known_values():
    assert gini([]) == 0.0
    assert gini([0, 0, 0]) == 0.0
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)  # one of four gets everything
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)
    with pytest.raises(ValueError):
        gini([1, -1])


def test_lorenz_svg_is_labelled():
    html = str(lorenz_svg([1, 1, 0.5]))
    assert 'role="img"' in html and "Gini" in html
    assert "no clients" in str(lorenz_svg([]))


def _equity_client(people):
    return Client.objects.create(
        organisation=people.edna.organisation,
        circle=people.riverside,
        first_name="Test",
        last_name="Equity",
        address="1 Test Row",
        latitude=53.7,
        longitude=-2.0,
        assessed_weekly_hours=Decimal("7.00"),
    )


def _row(report, client):
    return next(r for r in report.rows if r.client_id == client.pk)


@pytest.mark.django_db
def test_report_counts_recorded_minutes_not_rostered_ones(people):
    client = _equity_client(people)
    ana = Carer.objects.get(user=people.carer)
    dave = Carer.objects.get(user=people.carer2)
    yesterday = timezone.localdate() - timedelta(days=1)
    ten = local(yesterday, 10)
    # Rostered, published, started, and nobody came: nothing delivered.
    make_visit(client, ten, minutes=120, fixed=False, carers=[ana])
    # Planned for 60, Ana stayed 75 (a long visit is care delivered, not a fault).
    before = local(yesterday - timedelta(days=1), 10)
    long = make_visit(client, before, minutes=60, fixed=False, status="completed", carers=[ana])
    make_record(long, ana, checked_out_at=before + timedelta(minutes=75))
    # Two carers at once, overlapping 10:00-11:00 and 10:30-11:30: 90 minutes for the client.
    pair = make_visit(client, ten, minutes=60, fixed=False, carers=[ana, dave])
    make_record(pair, ana, checked_out_at=ten + timedelta(minutes=60))
    make_record(
        pair,
        dave,
        checked_in_at=ten + timedelta(minutes=30),
        checked_out_at=ten + timedelta(minutes=90),
    )
    # Checked in, never checked out: no length to count.
    make_record(make_visit(client, ten, minutes=60, fixed=False, carers=[ana]), ana)
    # Recorded outside the period (8 days ago, a 7-day report).
    old = local(timezone.localdate() - timedelta(days=8), 10)
    outside = make_visit(client, old, minutes=60, fixed=False)
    make_record(outside, ana, checked_out_at=old + timedelta(minutes=60))
    report = equity_report(circles=[people.riverside], days=7)
    row = _row(report, client)
    assert row.need_hours == pytest.approx(7.0)
    assert row.delivered_hours == pytest.approx((75 + 90) / 60, abs=0.01)
    assert row.shortfall == pytest.approx(7.0 - 165 / 60, abs=0.01)
    assert 0 <= report.gini <= 1
    assert {c.name for c in report.circles} == {"Riverside"}
    below = report.furthest_below(50)
    assert below == sorted(below, key=lambda r: (r.met, -r.shortfall, r.name))


@pytest.mark.django_db
def test_a_rostered_visit_nobody_attended_delivers_nothing(people):
    client = _equity_client(people)
    ana = Carer.objects.get(user=people.carer)
    yesterday = timezone.localdate() - timedelta(days=1)
    for _ in range(3):
        make_visit(
            client, local(yesterday, 10), minutes=120, fixed=False, status="completed", carers=[ana]
        )
    row = _row(equity_report(circles=[people.riverside], days=7), client)
    assert row.delivered_hours == 0
    assert row.shortfall == pytest.approx(7.0)


def test_union_minutes_counts_overlap_once():
    at = datetime(2026, 3, 1, 10, tzinfo=timezone.get_fixed_timezone(0))

    def iv(a, b):
        return (at + timedelta(minutes=a), at + timedelta(minutes=b))

    assert union_minutes([]) == 0
    assert union_minutes([iv(0, 60)]) == 60
    assert union_minutes([iv(0, 60), iv(30, 90)]) == 90
    assert union_minutes([iv(0, 60), iv(10, 20)]) == 60
    assert union_minutes([iv(0, 30), iv(60, 90)]) == 60


@pytest.mark.django_db
def test_equity_page_for_managers_lists_clients_below_need(client, people):
    client.force_login(people.manager)
    response = client.get(reverse("equity_page"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="gini"' in html and "<svg" in html
    report = equity_report(circles=organisation_circles(people.manager))
    for row in report.furthest_below():
        assert row.name in html
    bad = client.get(reverse("equity_page") + "?days=abc", follow=True).content.decode()
    assert "whole number from 7 to 182" in bad
