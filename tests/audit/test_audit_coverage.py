"""Every read of a client's record is an audit event (actor, action, object, client), and every
write carries its before and after; the chain still verifies afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from carecircle.audit.models import AuditEvent
from carecircle.audit.selectors import audit_chain_problems
from carecircle.people.models import ApiToken, Carer
from carecircle.plans import services as svc
from carecircle.plans.models import CarePlan, ChangeKind, LegalBasis, RestrictionKind
from carecircle.rota.models import Visit
from carecircle.safeguarding.models import Concern
from carecircle.safeguarding.signal_services import signals_for
from tests.factories import make_record, make_visit, next_week


def _last_id() -> int:
    last = AuditEvent.objects.order_by("-id").first()
    return last.pk if last else 0


def _new_since(mark: int):
    return list(AuditEvent.objects.filter(pk__gt=mark).order_by("seq"))


def _chain_ok():
    checked, problems = audit_chain_problems()
    assert checked > 0 and problems == []


def _assert_read(events, *, actor, obj, client, view):
    reads = [e for e in events if e.action == "read" and e.detail.get("view") == view]
    assert len(reads) == 1, [(e.action, e.detail) for e in events]
    event = reads[0]
    assert event.actor_id == actor.pk and event.actor_ref == str(actor.public_id)
    assert event.object_type == obj._meta.model_name
    assert event.object_id == str(obj.public_id)
    assert event.client_id == (client.pk if client else None)
    # A read copies nothing of the record into the trail.
    assert "after" not in event.detail and "before" not in event.detail
    return event


def _api(client, user, url):
    _token, raw = ApiToken.issue(user=user, name="test")
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}")


def _change(people):
    return svc.change_propose(
        actor=people.carer,
        client=people.edna,
        kind=ChangeKind.ADD_TASK,
        title="Buy bread on the way",
        reason="Edna runs out on Thursdays.",
    )


def _restriction(people):
    today = timezone.localdate()
    return svc.restriction_record(
        actor=people.team_leader,
        client=people.arthur,
        kind=RestrictionKind.LOCKED_DOOR,
        description="Front door locked at night; Arthur walked out at 3 am twice.",
        legal_basis=LegalBasis.BEST_INTERESTS,
        basis_detail="Best-interests meeting 3 March with his son and the GP.",
        started_on=today,
        review_due=today + timedelta(days=30),
    )


# ------------------------------------------------------------------ plan pages


@pytest.mark.django_db
def test_plan_page_read_is_audited(client, people):
    client.force_login(people.carer)
    mark = _last_id()
    assert client.get(reverse("plan_page", args=[people.edna.public_id])).status_code == 200
    _assert_read(
        _new_since(mark), actor=people.carer, obj=people.edna, client=people.edna, view="plan"
    )
    _chain_ok()


@pytest.mark.django_db
def test_plan_compare_read_is_audited(client, people):
    client.force_login(people.representative)
    mark = _last_id()
    response = client.get(reverse("plan_compare", args=[people.edna.public_id]))
    assert response.status_code == 200
    plan = CarePlan.objects.get(client=people.edna)
    event = _assert_read(
        _new_since(mark),
        actor=people.representative,
        obj=plan,
        client=people.edna,
        view="plan_compare",
    )
    assert len(event.detail["versions"]) == 2
    _chain_ok()


@pytest.mark.django_db
def test_change_page_read_is_audited(client, people):
    change = _change(people)
    client.force_login(people.team_leader)
    mark = _last_id()
    assert client.get(reverse("change_page", args=[change.public_id])).status_code == 200
    _assert_read(
        _new_since(mark), actor=people.team_leader, obj=change, client=people.edna, view="change"
    )
    _chain_ok()


@pytest.mark.django_db
def test_restriction_page_and_register_reads_are_audited(client, people):
    practice = _restriction(people)
    client.force_login(people.team_leader)
    mark = _last_id()
    assert client.get(reverse("restriction_page", args=[practice.public_id])).status_code == 200
    _assert_read(
        _new_since(mark),
        actor=people.team_leader,
        obj=practice,
        client=people.arthur,
        view="restriction",
    )
    mark = _last_id()
    assert client.get(reverse("restriction_register")).status_code == 200
    events = _new_since(mark)
    event = _assert_read(
        events,
        actor=people.team_leader,
        obj=people.arthur,
        client=people.arthur,
        view="restriction_register",
    )
    assert event.detail["shown"] == 1
    # One event per client shown, and none for clients not on the register.
    assert {e.client_id for e in events} == {people.arthur.pk}
    _chain_ok()


@pytest.mark.django_db
def test_refused_read_writes_no_event(client, people):
    client.force_login(people.outsider)
    mark = _last_id()
    assert client.get(reverse("plan_compare", args=[people.edna.public_id])).status_code == 404
    assert _new_since(mark) == []


# ------------------------------------------------------------------ plans API


@pytest.mark.django_db
def test_plans_api_reads_are_audited(client, people):
    change = _change(people)
    mark = _last_id()
    url = f"/api/v1/plans/clients/{people.edna.public_id}/changes"
    assert len(_api(client, people.representative, url).json()) == 1
    event = _assert_read(
        _new_since(mark),
        actor=people.representative,
        obj=people.edna,
        client=people.edna,
        view="changes",
    )
    assert event.detail == {"view": "changes", "via": "api", "shown": 1}

    mark = _last_id()
    assert (
        _api(client, people.client, f"/api/v1/plans/changes/{change.public_id}").status_code == 200
    )
    _assert_read(
        _new_since(mark), actor=people.client, obj=change, client=people.edna, view="change"
    )

    practice = _restriction(people)
    mark = _last_id()
    url = f"/api/v1/plans/clients/{people.arthur.public_id}/restrictions"
    assert len(_api(client, people.team_leader, url).json()) == 1
    _assert_read(
        _new_since(mark),
        actor=people.team_leader,
        obj=people.arthur,
        client=practice.client,
        view="restrictions",
    )
    _chain_ok()


# ------------------------------------------------------------------ rota API


@pytest.mark.django_db
def test_visit_api_reads_are_audited_per_client(client, people):
    visit = Visit.objects.filter(client=people.edna).order_by("window_start").first()
    mark = _last_id()
    assert _api(client, people.carer, f"/api/v1/visits/{visit.public_id}").status_code == 200
    _assert_read(_new_since(mark), actor=people.carer, obj=visit, client=people.edna, view="visit")

    start = visit.date
    end = start + timedelta(days=6)
    mark = _last_id()
    body = _api(client, people.team_leader, f"/api/v1/visits?start={start}&end={end}").json()
    assert body
    shown: dict[str, int] = {}
    for row in body:
        shown[row["client_id"]] = shown.get(row["client_id"], 0) + 1
    events = _new_since(mark)
    assert {e.client_ref: e.detail["shown"] for e in events} == shown
    assert all(e.action == "read" and e.detail["view"] == "visits" for e in events)
    assert all(e.actor_id == people.team_leader.pk for e in events)
    _chain_ok()


# ------------------------------------------------------------------ safeguarding pages


def _concern(people, **kw):
    fields = {
        "organisation": people.edna.organisation,
        "raised_by": people.representative,
        "raised_at": timezone.now(),
        "client": people.edna,
        "summary": "Bruise on Edna's arm",
        "description": "Noticed on Tuesday.",
    }
    fields.update(kw)
    return Concern.objects.create(**fields)


@pytest.mark.django_db
def test_concern_page_read_is_audited(client, people):
    concern = _concern(people)
    client.force_login(people.safeguarding)
    mark = _last_id()
    assert client.get(reverse("concern_page", args=[concern.public_id])).status_code == 200
    _assert_read(
        _new_since(mark),
        actor=people.safeguarding,
        obj=concern,
        client=people.edna,
        view="concern",
    )
    _chain_ok()


@pytest.mark.django_db
def test_signal_list_read_is_audited_per_client(client, people):
    # A visit outside any plan pattern, five hours ago, is a signal at any hour (the demo's own
    # signals depend on the time of day: on a Saturday morning there were none).
    start = (timezone.now() - timedelta(hours=5)).replace(second=0, microsecond=0)
    make_visit(
        people.edna,
        start,
        minutes=60,
        name="Signal test",
        carers=[Carer.objects.get(user=people.carer)],
    )
    open_, done = signals_for(people.team_leader)
    expected: dict[int, int] = {}
    for signal in [s for s in open_[:100]] + [s for s, _ in done[:100]]:
        if signal.client is not None:
            expected[signal.client.pk] = expected.get(signal.client.pk, 0) + 1
    assert expected, "the demo should give the team leader some signals about clients"
    client.force_login(people.team_leader)
    mark = _last_id()
    assert client.get(reverse("signal_list")).status_code == 200
    events = _new_since(mark)
    assert {e.client_id: e.detail["shown"] for e in events} == expected
    assert {(e.action, e.detail["view"], e.actor_id) for e in events} == {
        ("read", "signals", people.team_leader.pk)
    }
    _chain_ok()


@pytest.mark.django_db
def test_audit_trail_read_is_audited_per_client_shown(client, people):
    client.force_login(people.carer)
    client.get(reverse("plan_page", args=[people.edna.public_id]))
    client.force_login(people.safeguarding)
    mark = _last_id()
    url = reverse("audit_home") + f"?client={people.edna.public_id}"
    assert client.get(url).status_code == 200
    event = _assert_read(
        _new_since(mark),
        actor=people.safeguarding,
        obj=people.edna,
        client=people.edna,
        view="audit_trail",
    )
    assert event.detail["shown"] >= 1 and event.detail["page"] == 1
    assert [e.client_id for e in _new_since(mark)] == [people.edna.pk]
    _chain_ok()


# ------------------------------------------------------------------ writes: before and after


def _events_for(obj, action):
    return list(
        AuditEvent.objects.filter(object_id=str(obj.public_id), action=action).order_by("seq")
    )


@pytest.mark.django_db
def test_every_change_step_records_before_and_after(people):
    change = _change(people)
    (proposed,) = _events_for(change, "plan_change_propose")
    assert proposed.detail["before"] is None  # nothing existed before the proposal
    assert proposed.detail["after"]["status"] == "proposed"

    svc.change_note_risk(
        actor=people.carer, change=change, hazard="Slips", likelihood="low", mitigation="Shoes"
    )
    svc.change_note_risk(
        actor=people.team_leader,
        change=change,
        hazard="Slips on the wet path",
        likelihood="medium",
        mitigation="Non-slip shoes",
    )
    first, second = _events_for(change, "plan_change_risk")
    assert first.detail["before"]["risk_note"] is None
    assert first.detail["after"]["risk_note"]["hazard"] == "Slips"
    # The second note replaced the first in place; the audit keeps the first.
    assert second.detail["before"]["risk_note"]["hazard"] == "Slips"
    assert second.detail["after"]["risk_note"]["hazard"] == "Slips on the wet path"

    svc.change_consent(actor=people.client, change=change, basis="client")
    (consent,) = _events_for(change, "plan_change_consent")
    assert consent.detail["before"]["status"] == "proposed"
    assert consent.detail["before"]["consent_by_id"] is None
    assert consent.detail["after"]["status"] == "consented"
    assert consent.detail["after"]["consent_by_id"] == people.client.pk

    svc.change_endorse(actor=people.team_leader, change=change)
    (endorse,) = _events_for(change, "plan_change_endorse")
    assert endorse.detail["before"]["status"] == "consented"
    assert endorse.detail["before"]["new_version_id"] is None
    assert endorse.detail["after"]["status"] == "endorsed"
    assert endorse.detail["after"]["new_version_id"] is not None
    change.refresh_from_db()
    agree = AuditEvent.objects.filter(action="plan_version_agree", client=people.edna).latest("seq")
    assert agree.detail["after"]["agreed_version"] == change.new_version.number
    assert agree.detail["before"]["agreed_version"] == change.new_version.number - 1
    _chain_ok()


@pytest.mark.django_db
def test_reject_and_withdraw_record_before_and_after(people):
    rejected = _change(people)
    svc.change_reject(actor=people.team_leader, change=rejected, reason="Not this month")
    (event,) = _events_for(rejected, "plan_change_reject")
    assert event.detail["before"]["status"] == "proposed"
    assert event.detail["before"]["rejection_reason"] == ""
    assert event.detail["after"]["rejection_reason"] == "Not this month"

    withdrawn = _change(people)
    svc.change_withdraw(actor=people.carer, change=withdrawn)
    (event,) = _events_for(withdrawn, "plan_change_withdraw")
    assert (event.detail["before"]["status"], event.detail["after"]["status"]) == (
        "proposed",
        "withdrawn",
    )
    _chain_ok()


@pytest.mark.django_db
def test_restriction_review_keeps_the_old_due_date_in_the_audit(people):
    practice = _restriction(people)
    old_due = practice.review_due
    today = timezone.localdate()
    svc.restriction_review(
        actor=people.team_leader,
        practice=practice,
        outcome="Still needed; tried a door sensor, he still leaves.",
        next_review=today + timedelta(days=60),
    )
    (event,) = _events_for(practice, "restriction_review")
    assert event.detail["before"]["review_due"] == old_due.isoformat()
    assert event.detail["before"]["last_reviewed_on"] is None
    assert event.detail["after"]["review_due"] == (today + timedelta(days=60)).isoformat()
    assert event.detail["after"]["last_reviewed_on"] == today.isoformat()
    _chain_ok()


def test_ending_a_restriction_keeps_what_it_was_in_the_audit(people):
    practice = _restriction(people)
    svc.restriction_end(actor=people.team_leader, practice=practice, reason="No longer needed.")
    (event,) = _events_for(practice, "restriction_end")
    assert event.detail["before"]["ended_on"] is None
    assert event.detail["after"]["ended_on"] == timezone.localdate().isoformat()
    assert event.detail["after"]["ended_reason"] == "No longer needed."
    _chain_ok()


@pytest.mark.clock
@pytest.mark.django_db
def test_withdrawing_an_absence_audits_each_place_given_back(people):
    from carecircle.people.models import Carer
    from carecircle.rota.services import absence_report, absence_withdraw

    ana = Carer.objects.get(user=people.carer)
    first = make_visit(people.arthur, next_week(2, 14, 10), carers=[ana])
    absence = absence_report(
        actor=people.carer,
        kind="sickness",
        starts_at=first.window_start - timedelta(minutes=5),
        ends_at=first.window_start + timedelta(hours=2),
    )
    mark = _last_id()
    absence_withdraw(actor=people.carer, absence_id=absence.public_id)
    events = [e for e in _new_since(mark) if e.action == "absence_restores_place"]
    assert absence.proposal["freed"] and len(events) >= 1
    event = next(e for e in events if e.object_id == str(first.public_id))
    assert event.actor_id == people.carer.pk and event.client_id == first.client_id
    assert str(ana.public_id) not in event.detail["before"]["carers"]
    assert str(ana.public_id) in event.detail["after"]["carers"]
    _chain_ok()


# ------------------------------------------------------------------ records linked from a concern


def _linked_concern(people):
    from carecircle.people.models import Carer

    visit = (
        Visit.objects.filter(client=people.edna, date__lte=timezone.localdate())
        .order_by("-window_start")
        .first()
    )
    return _concern(people, visit=visit, about_carer=Carer.objects.get(user=people.carer2))


@pytest.mark.django_db
def test_lead_follows_each_concern_link_and_each_read_is_audited(client, people):
    concern = _linked_concern(people)
    client.force_login(people.safeguarding)
    page = client.get(reverse("concern_page", args=[concern.public_id])).content.decode()
    for kind in ("client", "visit", "carer"):
        assert reverse("concern_record", args=[concern.public_id, kind]) in page

    expected = {
        "client": (people.edna, "Edna"),
        "visit": (concern.visit, concern.visit.name),
        "carer": (concern.about_carer, "Dave"),
    }
    for kind, (record, text) in expected.items():
        mark = _last_id()
        response = client.get(reverse("concern_record", args=[concern.public_id, kind]))
        assert response.status_code == 200 and text in response.content.decode()
        event = _assert_read(
            _new_since(mark),
            actor=people.safeguarding,
            obj=record,
            client=people.edna,
            view="concern_record",
        )
        assert event.detail["concern"] == str(concern.public_id) and event.detail["kind"] == kind
    _chain_ok()


@pytest.mark.django_db
def test_concern_links_open_exactly_the_linked_records(client, people):
    bare = _concern(people, summary="Nothing linked but the client")
    client.force_login(people.safeguarding)
    # No visit or carer linked: nothing to open.
    for kind in ("visit", "carer", "plan"):
        url = reverse("concern_record", args=[bare.public_id, kind])
        assert client.get(url).status_code == 404
    # The lead's own access to client records is unchanged.
    assert client.get(reverse("client_page", args=[people.edna.public_id])).status_code == 403
    assert client.get(reverse("plan_page", args=[people.edna.public_id])).status_code == 403

    # Whoever raised it sees the concern and its links as text, but cannot open records through it.
    client.force_login(people.representative)
    page = client.get(reverse("concern_page", args=[bare.public_id])).content.decode()
    assert f"/concerns/{bare.public_id}/records/" not in page
    url = reverse("concern_record", args=[bare.public_id, "client"])
    assert client.get(url).status_code == 403

    # Closed: the records close again, and the page no longer links them.
    bare.status, bare.outcome = "closed", "no_further_action"
    bare.save()
    client.force_login(people.safeguarding)
    assert client.get(url).status_code == 403
    page = client.get(reverse("concern_page", args=[bare.public_id])).content.decode()
    assert f"/concerns/{bare.public_id}/records/" not in page


@pytest.mark.django_db
def test_another_organisations_lead_gets_404(client, people):
    from carecircle.circles.models import Organisation
    from carecircle.people.models import Role, User

    other = Organisation.objects.create(name="Elsewhere")
    lead = User.objects.create_user(
        username="otherlead", password="x", role=Role.SAFEGUARDING_LEAD, organisation=other
    )
    concern = _linked_concern(people)
    client.force_login(lead)
    mark = _last_id()
    for kind in ("client", "visit", "carer"):
        url = reverse("concern_record", args=[concern.public_id, kind])
        assert client.get(url).status_code == 404
    assert _new_since(mark) == []


def test_medicine_chart_reads_copy_nothing_into_the_trail(client, people):
    mark = _last_id()
    client.force_login(people.team_leader)
    page = client.get(reverse("mar_chart", args=[people.edna.public_id]))
    pdf = client.get(reverse("mar_chart_pdf", args=[people.edna.public_id]))
    assert page.status_code == 200 and pdf.status_code == 200
    events = [e for e in _new_since(mark) if e.action in ("mar_chart_read", "mar_chart_pdf")]
    assert {e.action for e in events} == {"mar_chart_read", "mar_chart_pdf"}
    for event in events:
        assert event.actor_id == people.team_leader.pk and event.client_id == people.edna.pk
        assert "after" not in event.detail and "before" not in event.detail
    _chain_ok()


def _carer_visit(people, client, carer, *, name, note):
    start = timezone.now() - timedelta(days=2)
    visit = make_visit(client, start, name=name, carers=[carer])
    make_record(visit, carer, checked_in_at=start, notes=note)
    return visit


@pytest.mark.django_db
def test_the_carer_page_shows_only_the_visits_the_concern_is_about(client, people):
    """A carer linked to a concern is no way into the other clients they visit: with a client,
    only visits to that client; without one, only the linked visit, or none. Every client whose
    visits are shown is named in the audit."""
    from carecircle.people.models import Carer

    dave = Carer.objects.get(user=people.carer2)
    _carer_visit(people, people.edna, dave, name="Edna tea", note="Edna-note-1")
    arthurs = _carer_visit(people, people.arthur, dave, name="Arthur tea", note="Arthur-note-1")
    client.force_login(people.safeguarding)

    def carer_page(concern):
        mark = _last_id()
        response = client.get(reverse("concern_record", args=[concern.public_id, "carer"]))
        assert response.status_code == 200 and "Dave" in response.content.decode()
        return response.content.decode(), _new_since(mark)

    about_edna = _concern(people, about_carer=dave)
    html, events = carer_page(about_edna)
    assert "Edna-note-1" in html and "Arthur-note-1" not in html
    _assert_read(
        events, actor=people.safeguarding, obj=dave, client=people.edna, view="concern_record"
    )

    # No client and no visit: the carer's own record, and nobody's visits.
    no_client = _concern(people, client=None, about_carer=dave)
    html, events = carer_page(no_client)
    assert "Edna-note-1" not in html and "Arthur-note-1" not in html
    assert "No visits." in html
    _assert_read(events, actor=people.safeguarding, obj=dave, client=None, view="concern_record")

    # No client but a linked visit: that visit alone, audited as its client's.
    no_client.visit = arthurs
    no_client.save()
    html, events = carer_page(no_client)
    assert "Arthur-note-1" in html and "Edna-note-1" not in html
    _assert_read(
        events, actor=people.safeguarding, obj=dave, client=people.arthur, view="concern_record"
    )
    _chain_ok()
