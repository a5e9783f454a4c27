"""The in-app inbox: publishing a rota tells every carer on it; each person sees only their own."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from carecircle.notifications.models import Notification
from carecircle.notifications.selectors import unread_count
from carecircle.notifications.services import notify
from carecircle.rota.models import Assignment
from carecircle.rota.selectors import week_start
from carecircle.rota.services import rota_draft_publish, rota_draft_request, rota_draft_solve


def test_publishing_a_rota_tells_each_carer_on_it(
    people, settings, django_capture_on_commit_callbacks
):
    settings.ROTA_TIME_LIMIT_S = 3
    monday = week_start(timezone.localdate()) + timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=False):
        draft = rota_draft_request(
            actor=people.team_leader, circle_id=people.riverside.public_id, week_start=monday
        )
    rota_draft_solve(draft_id=draft.pk)
    on_rota = set(Assignment.objects.filter(draft=draft).values_list("carer__user", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        rota_draft_publish(actor=people.team_leader, draft_id=draft.public_id)
    told = set(Notification.objects.values_list("user", flat=True))
    assert on_rota and told == on_rota
    message = Notification.objects.first()
    assert "rota" in message.subject and message.url == reverse("my_day")


def test_inbox_shows_only_your_own_messages_and_marks_them_read(client, people):
    notify(user=people.carer, subject="Your rota is published", url=reverse("my_day"))
    notify(user=people.carer2, subject="Something for someone else")
    client.force_login(people.carer)
    page = client.get(reverse("inbox")).content.decode()
    assert "Your rota is published" in page and "someone else" not in page
    assert "Messages (1 new)" in page
    client.post(reverse("inbox_mark_read"))
    assert unread_count(user=people.carer) == 0
    assert unread_count(user=people.carer2) == 1
