from __future__ import annotations

from django.urls import reverse

from carecircle.audit.models import AuditEvent
from carecircle.rota.models import Assignment, Visit


def test_login_with_a_wrong_password_says_so(client, people):
    response = client.post(reverse("login"), {"username": "ana", "password": "wrong"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_each_demo_login_lands_on_its_own_home(client, people):
    homes = {
        "client": reverse("client_page", args=[people.edna.public_id]),
        "representative": reverse("client_page", args=[people.edna.public_id]),
        "carer": reverse("my_day"),
        "team_leader": reverse("team_home"),
        "manager": reverse("manager_home"),
        "safeguarding": reverse("audit_home"),
        "admin": reverse("admin:index"),
    }
    for persona, url in homes.items():
        client.force_login(getattr(people, persona))
        response = client.get(reverse("home"))
        assert response["Location"] == url, persona


def test_password_change_validates_and_keeps_the_old_password(client, people):
    user = people.carer
    user.set_password("old-password-123")
    user.save()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": "old-password-123", "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200 and "too short" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("old-password-123")


def test_board_marks_open_places(client, people):
    client.force_login(people.team_leader)
    html = client.get(reverse("circle_board", args=[people.riverside.public_id])).content.decode()
    assert "Edna Clarke" in html and "open-place" in html


def test_board_bad_week_keeps_the_page_and_explains(client, people):
    client.force_login(people.team_leader)
    response = client.get(reverse("circle_board", args=[people.riverside.public_id]) + "?week=soon")
    assert response.status_code == 200
    assert "is not a date" in response.content.decode()


def test_informal_carer_board_shows_only_the_client_they_help(client, people):
    client.force_login(people.informal)
    html = client.get(reverse("circle_board", args=[people.riverside.public_id])).content.decode()
    assert "Arthur Quinn" in html and "Edna Clarke" not in html


def test_client_page_names_who_is_coming_and_is_audited(client, people):
    client.force_login(people.representative)
    visit = (
        Visit.objects.filter(client=people.edna, assignments__isnull=False)
        .order_by("-date")
        .first()
    )
    html = client.get(reverse("client_page", args=[people.edna.public_id])).content.decode()
    assert "Who is coming this week" in html and "The care plan" in html
    assert AuditEvent.objects.filter(
        actor=people.representative, client=people.edna, action="read"
    ).exists()
    assert visit is not None


def test_my_day_lists_visits_with_address_and_colleagues(client, people):
    from django.utils import timezone

    carer = people.carer.carer_profile
    today = timezone.localdate()
    visit = Visit.objects.filter(client=people.edna, date=today, name="Lunch").first()
    Assignment.objects.filter(visit=visit).delete()
    Assignment.objects.create(visit=visit, carer=carer)
    client.force_login(people.carer)
    html = client.get(reverse("my_day")).content.decode()
    assert (
        "Edna Clarke" in html and "4 Mill Lane" in html and "Today" in html and "Tomorrow" in html
    )


def test_busy_pages_make_a_bounded_number_of_queries(client, people, django_assert_max_num_queries):
    client.force_login(people.team_leader)
    with django_assert_max_num_queries(25):
        client.get(reverse("circle_board", args=[people.riverside.public_id]))
    with django_assert_max_num_queries(25):
        client.get(reverse("team_home"))
