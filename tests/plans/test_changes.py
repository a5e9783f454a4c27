"""Negotiated changes: propose → consent (or lawfully for the client) → risk note → endorse →
new plan version; rejections with reasons; every step audited."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carecircle.audit.models import AuditEvent
from carecircle.people.access import carer_of
from carecircle.people.models import User
from carecircle.plans import services as svc
from carecircle.plans.models import ChangeKind, ChangeStatus, ConsentBasis, VersionStatus
from carecircle.plans.selectors import recent_changes, version_diff
from carecircle.rota.models import Visit
from carecircle.rota.selectors import last_visit_start
from tests.factories import local, make_visit


def _lunch(client):
    return client.care_plan.agreed_version().patterns.get(name="Lunch")


def _propose(people, actor=None, client=None, **kw):
    client = client or people.edna
    fields = {
        "kind": ChangeKind.ADD_TASK,
        "title": "Wash up after lunch",
        "reason": "Edna likes the kitchen tidy and asked for it.",
    }
    fields.update(kw)
    if "pattern" not in fields:
        fields["pattern"] = _lunch(client)
    return svc.change_propose(actor=actor or people.carer, client=client, **fields)


def _risk(people, change, actor=None):
    return svc.change_note_risk(
        actor=actor or people.carer,
        change=change,
        hazard="Hot water",
        likelihood="low",
        mitigation="Check the water temperature first.",
    )


def _actions(change) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(change.public_id))
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.mark.django_db
def test_carer_proposal_consented_by_edna_and_endorsed_makes_a_new_version(people):
    old = people.edna.care_plan.agreed_version()
    change = _propose(people)
    assert change.status == ChangeStatus.PROPOSED
    change = svc.change_consent(actor=people.client, change=change, basis=ConsentBasis.CLIENT)
    assert change.status == ChangeStatus.CONSENTED
    _risk(people, change)
    change = svc.change_endorse(actor=people.team_leader, change=change)
    assert change.status == ChangeStatus.ENDORSED
    new = change.new_version
    old.refresh_from_db()
    assert old.status == VersionStatus.SUPERSEDED
    assert new.status == VersionStatus.AGREED and new.number == old.number + 1
    assert new.tasks.filter(title="Wash up after lunch", pattern__name="Lunch").exists()
    assert new.tasks.count() == old.tasks.count() + 1
    assert new.patterns.count() == old.patterns.count()
    # Visits still to come follow the new version, so carers see the new task.
    now = change.endorsed_at
    future = Visit.objects.filter(client=people.edna, window_start__gt=now, name="Lunch")
    assert future.exists() and all(v.plan_version_id == new.id for v in future)
    assert future.first().pattern.tasks.filter(title="Wash up after lunch").exists()
    begun = Visit.objects.filter(client=people.edna, window_start__lte=now, name="Lunch")
    assert begun.exists() and all(v.plan_version_id == old.id for v in begun)
    assert _actions(change) == [
        "plan_change_propose",
        "plan_change_consent",
        "plan_change_risk",
        "plan_change_endorse",
    ]
    rows = version_diff(old, new)
    lunch = next(r for r in rows if r.label == "Lunch")
    assert lunch.changed and lunch.added == ["Wash up after lunch"] and lunch.removed == []


@pytest.mark.django_db
def test_the_client_proposing_has_consented(people):
    change = _propose(people, actor=people.client, title="Walk in the garden on dry days")
    assert change.status == ChangeStatus.CONSENTED
    assert change.consent_basis == ConsentBasis.CLIENT


@pytest.mark.django_db
def test_endorsing_needs_consent_and_a_risk_note(people):
    change = _propose(people)
    with pytest.raises(ValidationError, match="consent"):
        svc.change_endorse(actor=people.team_leader, change=change)
    svc.change_consent(actor=people.client, change=change, basis=ConsentBasis.CLIENT)
    with pytest.raises(ValidationError, match="risk note"):
        svc.change_endorse(actor=people.team_leader, change=change)


@pytest.mark.django_db
def test_only_a_team_leader_endorses_and_not_their_own_proposal(people):
    change = _propose(people, actor=people.team_leader)
    svc.change_consent(actor=people.client, change=change, basis=ConsentBasis.CLIENT)
    _risk(people, change)
    with pytest.raises(PermissionDenied):
        svc.change_endorse(actor=people.carer, change=change)
    with pytest.raises(PermissionDenied, match="Another team leader"):
        svc.change_endorse(actor=people.team_leader, change=change)
    martin = User.objects.get(username="martin")
    assert svc.change_endorse(actor=martin, change=change).status == ChangeStatus.ENDORSED


@pytest.mark.django_db
def test_edna_says_no_with_a_reason_and_it_ends_there(people):
    change = _propose(people)
    with pytest.raises(ValidationError, match="reason"):
        svc.change_decline(actor=people.client, change=change, reason="  ")
    change = svc.change_decline(actor=people.client, change=change, reason="I like to do it.")
    assert change.status == ChangeStatus.REJECTED
    assert change.rejection_reason == "I like to do it."
    with pytest.raises(ValidationError, match="not possible now"):
        svc.change_consent(actor=people.client, change=change, basis=ConsentBasis.CLIENT)
    assert _actions(change)[-1] == "plan_change_decline"


@pytest.mark.django_db
def test_team_leader_rejects_with_reason_but_carers_cannot(people):
    change = _propose(people)
    with pytest.raises(PermissionDenied):
        svc.change_reject(actor=people.carer2, change=change, reason="No")
    change = svc.change_reject(
        actor=people.team_leader, change=change, reason="Needs a hoist-trained second carer."
    )
    assert change.status == ChangeStatus.REJECTED and change.rejected_by == people.team_leader


@pytest.mark.django_db
def test_a_carer_cannot_consent_and_a_team_leader_must_say_how_the_client_agreed(people):
    change = _propose(people)
    with pytest.raises(PermissionDenied):
        svc.change_consent(actor=people.carer2, change=change, basis=ConsentBasis.CLIENT)
    with pytest.raises(ValidationError, match="how and when"):
        svc.change_consent(actor=people.team_leader, change=change, basis=ConsentBasis.CLIENT)
    svc.change_consent(
        actor=people.team_leader,
        change=change,
        basis=ConsentBasis.CLIENT,
        note="Edna said yes at Tuesday's review, Sue present.",
    )


def _lacks_capacity(people, change):
    return svc.change_assess_capacity(
        actor=people.team_leader,
        change=change,
        can_understand=False,
        can_retain=False,
        can_weigh=False,
        can_communicate=True,
        impairment=True,
        impairment_detail="Alzheimer's disease",
        because_of_impairment=True,
        notes="Explained twice with pictures at her best time of day.",
    )


@pytest.mark.django_db
def test_attorney_consents_only_after_capacity_assessment(people):
    change = _propose(people)
    with pytest.raises(ValidationError, match="capacity assessment"):
        svc.change_consent(actor=people.representative, change=change, basis=ConsentBasis.ATTORNEY)
    assessment = _lacks_capacity(people, change)
    assert assessment.lacks_capacity and assessment.unable_to == [
        "understand",
        "retain",
        "use or weigh",
    ]
    # Once she lacks capacity for this decision, her own "yes" is not consent...
    with pytest.raises(ValidationError, match="cannot make this decision"):
        svc.change_consent(actor=people.client, change=change, basis=ConsentBasis.CLIENT)
    # ...and with an attorney, the attorney decides, not a best-interests decision.
    with pytest.raises(ValidationError, match="attorney"):
        svc.change_consent(
            actor=people.team_leader,
            change=change,
            basis=ConsentBasis.BEST_INTERESTS,
            note="Best interests",
        )
    change = svc.change_consent(
        actor=people.representative, change=change, basis=ConsentBasis.ATTORNEY
    )
    assert change.consent_basis == ConsentBasis.ATTORNEY


@pytest.mark.django_db
def test_best_interests_decision_for_arthur_needs_the_written_decision(people):
    change = _propose(
        people,
        client=people.arthur,
        title="Walk in the garden on dry days",
        pattern=None,
        reason="Arthur is calmer after time outside.",
    )
    _lacks_capacity(people, change)
    with pytest.raises(PermissionDenied):
        svc.change_consent(
            actor=people.carer, change=change, basis=ConsentBasis.BEST_INTERESTS, note="x"
        )
    with pytest.raises(ValidationError, match="best-interests decision"):
        svc.change_consent(
            actor=people.team_leader, change=change, basis=ConsentBasis.BEST_INTERESTS
        )
    change = svc.change_consent(
        actor=people.team_leader,
        change=change,
        basis=ConsentBasis.BEST_INTERESTS,
        note="Consulted his son and Pat; he enjoys the garden and is steady on the path.",
    )
    _risk(people, change)
    change = svc.change_endorse(actor=people.team_leader, change=change)
    assert change.new_version.tasks.filter(
        title="Walk in the garden on dry days", pattern=None
    ).exists()


@pytest.mark.django_db
def test_capacity_assessment_rejects_contradictions(people):
    change = _propose(people)
    base = dict(
        can_understand=True,
        can_retain=True,
        can_weigh=True,
        can_communicate=True,
        impairment=False,
        because_of_impairment=True,
    )
    with pytest.raises(ValidationError, match="impairment"):
        svc.change_assess_capacity(actor=people.team_leader, change=change, **base)
    base.update(impairment=True, impairment_detail="Mild dementia")
    with pytest.raises(ValidationError, match="can decide"):
        svc.change_assess_capacity(actor=people.team_leader, change=change, **base)
    with pytest.raises(PermissionDenied):
        svc.change_assess_capacity(
            actor=people.carer, change=change, **{**base, "because_of_impairment": False}
        )
    assessment = svc.change_assess_capacity(
        actor=people.team_leader, change=change, **{**base, "because_of_impairment": False}
    )
    assert not assessment.lacks_capacity


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"reason": ""}, "reason"),
        ({"kind": "rewrite_everything"}, "kind"),
        ({"kind": ChangeKind.REMOVE_TASK}, "task"),
        ({"kind": ChangeKind.CHANGE_VISIT, "pattern": None}, "pattern"),
        ({"kind": ChangeKind.CHANGE_VISIT, "weekdays": [9]}, "weekdays"),
        ({"kind": ChangeKind.CHANGE_VISIT, "weekdays": ["x"]}, "weekdays"),
        (
            {
                "kind": ChangeKind.CHANGE_VISIT,
                "weekdays": [0],
                "window_start": time(13),
                "window_end": time(12),
                "duration_minutes": 30,
            },
            "window_end",
        ),
        (
            {
                "kind": ChangeKind.CHANGE_VISIT,
                "weekdays": [0],
                "window_start": time(12),
                "window_end": time(12, 30),
                "duration_minutes": 2,
            },
            "duration_minutes",
        ),
    ],
)
def test_bad_proposals_say_which_field(people, fields, field):
    with pytest.raises(ValidationError) as exc:
        _propose(people, **fields)
    assert field in exc.value.message_dict


@pytest.mark.django_db
def test_a_pattern_from_another_client_is_refused(people):
    with pytest.raises(ValidationError) as exc:
        _propose(people, pattern=people.arthur.care_plan.agreed_version().patterns.first())
    assert "pattern" in exc.value.message_dict


@pytest.mark.django_db
def test_managers_and_outsiders_cannot_propose(people):
    for actor in (people.manager, people.outsider, people.safeguarding):
        with pytest.raises(PermissionDenied):
            _propose(people, actor=actor)


@pytest.mark.django_db
def test_changed_visit_pattern_and_stopping_a_task(people):
    lunch = _lunch(people.edna)
    change = _propose(
        people,
        kind=ChangeKind.CHANGE_VISIT,
        weekdays=[0, 2, 4],
        window_start=time(12, 30),
        window_end=time(13, 0),
        duration_minutes=45,
    )
    svc.change_consent(actor=people.client, change=change, basis=ConsentBasis.CLIENT)
    _risk(people, change)
    change = svc.change_endorse(actor=people.team_leader, change=change)
    new_lunch = change.new_version.patterns.get(name="Lunch")
    assert new_lunch.weekdays == [0, 2, 4] and new_lunch.duration_minutes == 45
    # Stop a task proposed against the new version.
    task = change.new_version.tasks.get(title="Check fluids")
    stop = _propose(people, kind=ChangeKind.REMOVE_TASK, task=task, pattern=None)
    svc.change_consent(actor=people.client, change=stop, basis=ConsentBasis.CLIENT)
    _risk(people, stop)
    stop = svc.change_endorse(actor=people.team_leader, change=stop)
    assert not stop.new_version.tasks.filter(title="Check fluids").exists()
    assert stop.new_version.number == lunch.version.number + 2


@pytest.mark.django_db
def test_two_changes_against_the_same_version_both_apply(people):
    first = _propose(people)
    second = _propose(people, title="Buy bread on the way", pattern=None)
    for change in (first, second):
        svc.change_consent(actor=people.client, change=change, basis=ConsentBasis.CLIENT)
        _risk(people, change)
    svc.change_endorse(actor=people.team_leader, change=first)
    second = svc.change_endorse(actor=people.team_leader, change=second)
    titles = set(second.new_version.tasks.values_list("title", flat=True))
    assert {"Wash up after lunch", "Buy bread on the way"} <= titles


@pytest.mark.django_db
def test_withdraw_only_by_the_proposer(people):
    change = _propose(people)
    with pytest.raises(PermissionDenied):
        svc.change_withdraw(actor=people.carer2, change=change)
    assert svc.change_withdraw(actor=people.carer, change=change).status == "withdrawn"


@pytest.mark.django_db
def test_carer_sees_changes_since_last_visit(people):
    change = _propose(people)
    svc.change_consent(actor=people.client, change=change, basis=ConsentBasis.CLIENT)
    _risk(people, change)
    svc.change_endorse(actor=people.team_leader, change=change)
    last_visit = last_visit_start(
        carer=carer_of(people.carer), client=people.edna, now=timezone.now()
    )
    changes, since, _by_visit = recent_changes(client=people.edna, last_visit=last_visit)
    assert change in changes and since < timezone.now()
    later = timezone.now() + timedelta(days=30)
    changes, _since, by_visit = recent_changes(client=people.edna, last_visit=None, now=later)
    assert changes == [] and not by_visit


@pytest.mark.django_db
def test_the_right_people_are_told_at_each_step(people, django_capture_on_commit_callbacks):
    from carecircle.notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        change = _propose(people)
    assert Notification.objects.filter(
        user=people.client, subject__contains="do you agree"
    ).exists()
    with django_capture_on_commit_callbacks(execute=True):
        svc.change_consent(actor=people.client, change=change, basis=ConsentBasis.CLIENT)
    assert Notification.objects.filter(
        user=people.team_leader, subject__contains="ready to endorse"
    ).exists()
    _risk(people, change)
    with django_capture_on_commit_callbacks(execute=True):
        svc.change_endorse(actor=people.team_leader, change=change)
    assert Notification.objects.filter(user=people.carer, subject__contains="is in").exists()


@pytest.mark.django_db
def test_a_change_against_an_older_version_finds_its_visit_by_name_or_says_it_is_gone(people):
    visit_change = _propose(
        people,
        kind=ChangeKind.CHANGE_VISIT,
        weekdays=[0, 1, 2, 3, 4],
        window_start=time(12, 15),
        window_end=time(12, 45),
        duration_minutes=30,
    )
    task_change = _propose(people)  # also against the same version, on Lunch
    for change in (visit_change, task_change):
        svc.change_consent(actor=people.client, change=change, basis=ConsentBasis.CLIENT)
        _risk(people, change)
    svc.change_endorse(actor=people.team_leader, change=visit_change)
    task_change = svc.change_endorse(actor=people.team_leader, change=task_change)
    lunch = task_change.new_version.patterns.get(name="Lunch")
    assert lunch.weekdays == [0, 1, 2, 3, 4]
    assert lunch.tasks.filter(title="Wash up after lunch").exists()

    # A change whose visit was renamed away meanwhile is refused, and nothing changes.
    late = _propose(people, pattern=lunch, title="Check the fridge")
    svc.change_consent(actor=people.client, change=late, basis=ConsentBasis.CLIENT)
    _risk(people, late)
    rival = _propose(people, pattern=lunch, title="Open the window")
    svc.change_consent(actor=people.client, change=rival, basis=ConsentBasis.CLIENT)
    _risk(people, rival)
    current = svc.change_endorse(actor=people.team_leader, change=rival).new_version
    current.patterns.filter(name="Lunch").update(name="Midday meal")
    with pytest.raises(ValidationError, match="no longer in the plan"):
        svc.change_endorse(actor=people.team_leader, change=late)
    late.refresh_from_db()
    assert late.status == ChangeStatus.CONSENTED
    assert people.edna.care_plan.agreed_version() == current


def _endorse_lunch_change(people, **kw):
    change = _propose(people, kind=ChangeKind.CHANGE_VISIT, **kw)
    svc.change_consent(actor=people.client, change=change, basis=ConsentBasis.CLIENT)
    _risk(people, change)
    return svc.change_endorse(actor=people.team_leader, change=change)


def _local(dt):
    return timezone.localtime(dt).time()


@pytest.mark.django_db
def test_a_changed_visit_pattern_moves_the_visits_already_on_the_rota(
    people, django_capture_on_commit_callbacks
):
    import time_machine

    from carecircle.notifications.models import Notification
    from carecircle.people.models import Carer
    from carecircle.rota.models import Absence, Assignment, AvailabilityException
    from carecircle.rota.selectors import open_places

    now = timezone.now()
    with time_machine.travel(now, tick=False):
        old_lunch = _lunch(people.edna)
        future = list(
            Visit.objects.filter(pattern=old_lunch, window_start__gt=now, status="planned")
            .prefetch_related("assignments__carer__user")
            .order_by("date")
        )
        begun = list(Visit.objects.filter(pattern=old_lunch, window_start__lte=now))
        kept_days, gone_days = [0, 2, 4], [1, 3, 5, 6]
        moving = [v for v in future if v.date.weekday() in kept_days]
        going = [v for v in future if v.date.weekday() in gone_days]
        assert len(moving) >= 2 and going, "the demo rota has lunches to move and to cancel"
        # Ana goes to the first two lunches that move, and has nothing else those days.
        ana = Carer.objects.get(user=people.carer)
        keep, clash = moving[0], moving[1]
        for visit in (keep, clash):
            Assignment.objects.filter(visit__date=visit.date, carer=ana).delete()
            visit.assignments.all().delete()
            Assignment.objects.create(visit=visit, carer=ana, status="published")
            AvailabilityException.objects.create(
                carer=ana, date=visit.date, available=True, start_time=time(6), end_time=time(22)
            )
        Absence.objects.filter(carer=ana).delete()
        # On the second she has another client at 12:40: the new time (12:30 for 45 minutes)
        # cannot be kept there, so that place is freed; the first she keeps.
        at = timezone.localtime(clash.window_start).replace(hour=12, minute=40)
        make_visit(people.arthur, at, name="Clash", fixed=False, carers=[ana], date=clash.date)
        # Dave is rostered on a lunch whose day goes.
        dave = Carer.objects.get(user=people.carer2)
        Assignment.objects.get_or_create(visit=going[0], carer=dave, status="published")
        going = [
            Visit.objects.prefetch_related("assignments__carer__user").get(pk=v.pk) for v in going
        ]
        going_carers = {a.carer.user for v in going for a in v.assignments.all()}
        with django_capture_on_commit_callbacks(execute=True):
            change = _endorse_lunch_change(
                people,
                weekdays=kept_days,
                window_start=time(12, 30),
                window_end=time(13, 0),
                duration_minutes=45,
            )
    new_lunch = change.new_version.patterns.get(name="Lunch")
    follow = change.new_version.rota_follow
    # Days no longer in the pattern: cancelled.
    for visit in going:
        visit.refresh_from_db()
        assert visit.status == "cancelled"
    assert {v.pk for v in follow.cancelled} == {v.pk for v in going}
    # Days still in it: moved to the new times and length, on the new version.
    for visit in moving:
        visit.refresh_from_db()
        assert visit.status == "planned" and visit.pattern == new_lunch
        assert visit.plan_version == change.new_version
        assert (_local(visit.window_start), _local(visit.window_end)) == (time(12, 30), time(13))
        assert visit.duration_minutes == 45
    # Visits that had begun are history: unchanged.
    for visit in begun:
        before = (visit.window_start, visit.status, visit.pattern_id)
        visit.refresh_from_db()
        assert (visit.window_start, visit.status, visit.pattern_id) == before
    assert not Visit.objects.filter(
        pattern=old_lunch, window_start__gt=now, status="planned"
    ).exists()
    # The clashing place is open; the other is kept at the new time.
    assert not clash.assignments.exists() and open_places(clash) == 1
    assert [(v, c) for v, c, _why in follow.freed if v.pk in (keep.pk, clash.pk)] == [(clash, ana)]
    assert keep.assignments.get().carer == ana
    # Everyone affected is told what happened to their visits, in one message each.
    told = Notification.objects.filter(subject__contains="visits to Edna")
    message = told.get(user=people.carer).body
    assert "open on the rota" in message and "overlap" in message.lower()
    assert f"{keep.name} on {timezone.localtime(keep.window_start):%a %-d %b} now starts at " in (
        message
    )
    assert "now starts at 12:30 (was 12:00)" in message
    assert people.carer2 in going_carers
    for user in going_carers:
        assert "no longer needed" in told.get(user=user).body
    assert AuditEvent.objects.filter(action="plan_visits_follow", client=people.edna).exists()
    assert follow.summary().startswith(f"{len(moving)} visits moved; {len(going)} cancelled")


@pytest.mark.django_db
def test_a_day_added_to_a_visit_pattern_gets_open_visits_on_the_rota(people):
    import time_machine

    now = timezone.now()
    with time_machine.travel(now, tick=False):
        lunch = _lunch(people.edna)
        last = (
            Visit.objects.filter(client=people.edna, pattern__isnull=False)
            .order_by("-date")
            .first()
            .date
        )
        assert Visit.objects.filter(pattern=lunch, date=last).exists()
        first = _endorse_lunch_change(
            people,
            weekdays=[0, 2, 4],
            window_start=time(12),
            window_end=time(12, 30),
            duration_minutes=30,
        )
        # Same times: the lunches that stay keep their carers and are not "moved".
        assert first.new_version.rota_follow.moved == []
        assert first.new_version.rota_follow.freed == []
        back = _endorse_lunch_change(
            people,
            pattern=first.new_version.patterns.get(name="Lunch"),
            weekdays=[0, 1, 2, 3, 4, 5, 6],
            window_start=time(12),
            window_end=time(12, 30),
            duration_minutes=30,
        )
    lunch_now = back.new_version.patterns.get(name="Lunch")
    created = back.new_version.rota_follow.created
    assert created
    for visit in created:
        assert visit.pattern == lunch_now and visit.date.weekday() in [1, 3, 5, 6]
        assert visit.window_start > now and visit.date <= last
        assert not visit.assignments.exists()  # open for the circle to take
    # Every day up to the last one generated has one lunch that is not cancelled.
    day = timezone.localdate(now) + timedelta(days=1)
    while day <= last:
        live = Visit.objects.filter(client=people.edna, name="Lunch", date=day).exclude(
            status="cancelled"
        )
        assert live.count() == 1, day
        day += timedelta(days=1)


@pytest.mark.django_db
def test_a_representative_proposes_a_change_that_edna_still_decides(
    client, people, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from carecircle.notifications.models import Notification
    from carecircle.plans.models import PlanChange

    sue = people.representative
    with django_capture_on_commit_callbacks(execute=True):
        change = _propose(
            people, actor=sue, title="Radio on at lunch", reason="Mum always had the radio on."
        )
    # Sue's proposal is not Edna's consent: Edna is asked.
    assert change.status == ChangeStatus.PROPOSED and change.proposed_by == sue
    assert change.consent_by is None and change.consent_basis == ""
    assert Notification.objects.filter(
        user=people.client, subject__contains="do you agree"
    ).exists()
    propose = AuditEvent.objects.get(object_id=str(change.public_id), action="plan_change_propose")
    assert propose.actor == sue and propose.client == people.edna
    # As attorney she may consent only once Edna is found to lack capacity for this decision.
    with pytest.raises(ValidationError, match="capacity assessment"):
        svc.change_consent(actor=sue, change=change, basis=ConsentBasis.ATTORNEY)
    # She cannot endorse, nor propose for a client she does not represent.
    _risk(people, change)
    with pytest.raises(PermissionDenied):
        svc.change_endorse(actor=sue, change=change)
    with pytest.raises(PermissionDenied):
        _propose(people, actor=sue, client=people.margaret, pattern=None)
    # Edna says yes; a team leader endorses; Sue's change is in the plan.
    svc.change_consent(actor=people.client, change=change, basis=ConsentBasis.CLIENT)
    change = svc.change_endorse(actor=people.team_leader, change=change)
    assert change.new_version.tasks.filter(title="Radio on at lunch").exists()

    # The same through the page.
    client.force_login(sue)
    lunch = people.edna.care_plan.agreed_version().patterns.get(name="Lunch")
    response = client.post(
        reverse("change_new", args=[people.edna.public_id]),
        {
            "kind": "add_task",
            "title": "Open the curtains",
            "pattern": str(lunch.pk),
            "reason": "She likes the light.",
        },
        follow=True,
    )
    assert response.status_code == 200
    made = PlanChange.objects.get(title="Open the curtains")
    assert made.proposed_by == sue and made.status == ChangeStatus.PROPOSED


# -------------------------------------------- moving the rota: what the checker and the clock allow


def _only_ana_on(people, visit):
    """Ana alone on `visit`, free all that day, nothing else of hers that day."""
    from carecircle.people.models import Carer
    from carecircle.rota.models import Absence, Assignment, AvailabilityException

    ana = Carer.objects.get(user=people.carer)
    Assignment.objects.filter(visit__date=visit.date, carer=ana).delete()
    visit.assignments.all().delete()
    Assignment.objects.create(visit=visit, carer=ana, status="published")
    AvailabilityException.objects.create(
        carer=ana, date=visit.date, available=True, start_time=time(0), end_time=time(23, 59)
    )
    Absence.objects.filter(carer=ana).delete()
    return ana


def _other_visit(client, day, hour, minute, carer, minutes=30):
    return make_visit(
        client, local(day, hour, minute), minutes=minutes, name="Elsewhere", carers=[carer]
    )


def _future_lunch(people, now, *, after_days=2):
    return (
        Visit.objects.filter(
            pattern=_lunch(people.edna),
            status="planned",
            window_start__gt=now + timedelta(days=after_days),
        )
        .order_by("window_start")
        .first()
    )


def _lunch_kw(**kw):
    fields = {
        "weekdays": [0, 1, 2, 3, 4, 5, 6],
        "window_start": time(12),
        "window_end": time(12, 30),
        "duration_minutes": 30,
    }
    fields.update(kw)
    return fields


@pytest.mark.django_db
def test_a_longer_visit_frees_a_carer_it_now_overlaps(people, django_capture_on_commit_callbacks):
    import time_machine
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from carecircle.notifications.models import Notification

    now = timezone.now()
    with time_machine.travel(now, tick=False):
        lunch = _future_lunch(people, now)
        ana = _only_ana_on(people, lunch)
        # Arthur at 12:45: fine after a 30-minute lunch at 12:00, not after a 60-minute one.
        _other_visit(people.arthur, lunch.date, 12, 45, ana)
        with (
            django_capture_on_commit_callbacks(execute=True),
            CaptureQueriesContext(connection) as queries,
        ):
            change = _endorse_lunch_change(people, **_lunch_kw(duration_minutes=60))
    follow = change.new_version.rota_follow
    lunch.refresh_from_db()
    assert lunch.duration_minutes == 60 and _local(lunch.planned_start) == time(12)
    assert [(v.pk, c) for v, c, _w in follow.freed] == [(lunch.pk, ana)]
    assert not lunch.assignments.filter(carer=ana).exists()
    body = Notification.objects.get(user=people.carer, subject__contains="visits to Edna").body
    assert "open on the rota" in body and "overlap" in body.lower()
    if connection.features.has_select_for_update_of:
        # The visits moved are locked (their rows only) while they are changed.
        assert any(
            "FOR UPDATE OF" in q["sql"] and "rota_visit" in q["sql"]
            for q in queries.captured_queries
        )


@pytest.mark.django_db
def test_a_longer_visit_frees_a_carer_it_takes_over_her_hours(people):
    from decimal import Decimal

    import time_machine

    now = timezone.now()
    with time_machine.travel(now, tick=False):
        lunch = _future_lunch(people, now)
        ana = _only_ana_on(people, lunch)
        ana.max_hours_per_day = Decimal("0.75")  # 45 minutes: enough for the lunch as it was
        ana.save(update_fields=["max_hours_per_day"])
        change = _endorse_lunch_change(people, **_lunch_kw(duration_minutes=60))
    follow = change.new_version.rota_follow
    freed = [(v.pk, c, why) for v, c, why in follow.freed if v.pk == lunch.pk]
    assert [(pk, c) for pk, c, _w in freed] == [(lunch.pk, ana)]
    assert "would work 1 h that day (their limit is 0 h 45)" in freed[0][2]


@pytest.mark.django_db
def test_a_moved_visit_that_clashes_with_her_visit_in_another_circle_frees_the_carer(people):
    import time_machine

    from carecircle.rota.models import Assignment
    from tests.rota.test_selfmanage import join_hilltop

    now = timezone.now()
    with time_machine.travel(now, tick=False):
        lunch = _future_lunch(people, now)
        ana = _only_ana_on(people, lunch)
        join_hilltop(people.carer)
        # Margaret (Hilltop) at 14:00 that day: well after the 12:00 lunch, not after 13:45.
        other = _other_visit(people.margaret, lunch.date, 14, 0, ana)
        assert other.circle == people.hilltop != lunch.circle
        change = _endorse_lunch_change(
            people, **_lunch_kw(window_start=time(13, 45), window_end=time(13, 45))
        )
    follow = change.new_version.rota_follow
    lunch.refresh_from_db()
    assert _local(lunch.planned_start) == time(13, 45)
    assert [(v.pk, c) for v, c, _w in follow.freed] == [(lunch.pk, ana)]
    assert not lunch.assignments.filter(carer=ana).exists()
    assert Assignment.objects.filter(visit=other, carer=ana).exists()  # the other stays hers


def _tomorrow_at(hour, minute=0):
    from datetime import datetime

    day = timezone.localdate() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), timezone.get_current_timezone())


@pytest.mark.django_db
def test_a_visit_is_never_moved_into_the_past(people, django_capture_on_commit_callbacks):
    import time_machine

    from carecircle.notifications.models import Notification

    now = _tomorrow_at(11)
    lunch = Visit.objects.get(pattern=_lunch(people.edna), date=now.date())
    ana = _only_ana_on(people, lunch)
    before = (lunch.window_start, lunch.window_end, lunch.start, lunch.duration_minutes)
    with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
        change = _endorse_lunch_change(
            people, **_lunch_kw(window_start=time(10), window_end=time(10, 30))
        )
    follow = change.new_version.rota_follow
    lunch.refresh_from_db()
    # Today's lunch stays at noon with Ana; the later ones move to ten.
    assert (lunch.window_start, lunch.window_end, lunch.start, lunch.duration_minutes) == before
    assert lunch.status == "planned" and lunch.assignments.get().carer == ana
    assert [v.pk for v in follow.left] == [lunch.pk]
    assert lunch.pk not in {v.pk for v in follow.moved} and follow.moved
    assert all(v.window_start > now for v in follow.moved)
    assert "left as it was today" in follow.summary()
    said = "stays at 12:00 today: its new time (10:00) has already passed"
    assert (
        said in Notification.objects.get(user=people.carer, subject__contains="visits to Edna").body
    )
    told = Notification.objects.filter(subject__contains="stays at its old time today")
    assert said in told.get(user=people.team_leader).body


@pytest.mark.django_db
def test_a_visit_whose_window_has_opened_is_cancelled_when_its_day_goes(
    people, django_capture_on_commit_callbacks
):
    import time_machine

    from carecircle.notifications.models import Notification
    from carecircle.visits.models import VisitRecord

    now = _tomorrow_at(12, 10)  # inside tomorrow's 12:00-12:30 lunch window
    lunch = Visit.objects.get(pattern=_lunch(people.edna), date=now.date())
    ana = _only_ana_on(people, lunch)
    # Margaret's lunch window has opened too and her carer has checked in: left alone.
    days = [d for d in range(7) if d != now.weekday()]
    with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
        change = _endorse_lunch_change(people, **_lunch_kw(weekdays=days))
    lunch.refresh_from_db()
    assert lunch.status == "cancelled"
    assert lunch in change.new_version.rota_follow.cancelled
    body = Notification.objects.get(user=people.carer, subject__contains="visits to Edna").body
    assert "no longer needed" in body and ana.user == people.carer
    assert not VisitRecord.objects.filter(visit=lunch).exists()


@pytest.mark.django_db
def test_a_visit_checked_in_to_is_not_cancelled_when_its_day_goes(people):
    import time_machine

    from carecircle.visits.models import VisitRecord

    now = _tomorrow_at(12, 10)
    lunch = Visit.objects.get(pattern=_lunch(people.edna), date=now.date())
    ana = _only_ana_on(people, lunch)
    VisitRecord.objects.create(visit=lunch, carer=ana, client=people.edna, checked_in_at=now)
    days = [d for d in range(7) if d != now.weekday()]
    with time_machine.travel(now, tick=False):
        change = _endorse_lunch_change(people, **_lunch_kw(weekdays=days))
    lunch.refresh_from_db()
    assert lunch.status == "planned" and lunch not in change.new_version.rota_follow.cancelled


@pytest.mark.django_db
def test_carers_are_told_the_times_in_the_organisations_time_zone(
    people, django_capture_on_commit_callbacks
):
    import time_machine

    from carecircle.notifications.models import Notification

    organisation = people.edna.organisation
    organisation.time_zone = "Asia/Tokyo"  # nine hours ahead of the server's London
    organisation.save(update_fields=["time_zone"])
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        lunch = _future_lunch(people, now)
        _only_ana_on(people, lunch)
        with django_capture_on_commit_callbacks(execute=True):
            _endorse_lunch_change(
                people, **_lunch_kw(window_start=time(12, 30), window_end=time(12, 30))
            )
    body = Notification.objects.get(user=people.carer, subject__contains="visits to Edna").body
    assert "now starts at 12:30" in body
