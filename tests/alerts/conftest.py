from __future__ import annotations

import pytest

from tests.alerts.oncall import take_calls_off_duty


@pytest.fixture
def on_call(people):
    """Riverside's paid carers take help calls off duty, so a call finds someone at any hour."""
    return take_calls_off_duty(people.riverside)
