"""The content security policy breaks nothing: the busiest pages, in a real browser, report no
CSP violation (an inline script, style element or event handler would)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from carecircle.rota.models import Assignment
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def _watch(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return violations


def test_pages_load_without_csp_violations(page, demo_live):
    violations = _watch(page)
    sign_in(page, "ana")
    visit = (
        Assignment.objects.filter(carer__user__username="ana", status="published")
        .order_by("-visit__window_start")
        .first()
        .visit
    )
    for url in [
        reverse("my_day"),
        reverse("visit_record", args=[visit.public_id]),
        reverse("notification_settings"),
        reverse("concern_new"),
    ]:
        page.goto(url)
        page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    sign_in(page, "priya")
    for url in [
        reverse("team_home"),
        reverse("circle_board", args=[demo_live.riverside.public_id]),
        reverse("signal_list"),
    ]:
        page.goto(url)
        page.wait_for_load_state("networkidle")
    assert not violations, violations
