"""The API's documentation page works under the content security policy: Swagger UI is served by
the site itself (not from a CDN the policy blocks) and draws the operations."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def test_the_api_docs_page_draws_the_operations_without_a_policy_violation(page, demo_live):
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    sign_in(page, "ana")
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() > 5
    assert "carecircle API" in page.content()
    assert not violations, violations
