"""A released visit's kept time: the carer's planned time and pay are kept, and they use it to
cover a colleague, visit another client, train, or take it free — and the hours kept are seen
beyond the carer (the circle's team leaders, the admin)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from carecircle.people.models import Carer
from carecircle.rota.models import (
    Assignment,
    AssignmentStatus,
    KeptTime,
    KeptTimeUse,
    Visit,
)
from carecircle.rota.services import kept_time_options, kept_time_use, release_visits
from tests.factories import free_all_day, make_visit, next_week


@pytest.fixture
def kept(people) -> KeptTime:
    """Sue releases Edna's visit next Wednesday at 10:00; Ana, its carer, keeps the time. The test
    makes that week's rota (Pat has a visit with Arthur on the Monday: the rota is out), so it is
    the same whatever day and hour the suite runs."""
    ana = Carer.objects.get(user=people.carer)
    make_visit(
        people.arthur,
        next_week(0, 9),
        name="Coffee",
        carers=[Carer.objects.get(user=people.informal)],
    )
    visit = make_visit(people.edna, next_week(2, 10), minutes=45, name="Morning", carers=[ana])
    release = release_visits(
        actor=people.representative,
        client_id=people.edna.public_id,
        starts_at=visit.window_start,
        ends_at=visit.window_start + timedelta(minutes=1),
        reason="My brother is here all afternoon",
    )
    k = KeptTime.objects.select_related("carer__user", "visit").get(release=release)
    # Free all that day, so only the rule under test can stop the carer.
    free_all_day(k.carer, visit.date)
    return k


def an_open_place(people, kept: KeptTime, *, client=None) -> Visit:
    """A colleague's visit at the kept time with nobody on it."""
    return make_visit(client or people.arthur, kept.starts_at, minutes=kept.minutes, name="Lunch")


def test_the_hours_kept_are_the_planned_visit(kept):
    assert kept.minutes == kept.visit.duration_minutes > 0
    assert kept.starts_at == (kept.visit.start or kept.visit.window_start)
    assert kept.use == KeptTimeUse.UNDECIDED and kept.decided_at is None


@pytest.mark.clock
def test_covering_a_colleague_with_kept_time(people, kept):
    place = an_open_place(people, kept)
    options = kept_time_options(kept)
    assert place in [v for v, findings in options["places"] if not findings]
    used = kept_time_use(
        actor=kept.carer.user,
        kept_id=kept.public_id,
        use=KeptTimeUse.COVER,
        visit_id=place.public_id,
    )
    assert used.use == KeptTimeUse.COVER and used.used_for == place
    assert used.minutes == kept.visit.duration_minutes and used.decided_at is not None
    assert Assignment.objects.filter(
        visit=place, carer=kept.carer, status=AssignmentStatus.PUBLISHED
    ).exists()
    # Used for a visit: it cannot be used twice.
    with pytest.raises(ValidationError) as err:
        kept_time_use(actor=kept.carer.user, kept_id=kept.public_id, use=KeptTimeUse.FREE)
    assert "use" in err.value.message_dict


def test_an_extra_social_visit_to_another_client_with_kept_time(people, kept):
    options = kept_time_options(kept)
    assert people.arthur in options["clients"] and people.edna not in options["clients"]
    used = kept_time_use(
        actor=kept.carer.user,
        kept_id=kept.public_id,
        use=KeptTimeUse.EXTRA_VISIT,
        client_id=people.arthur.public_id,
        note="An hour in the garden",
    )
    visit = used.used_for
    assert used.use == KeptTimeUse.EXTRA_VISIT and used.note == "An hour in the garden"
    assert (visit.client, visit.kind, visit.start, visit.duration_minutes) == (
        people.arthur,
        "social",
        kept.starts_at,
        kept.minutes,
    )
    assert list(visit.assignments.values_list("carer", flat=True)) == [kept.carer.pk]


def test_training_with_kept_time_keeps_what_training(people, kept):
    used = kept_time_use(
        actor=kept.carer.user,
        kept_id=kept.public_id,
        use=KeptTimeUse.TRAINING,
        note="Moving and handling refresher",
    )
    used.refresh_from_db()
    assert (used.use, used.note, used.used_for) == (
        KeptTimeUse.TRAINING,
        "Moving and handling refresher",
        None,
    )
    assert used.minutes == kept.visit.duration_minutes


@pytest.mark.clock
def test_the_kept_time_page_records_the_choice(client, people, kept):
    place = an_open_place(people, kept)
    client.force_login(kept.carer.user)
    url = reverse("kept_time", args=[kept.public_id])
    page = client.get(url).content.decode()
    assert f'value="{place.public_id}"' in page and str(people.arthur.public_id) in page
    response = client.post(url, {"use": "cover", "visit": str(place.public_id)})
    assert response.status_code == 302
    kept.refresh_from_db()
    assert kept.use == KeptTimeUse.COVER and kept.used_for == place


def test_bad_choices_name_the_field(people, kept):
    cases = [
        ({"use": "holiday"}, "use"),
        ({"use": KeptTimeUse.UNDECIDED}, "use"),
        ({"use": KeptTimeUse.COVER}, "visit"),
        ({"use": KeptTimeUse.EXTRA_VISIT}, "client"),
        ({"use": KeptTimeUse.EXTRA_VISIT, "client_id": people.margaret.public_id}, "client"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as err:
            kept_time_use(actor=kept.carer.user, kept_id=kept.public_id, **kwargs)
        assert field in err.value.message_dict, kwargs
    kept.refresh_from_db()
    assert kept.use == KeptTimeUse.UNDECIDED
    someone_else = Carer.objects.exclude(pk=kept.carer.pk).filter(kind="council").first()
    with pytest.raises(Http404):
        kept_time_use(actor=someone_else.user, kept_id=kept.public_id, use=KeptTimeUse.FREE)


def test_the_team_leader_sees_the_hours_kept_and_their_use_on_the_board(client, people, kept):
    kept_time_use(
        actor=kept.carer.user, kept_id=kept.public_id, use=KeptTimeUse.TRAINING, note="First aid"
    )
    url = reverse("circle_board", args=[people.riverside.public_id])
    url += f"?week={kept.visit.date.isoformat()}"
    client.force_login(people.team_leader)
    page = client.get(url).content.decode()
    section = page.split('id="kept-time"')[1].split("</section>")[0]
    h, m = divmod(kept.minutes, 60)
    amount = f"{h} h {m:02d}" if h and m else (f"{h} h" if h else f"{m} min")
    assert f"<strong>{kept.carer.name}</strong>: {amount} (training {amount})" in section
    client.force_login(people.carer2 if kept.carer.user != people.carer2 else people.carer)
    assert 'id="kept-time"' not in client.get(url).content.decode()


def test_the_admin_lists_kept_time_read_only(client, people, kept):
    client.force_login(people.admin)
    page = client.get(reverse("admin:rota_kepttime_changelist")).content.decode()
    assert kept.carer.name in page or str(kept.carer) in page
    detail = client.get(reverse("admin:rota_kepttime_change", args=[kept.pk]))
    assert detail.status_code == 200 and 'name="minutes"' not in detail.content.decode()
    assert client.get(reverse("admin:rota_kepttime_add")).status_code == 403
