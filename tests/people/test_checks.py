"""Expired background checks and training: the engine sees a missing skill, so a claim of a
personal-care visit is refused and a draft leaves the carer out of it; people are warned weeks
ahead on My day and the team-leader home."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from carecircle.people.checks import check_warnings, lapsed_skill_codes
from carecircle.people.models import Carer, CarerCheck, CheckKind, Skill
from carecircle.rota.models import Assignment, AvailabilityException, DraftStatus
from carecircle.rota.selectors import week_start
from carecircle.rota.services import (
    place_claim,
    rota_draft_discard,
    rota_draft_request,
    rota_draft_solve,
)
from tests.factories import local, make_visit


def _ana(people):
    return Carer.objects.get(user=people.carer)


def test_an_expired_background_check_takes_personal_care_away(people):
    ana = _ana(people)
    today = timezone.localdate()
    assert "personal_care" in {s.code for s in ana.skills.all()}
    assert lapsed_skill_codes(ana, on=today) == frozenset()
    ana.checks.filter(kind=CheckKind.BACKGROUND).update(
        completed_on=today - timedelta(days=400), expires_on=today - timedelta(days=1)
    )
    lapsed = lapsed_skill_codes(ana, on=today)
    assert "personal_care" in lapsed
    # Renewed: a newer check in date gives it back.
    CarerCheck.objects.create(
        carer=ana,
        kind=CheckKind.BACKGROUND,
        name="Enhanced DBS check",
        completed_on=today,
        expires_on=today + timedelta(days=1000),
    )
    assert lapsed_skill_codes(ana, on=today) == frozenset()


def test_expired_training_takes_its_skill_away(people):
    ana = _ana(people)
    today = timezone.localdate()
    hoist = Skill.objects.get(code="hoist")
    ana.checks.filter(enables_skill=hoist).update(
        completed_on=today - timedelta(days=400), expires_on=today - timedelta(days=3)
    )
    assert lapsed_skill_codes(ana, on=today) == {"hoist"}


def test_the_engine_sees_the_lapsed_skill_as_missing(people):
    from carecircle.rota.engine_adapter import _engine_carer, circle_carers

    today = timezone.localdate()
    days = [today + timedelta(days=i) for i in range(7)]
    ana = next(c for c in circle_carers(people.riverside, today) if c.user == people.carer)
    tz = timezone.get_current_timezone()
    origin = timezone.now()
    before = _engine_carer(ana, origin, days, tz, 53.7, -2.0).skills
    assert "personal_care" in before
    # Expiring mid-week: no personal care in this plan at all.
    ana.checks.filter(kind=CheckKind.BACKGROUND).update(expires_on=today + timedelta(days=3))
    ana = next(c for c in circle_carers(people.riverside, today) if c.user == people.carer)
    after = _engine_carer(ana, origin, days, tz, 53.7, -2.0).skills
    assert "personal_care" not in after and after < before


def test_warnings_come_weeks_ahead(people, settings):
    settings.CHECK_WARNING_WEEKS = 6
    ana = _ana(people)
    today = date(2030, 1, 1)
    ana.checks.filter(kind=CheckKind.BACKGROUND).update(expires_on=today + timedelta(weeks=5))
    warnings = check_warnings(CarerCheck.objects.filter(carer=ana, kind="background"), today=today)
    assert len(warnings) == 1
    assert "in 35 days" in warnings[0].message
    ana.checks.filter(kind=CheckKind.BACKGROUND).update(expires_on=today + timedelta(weeks=7))
    assert not check_warnings(CarerCheck.objects.filter(carer=ana, kind="background"), today=today)


def test_my_day_and_team_home_show_the_warning(client, people):
    ana = _ana(people)
    today = timezone.localdate()
    ana.checks.filter(kind=CheckKind.BACKGROUND).update(
        completed_on=today - timedelta(days=1000), expires_on=today - timedelta(days=2)
    )
    client.force_login(people.carer)
    page = client.get(reverse("my_day")).content.decode()
    assert "Checks and training to renew" in page and "No personal care visits" in page
    client.force_login(people.team_leader)
    page = client.get(reverse("team_home")).content.decode()
    assert "Ana" in page and "Enhanced DBS check expired" in page
    # Other pages stay quiet.
    assert (
        "Checks and training" not in client.get(reverse("circle_list")).content.decode()
        if _has("circle_list")
        else True
    )


def _has(name):
    from django.urls import NoReverseMatch

    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def _lapse_background(carer):
    today = timezone.localdate()
    carer.checks.filter(kind=CheckKind.BACKGROUND).update(
        completed_on=today - timedelta(days=1200), expires_on=today - timedelta(days=1)
    )


def _open_personal_care_visit(people, day, hour):
    return make_visit(
        people.edna, local(day, hour), name=f"Wash at {hour}", fixed=False, skills=["personal_care"]
    )


def test_a_lapsed_background_check_refuses_a_personal_care_claim(people):
    ana = _ana(people)
    day = timezone.localdate() + timedelta(days=2)
    # A free day for Ana, so only her checks can stand in the way.
    Assignment.objects.filter(carer=ana, visit__date=day).delete()
    AvailabilityException.objects.create(carer=ana, date=day, available=True)
    in_date = _open_personal_care_visit(people, day, 10)
    lapsed = _open_personal_care_visit(people, day, 15)
    # With the check in date, she can take personal care.
    assert place_claim(actor=people.carer, visit_id=in_date.public_id).carer == ana
    _lapse_background(ana)
    with pytest.raises(ValidationError) as refused:
        place_claim(actor=people.carer, visit_id=lapsed.public_id)
    assert any("does not have: Personal care" in m for m in refused.value.message_dict["visit"])
    assert not lapsed.assignments.exists()


def test_a_lapsed_background_check_leaves_the_carer_out_of_personal_care_in_a_draft(
    people, settings, django_capture_on_commit_callbacks
):
    settings.ROTA_TIME_LIMIT_S = 3
    ana = _ana(people)
    monday = week_start(timezone.localdate()) + timedelta(days=7)
    blocked = set(settings.BACKGROUND_CHECK_SKILLS)

    def draft_for_ana():
        with django_capture_on_commit_callbacks(execute=False):
            draft = rota_draft_request(
                actor=people.team_leader, circle_id=people.riverside.public_id, week_start=monday
            )
        draft = rota_draft_solve(draft_id=draft.pk)
        assert draft.status == DraftStatus.READY, draft.error
        mine = Assignment.objects.filter(draft=draft, carer=ana).prefetch_related("visit__skills")
        needing = [a for a in mine if blocked & {s.code for s in a.visit.skills.all()}]
        return draft, mine.count(), needing

    draft, _count, needing = draft_for_ana()
    assert needing, "with her check in date Ana is given personal care"
    rota_draft_discard(actor=people.team_leader, draft_id=draft.public_id)
    _lapse_background(ana)
    _draft, _count, needing = draft_for_ana()
    assert needing == []
