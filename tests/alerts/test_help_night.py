"""Help calls at night. The demo's shifts end at 22:00 and start at 07:00, so at 02:30 nobody is
working: a call goes straight up the ladder to the team leaders, unless carers said they take
calls off duty, who are then asked. The clock is faked with time-machine, so these run the same
whatever hour CI runs them at."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from carecircle.alerts import selectors, services
from carecircle.alerts.ranking import build_pool, rank
from carecircle.circles.selectors import team_leaders
from carecircle.engine.responders import OFF_DUTY
from carecircle.notifications.models import Notification, NotificationPreference
from carecircle.oversight.models import Escalation
from tests.alerts import test_help
from tests.alerts.oncall import take_calls_off_duty, today_at


@pytest.mark.clock
@override_settings(ALERT_MANAGER_SECONDS=300)
def test_at_night_with_nobody_free_the_call_goes_straight_to_the_team_leaders(
    people, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.update(help_calls_off_duty=False)
    with time_machine.travel(today_at(2, 30), tick=False):
        now = timezone.now()
        pool = build_pool(people.edna, kind="fall", now=now)
        assert pool.responders and {r.state for r in pool.responders} == {OFF_DUTY}
        assert rank(pool) == []  # nobody working, nobody opted in

        with django_capture_on_commit_callbacks(execute=True):
            alert, _ = services.alert_raise(actor=people.client, client=people.edna, kind="fall")
        assert alert.offers.count() == 0 and alert.status == "offering"
        esc = Escalation.objects.get(key=f"alert:{alert.public_id}")
        leaders = team_leaders(people.riverside)
        assert esc.level == 1 and esc.owner in leaders and esc.opened_at == now
        assert "Nobody in the circle can be asked." in esc.reasons
        for leader in leaders:
            note = Notification.objects.get(user=leader, subject__contains="not answered")
            assert note.urgent and str(alert.public_id) in note.url
        assert selectors.status_text(alert) == (
            "We are calling the team leaders now. Someone will answer very soon."
        )
        # Still nobody after the manager's time: the manager is told, once.
        assert alert.escalate_at == now + timedelta(seconds=300)
        with django_capture_on_commit_callbacks(execute=True):
            services.alerts_tick(now=now + timedelta(seconds=301))
        esc.refresh_from_db()
        assert esc.level == 2 and esc.owner == people.manager


def test_at_night_carers_who_take_calls_off_duty_are_asked(people):
    take_calls_off_duty(people.riverside)
    with time_machine.travel(today_at(2, 30), tick=False):
        alert, _ = services.alert_raise(actor=people.client, client=people.edna)
        offers = list(alert.offers.all())
        assert offers and all("off duty, offered" in o.reason for o in offers)
        assert not Escalation.objects.filter(key=f"alert:{alert.public_id}").exists()


@pytest.mark.clock
@pytest.mark.usefixtures("on_call")
def test_the_first_to_accept_goes_at_half_past_two_in_the_morning(people):
    """The day-time test, run at 02:30: without `on_call` it finds nobody to ask and fails."""
    with time_machine.travel(today_at(2, 30), tick=True):
        test_help.test_the_first_to_accept_goes_and_the_others_are_told(people)
