"""The pages of negotiated changes and the register, through HTTP: clear messages on every step,
errors that name the field, and the carer's "changed since your last visit" note."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from carecircle.people.models import User
from carecircle.plans.models import ChangeStatus, PlanChange, RestrictivePractice


def _text(response) -> str:
    return response.content.decode()


def _propose(client, people, **data):
    client.force_login(people.carer)
    lunch = people.edna.care_plan.agreed_version().patterns.get(name="Lunch")
    form = {
        "kind": "add_task",
        "title": "Wash up after lunch",
        "pattern": str(lunch.pk),
        "reason": "Edna asked for it.",
        **data,
    }
    return client.post(reverse("change_new", args=[people.edna.public_id]), form, follow=True)


@pytest.mark.django_db
def test_whole_negotiation_through_the_pages(client, people):
    html = _text(_propose(client, people))
    assert "Next, Edna says yes or no" in html
    change = PlanChange.objects.get(title="Wash up after lunch")
    act = lambda step: reverse("change_act", args=[change.public_id, step])  # noqa: E731

    client.force_login(people.client)
    page = _text(client.get(reverse("change_page", args=[change.public_id])))
    assert "Yes, I agree" in page and "Endorse" not in page
    html = _text(client.post(act("consent"), {"basis": "client"}, follow=True))
    assert "Consent recorded" in html

    client.force_login(people.carer2)
    client.post(act("risk"), {"hazard": "Hot water", "likelihood": "low", "mitigation": "Test"})
    client.force_login(people.team_leader)
    html = _text(client.post(act("endorse"), follow=True))
    change.refresh_from_db()
    assert change.status == ChangeStatus.ENDORSED
    assert f"the plan is now version {change.new_version.number}" in html

    compare = _text(client.get(reverse("plan_compare", args=[people.edna.public_id])))
    assert "<ins>Wash up after lunch</ins>" in compare

    # Ana's next visit: the client page tells her what changed since her last one.
    client.force_login(people.carer)
    page = _text(client.get(reverse("client_page", args=[people.edna.public_id])))
    assert "Changed since your last visit" in page and "Wash up after lunch" in page


@pytest.mark.django_db
def test_bad_proposal_names_the_field_and_keeps_the_form(client, people):
    html = _text(_propose(client, people, title=""))
    assert "title: This is needed." in html
    assert not PlanChange.objects.filter(reason="Edna asked for it.").exists()
    html = _text(_propose(client, people, reason=""))
    assert "Why — what the client wants" in html and "required" in html


@pytest.mark.django_db
def test_rejection_reason_is_shown_to_the_proposer(client, people):
    _propose(client, people)
    change = PlanChange.objects.get(title="Wash up after lunch")
    client.force_login(people.team_leader)
    url = reverse("change_act", args=[change.public_id, "reject"])
    html = _text(client.post(url, {"reason": ""}, follow=True))
    assert "Reason: This field is required." in html
    client.post(url, {"reason": "Edna's kitchen tap is broken until Friday."})
    client.force_login(people.carer)
    page = _text(client.get(reverse("change_page", args=[change.public_id])))
    assert "Not agreed" in page and "kitchen tap is broken" in page


@pytest.mark.django_db
def test_endorsing_too_early_says_what_is_missing(client, people):
    _propose(client, people)
    change = PlanChange.objects.get(title="Wash up after lunch")
    client.force_login(people.team_leader)
    html = _text(
        client.post(reverse("change_act", args=[change.public_id, "endorse"]), follow=True)
    )
    assert "needs consent first" in html


@pytest.mark.django_db
def test_capacity_form_then_attorney_consents(client, people):
    _propose(client, people)
    change = PlanChange.objects.get(title="Wash up after lunch")
    client.force_login(people.team_leader)
    answers = {
        "can_understand": "no",
        "can_retain": "no",
        "can_weigh": "no",
        "can_communicate": "yes",
        "impairment": "yes",
        "impairment_detail": "Delirium after a fall",
        "because_of_impairment": "yes",
        "notes": "Tried in the morning with her glasses on.",
    }
    url = reverse("change_act", args=[change.public_id, "capacity"])
    html = _text(client.post(url, answers, follow=True))
    assert "lacks capacity for this decision" in html
    client.force_login(people.representative)
    page = _text(client.get(reverse("change_page", args=[change.public_id])))
    assert "I agree, as attorney" in page
    client.post(reverse("change_act", args=[change.public_id, "consent"]), {"basis": "attorney"})
    change.refresh_from_db()
    assert change.status == ChangeStatus.CONSENTED and change.consent_by == people.representative


@pytest.mark.django_db
def test_team_home_lists_changes_waiting_for_endorsement(client, people):
    _propose(client, people)
    change = PlanChange.objects.get(title="Wash up after lunch")
    client.force_login(people.client)
    client.post(reverse("change_act", args=[change.public_id, "consent"]), {"basis": "client"})
    client.force_login(User.objects.get(username="martin"))
    html = _text(client.get(reverse("team_home")))
    assert "Changes waiting for you" in html and "Wash up after lunch" in html


@pytest.mark.django_db
def test_restriction_pages_record_review_and_register(client, people):
    client.force_login(people.team_leader)
    today = timezone.localdate()
    data = {
        "kind": "bed_rails",
        "description": "Bed rails at night after two falls.",
        "legal_basis": "consent",
        "basis_detail": "",
        "started_on": today.isoformat(),
        "review_due": (today + timedelta(days=400)).isoformat(),
    }
    url = reverse("restriction_new", args=[people.edna.public_id])
    html = _text(client.post(url, data, follow=True))
    assert "review_due: Review it within 183 days" in html
    data["review_due"] = (today + timedelta(days=30)).isoformat()
    html = _text(client.post(url, data, follow=True))
    assert "On the register" in html
    practice = RestrictivePractice.objects.get(client=people.edna)
    review = reverse("restriction_act", args=[practice.public_id, "review"])
    html = _text(
        client.post(
            review,
            {"outcome": "Still wanted by Edna.", "next_review": (today + timedelta(days=90))},
            follow=True,
        )
    )
    assert "Review recorded" in html and "Still wanted by Edna." in html
    register = _text(client.get(reverse("restriction_register")))
    assert "Bed rails" in register and str(people.edna) in register
    client.force_login(people.safeguarding)
    assert "Bed rails" in _text(client.get(reverse("restriction_register")))
    client.force_login(people.client)
    plan = _text(client.get(reverse("plan_page", args=[people.edna.public_id])))
    assert "Bed rails" in plan and "Record a restriction" not in plan


@pytest.mark.django_db
def test_compare_with_a_missing_version_says_so(client, people):
    client.force_login(people.carer)
    url = reverse("plan_compare", args=[people.edna.public_id]) + "?a=99"
    html = _text(client.get(url, follow=True))
    assert "there is no version “99”" in html


@pytest.mark.django_db
def test_nav_shows_restrictions_and_equity_to_the_right_people(client, people):
    client.force_login(people.team_leader)
    assert reverse("restriction_register") in _text(client.get(reverse("team_home")))
    client.force_login(people.manager)
    assert reverse("equity_page") in _text(client.get(reverse("manager_home")))


@pytest.mark.django_db
def test_my_day_says_what_changed_since_the_last_visit(client, people):
    from carecircle.plans import services as svc

    lunch = people.edna.care_plan.agreed_version().patterns.get(name="Lunch")
    change = svc.change_propose(
        actor=people.carer2,
        client=people.edna,
        kind="add_task",
        title="Walk in the garden on dry days",
        pattern=lunch,
        reason="Edna misses her roses.",
    )
    svc.change_consent(actor=people.client, change=change, basis="client")
    svc.change_note_risk(
        actor=people.carer2,
        change=change,
        hazard="Uneven path",
        likelihood="medium",
        mitigation="Use the frame; only on dry days.",
    )
    svc.change_endorse(actor=people.team_leader, change=change)
    from carecircle.rota.models import Assignment, Visit

    tomorrow = timezone.localdate() + timedelta(days=1)
    visit = Visit.objects.filter(client=people.edna, date=tomorrow, name="Lunch").first()
    Assignment.objects.get_or_create(
        visit=visit, carer=people.carer.carer_profile, defaults={"status": "published"}
    )
    client.force_login(people.carer)
    html = _text(client.get(reverse("my_day")))
    assert 'id="plan-changes-my-day"' in html and "Walk in the garden" in html


@pytest.mark.django_db
def test_endorsing_a_changed_visit_says_what_happens_to_the_rota(client, people):
    from datetime import time

    from carecircle.plans import services as svc

    lunch = people.edna.care_plan.agreed_version().patterns.get(name="Lunch")
    change = svc.change_propose(
        actor=people.client,
        client=people.edna,
        kind="change_visit",
        pattern=lunch,
        weekdays=[0, 1, 2, 3, 4],
        window_start=time(12, 30),
        window_end=time(13, 0),
        duration_minutes=30,
        reason="I eat later on weekdays.",
    )
    svc.change_note_risk(
        actor=people.carer, change=change, hazard="Hungry", likelihood="low", mitigation="Snack"
    )
    from carecircle.rota.models import Visit

    now = timezone.now()
    monday = Visit.objects.filter(
        pattern=lunch, window_start__gt=now + timedelta(minutes=5), date__week_day=2
    ).first()  # Django's week_day 2 is Monday
    saturday = Visit.objects.filter(
        pattern=lunch, window_start__gt=now + timedelta(minutes=5), date__week_day=7
    ).first()
    client.force_login(people.team_leader)
    url = reverse("change_act", args=[change.public_id, "endorse"])
    html = _text(client.post(url, follow=True))
    assert "The rota follows the new pattern" in html
    assert "visits not yet started moved to the new times" in html
    assert "keep their days and times" not in html
    # And it does: a weekday lunch already on the rota is at 12:30, the Saturday one is gone.
    monday.refresh_from_db()
    saturday.refresh_from_db()
    assert timezone.localtime(monday.window_start).time() == time(12, 30)
    assert monday.duration_minutes == 30
    assert saturday.status == "cancelled"


@pytest.mark.django_db
def test_plan_pages_query_budget(client, people, django_assert_max_num_queries):
    _propose(client, people)
    change = PlanChange.objects.get(title="Wash up after lunch")
    client.force_login(people.carer)
    pages = [
        reverse("plan_page", args=[people.edna.public_id]),
        reverse("plan_compare", args=[people.edna.public_id]),
        reverse("change_page", args=[change.public_id]),
    ]
    for url in pages:
        client.get(url)
        with django_assert_max_num_queries(30):
            assert client.get(url).status_code == 200
