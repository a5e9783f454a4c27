"""A draft the team leader has not published yet is not who is coming: the client's page, the
board and the carer's My day show only published carers; the draft's own review shows the draft."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from carecircle.people.models import Carer
from carecircle.rota.models import Assignment, AssignmentStatus, RotaDraft, Visit, VisitStatus
from carecircle.rota.selectors import draft_review, week_start


def _unfilled_visit_tomorrow(people) -> Visit:
    tomorrow = timezone.localdate() + timedelta(days=1)
    visits = Visit.objects.filter(client=people.edna, date=tomorrow).exclude(
        status=VisitStatus.CANCELLED
    )
    visit = visits.first()
    assert visit is not None, "the demo gives Edna visits every day"
    visit.assignments.all().delete()
    return visit


def test_a_draft_carer_is_not_shown_as_coming(client, people):
    visit = _unfilled_visit_tomorrow(people)
    chris = Carer.objects.get(user=people.outsider)  # never visits Edna
    draft = RotaDraft.objects.create(
        circle=people.riverside, week_start=week_start(visit.date), requested_by=people.team_leader
    )
    Assignment.objects.create(visit=visit, carer=chris, status=AssignmentStatus.DRAFT, draft=draft)

    client.force_login(people.client)
    page = client.get(reverse("client_page", args=[people.edna.public_id])).content.decode()
    assert "Chris" not in page

    client.force_login(people.outsider)
    day = client.get(reverse("my_day") + f"?day={visit.date.isoformat()}").content.decode()
    assert str(visit.public_id) not in day

    client.force_login(people.team_leader)
    board = client.get(
        reverse("circle_board", args=[people.riverside.public_id])
        + f"?week={week_start(visit.date).isoformat()}"
    ).content.decode()
    assert "open-place" in board

    review = draft_review(draft=draft)
    (line,) = [x for x in review.lines if x.visit.pk == visit.pk]
    assert line.carers == [chris.name] and line.new

    Assignment.objects.filter(draft=draft).update(status=AssignmentStatus.PUBLISHED)
    client.force_login(people.client)
    page = client.get(reverse("client_page", args=[people.edna.public_id])).content.decode()
    assert "Chris" in page
