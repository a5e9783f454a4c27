"""The circle runs itself: open places, swaps, absences covered by the circle, released visits.

Every change goes through the rota engine's checker; these tests try each rule from the side of
the person pressing the button."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carecircle.circles.models import Circle, Membership, MembershipRole
from carecircle.notifications.models import Notification
from carecircle.people.models import Carer, Skill
from carecircle.rota.models import (
    Assignment,
    CoverOffer,
    KeptTime,
    KeptTimeUse,
    OfferStatus,
    SwapOffer,
    Visit,
    VisitStatus,
)
from carecircle.rota.selectors import week_start
from carecircle.rota.services import (
    absence_report,
    absence_withdraw,
    cover_accept,
    cover_decline,
    open_places_for,
    place_claim,
    release_undo,
    release_visits,
    swap_accept,
    swap_decide,
    swap_offer,
)
from tests import factories
from tests.factories import free_all_day, next_week
from tests.rota.test_selfmanage_invariants import broken_rules


def carer(user) -> Carer:
    return Carer.objects.get(user=user)


def make_visit(client, when, *, minutes=30, carer=None, name="Check-in"):
    """A one-carer visit without skills at `when` (local), assigned to `carer` when given."""
    return factories.make_visit(
        client, when, minutes=minutes, name=name, carers=[carer] if carer else ()
    )


def join_hilltop(user) -> None:
    """Make a Riverside carer a carer in Hilltop too (people may belong to several circles)."""
    Membership.objects.create(
        circle=Circle.objects.get(name="Hilltop"),
        user=user,
        role=MembershipRole.CARER,
        starts_on=timezone.localdate() - timedelta(days=60),
    )


def at(days: int, hour: int, minute: int = 0):
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), timezone.get_current_timezone())


@pytest.fixture
def next_week_is_out(people):
    """Next week's rota is out (Pat, Arthur's neighbour, has a visit on the Monday), so its open
    places are offered to the circle; the week holds nothing else but what the test makes."""
    make_visit(people.arthur, next_week(0, 9), carer=carer(people.informal), name="Coffee")


@pytest.fixture
def a_single_place(people, next_week_is_out):
    """An open place: a one-carer visit without skills for Arthur next Wednesday at 11:00, made
    by the test, so it is there whatever day and hour the suite runs."""
    return make_visit(people.arthur, next_week(2, 11))


@pytest.mark.clock
def test_an_able_carer_claims_an_open_place_and_the_second_is_told_who_has_it(
    people, a_single_place
):
    visit = a_single_place
    able = [
        c
        for c in Carer.objects.filter(user__memberships__circle=people.riverside)
        if not c.is_informal
        and not open_places_for(carer=c, start=visit.date, end=visit.date)
        or any(
            v == visit and not f
            for v, f in open_places_for(carer=c, start=visit.date, end=visit.date)
        )
    ]
    able = [
        c
        for c in able
        if any(
            v == visit and not f
            for v, f in open_places_for(carer=c, start=visit.date, end=visit.date)
        )
    ]
    assert len(able) >= 2, "the demo circle should have two people free for a single visit"
    first, second = able[0], able[1]
    place_claim(actor=first.user, visit_id=visit.public_id)
    assert list(visit.assignments.values_list("carer", flat=True)) == [first.pk]
    with pytest.raises(ValidationError) as err:
        place_claim(actor=second.user, visit_id=visit.public_id)
    assert f"{first.name} took this place first" in str(err.value)
    assert visit.assignments.count() == 1


@pytest.mark.clock
def test_a_claim_that_breaks_a_rule_is_refused_with_the_reason(people, next_week_is_out):
    # An open place next Wednesday on a visit of Edna's that needs a hoist.
    edna_visit = factories.make_visit(people.edna, next_week(2, 15), skills=["hoist"])
    no_hoist = (
        Carer.objects.filter(user__memberships__circle=people.riverside)
        .exclude(skills__code="hoist")
        .exclude(kind__in=["family", "friend", "neighbour", "volunteer"])
        .first()
    )
    with pytest.raises(ValidationError) as err:
        place_claim(actor=no_hoist.user, visit_id=edna_visit.public_id)
    assert "does not have" in str(err.value) and Skill.objects.get(code="hoist").name in str(
        err.value
    )


@pytest.mark.clock
def test_an_outsider_cannot_claim_and_a_past_visit_cannot_be_claimed(people, a_single_place):
    with pytest.raises(ValidationError) as err:
        place_claim(actor=people.outsider, visit_id=a_single_place.public_id)
    assert "not part of" in str(err.value)
    # an open place whose visit has just started: refused because it started, not for being full
    started = make_visit(people.arthur, timezone.now() - timedelta(minutes=10))
    with pytest.raises(ValidationError) as err:
        place_claim(actor=people.carer, visit_id=started.public_id)
    assert err.value.message_dict == {"visit": ["This visit has already started."]}
    assert not started.assignments.exists()


@pytest.mark.clock
def test_sickness_frees_the_places_and_the_engine_proposes_cover_within_the_rules(
    people, django_capture_on_commit_callbacks
):
    ana = carer(people.carer)
    # Ana's Wednesday next week, which only this test has rostered (whatever day it is today):
    # Arthur in the morning, George after lunch.
    first = make_visit(people.arthur, next_week(2, 10), carer=ana)
    make_visit(people.riverside.clients.get(first_name="George"), next_week(2, 14), carer=ana)
    day = first.date
    tz = timezone.get_current_timezone()
    reported = timezone.now()
    # whatever else is on the rota that week, what matters is that nothing gets worse
    before = broken_rules(people.riverside, week_start(day))
    with django_capture_on_commit_callbacks(execute=True):
        absence = absence_report(
            actor=people.carer,
            kind="sickness",
            starts_at=datetime.combine(day, time(0), tz),
            ends_at=datetime.combine(day + timedelta(days=1), time(0), tz),
        )
    freed = absence.proposal["freed"]
    assert len(freed) == 2 and str(first.public_id) in freed
    assert not Assignment.objects.filter(carer=ana, visit__public_id__in=freed).exists()
    offers = list(CoverOffer.objects.filter(absence=absence))
    assert offers, absence.proposal
    assert reported <= absence.proposed_at <= timezone.now()
    assert absence.proposal["seconds"] < 30
    assert absence.proposal["offers"] == len(offers)
    assert all(o.carer != ana for o in offers)
    # every proposed carer is told, and nobody outside the circle is asked
    told = set(
        Notification.objects.filter(subject__startswith="Can you cover").values_list(
            "user", flat=True
        )
    )
    assert told == {o.carer.user_id for o in offers}
    assert all(o.carer.user.memberships.filter(circle=people.riverside).exists() for o in offers)
    # accepting puts them on the rota, and the rota still keeps every rule
    offer = offers[0]
    cover_accept(actor=offer.carer.user, offer_id=offer.public_id)
    assert Assignment.objects.filter(
        visit=offer.visit, carer=offer.carer, status="published"
    ).exists()
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    from carecircle.rota.rules import check_change

    assert check_change(visit=offer.visit, add=offer.carer) == []
    assert broken_rules(people.riverside, week_start(day)) - before == set()


def test_a_declined_cover_offer_keeps_its_reason_and_the_place_stays_open(people):
    ana, dave = carer(people.carer), carer(people.carer2)
    when = at(2, 14, 10)
    visit = make_visit(
        people.george if hasattr(people, "george") else people.arthur, when, carer=ana
    )
    free_all_day(dave, when.date())
    absence = absence_report(
        actor=people.carer,
        kind="holiday",
        starts_at=when - timedelta(minutes=5),
        ends_at=when + timedelta(hours=1),
    )
    offer = CoverOffer.objects.get(absence=absence, visit=visit)
    cover_decline(actor=offer.carer.user, offer_id=offer.public_id, reason="At the dentist")
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED and offer.decline_reason == "At the dentist"
    with pytest.raises(ValidationError) as err:
        cover_accept(actor=offer.carer.user, offer_id=offer.public_id)
    assert "no longer open (declined)" in str(err.value)
    assert visit.assignments.count() == 0  # still open for the circle


@pytest.mark.clock
def test_withdrawing_an_absence_gives_back_the_places_nobody_took(people):
    ana = carer(people.carer)
    first = make_visit(people.arthur, next_week(2, 14, 10), carer=ana)
    absence = absence_report(
        actor=people.carer,
        kind="sickness",
        starts_at=first.window_start - timedelta(minutes=5),
        ends_at=first.window_start + timedelta(hours=2),
    )
    assert not first.assignments.filter(carer=ana).exists()
    absence_withdraw(actor=people.carer, absence_id=absence.public_id)
    assert first.assignments.filter(carer=ana, status="published").exists()
    assert not CoverOffer.objects.filter(absence=absence, status=OfferStatus.OPEN).exists()


def test_bad_absences_are_refused_with_the_field_named(people):
    now = timezone.now()
    with pytest.raises(ValidationError) as err:
        absence_report(
            actor=people.carer,
            kind="sickness",
            starts_at=now + timedelta(hours=2),
            ends_at=now + timedelta(hours=1),
        )
    assert "ends_at" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        absence_report(
            actor=people.carer, kind="bored", starts_at=now, ends_at=now + timedelta(hours=1)
        )
    assert "kind" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        absence_report(
            actor=people.client, kind="sickness", starts_at=now, ends_at=now + timedelta(hours=1)
        )


@pytest.mark.clock
def test_a_swap_within_the_rules_moves_the_visit_at_once(
    people, django_capture_on_commit_callbacks
):
    from carecircle.rota.rules import check_change

    ana = carer(people.carer)
    # Ana's visit next Wednesday, which only this test has rostered (whatever day it is today).
    visit = make_visit(people.arthur, next_week(2, 10), carer=ana)
    others = Carer.objects.filter(user__memberships__circle=people.riverside).exclude(pk=ana.pk)
    fits = [c for c in others if not check_change(visit=visit, add=c, remove=ana)]
    assert fits, "someone in the circle is free and able to take Ana's visit"
    colleague = fits[0]
    with django_capture_on_commit_callbacks(execute=True):
        offer = swap_offer(
            actor=people.carer, visit_id=visit.public_id, to_carer_id=colleague.public_id
        )
    assert Notification.objects.filter(
        user=colleague.user, url__contains=str(offer.public_id)
    ).exists()
    swap_accept(actor=colleague.user, offer_id=offer.public_id)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    assert visit.assignments.filter(carer=colleague).exists()
    assert not visit.assignments.filter(carer=ana).exists()


@pytest.fixture(params=["today", "friday", "sunday"])
def clock_on(request):
    """Run a test today, and with the clock set to this week's Friday morning and Sunday evening:
    days counted from "today" then fall on either side of a week's edge."""
    if request.param == "today":
        yield timezone.localdate()
        return
    import time_machine

    monday = week_start(timezone.localdate())
    day, hour = {"friday": (4, 10), "sunday": (6, 21)}[request.param]
    moment = datetime.combine(
        monday + timedelta(days=day), time(hour), timezone.get_current_timezone()
    )
    with time_machine.travel(moment, tick=False):
        assert timezone.localdate().weekday() == day
        yield timezone.localdate()


@pytest.mark.clock
@pytest.mark.parametrize(
    ("late", "early"), [((2, 23), (3, 8)), ((6, 23), (7, 8))], ids=["midweek", "sunday-to-monday"]
)
def test_a_swap_that_breaks_the_rest_rule_goes_to_a_team_leader(people, clock_on, late, early):
    """Dave takes Ana's 08:00 visit the morning after his late one: less than 11 hours' rest,
    whether the night is midweek or between Sunday and Monday (two calendar weeks)."""
    from carecircle.oversight.models import Escalation

    ana, dave = carer(people.carer), carer(people.carer2)
    morning = make_visit(people.arthur, next_week(*early), carer=ana, name="Breakfast")
    make_visit(people.arthur, next_week(*late), carer=dave, name="Late check")
    free_all_day(dave, next_week(*late).date())
    free_all_day(dave, next_week(*early).date())
    offer = swap_offer(actor=people.carer, visit_id=morning.public_id, to_carer_id=dave.public_id)
    offer = swap_accept(actor=people.carer2, offer_id=offer.public_id)
    assert offer.status == OfferStatus.NEEDS_APPROVAL, offer.broken_rules
    assert offer.broken_rules == [
        f"Dave Hirst would have only 8 h 30 rest before {next_week(*early):%a} 08:00 (11 h needed)."
    ]
    esc = Escalation.objects.get(key=f"swap:{offer.public_id}")
    assert esc.status == "open" and esc.owner is not None
    assert morning.assignments.filter(carer=ana).exists()  # nothing moved yet
    with pytest.raises(ValidationError) as err:
        swap_decide(actor=people.team_leader, offer_id=offer.public_id, approve=False, reason="")
    assert "reason" in err.value.message_dict
    swap_decide(actor=people.team_leader, offer_id=offer.public_id, approve=True)
    assert morning.assignments.filter(carer=dave).exists()
    esc.refresh_from_db()
    assert esc.status == "resolved" and "Approved" in esc.resolution


@pytest.mark.clock
def test_a_swap_that_breaks_the_clients_wishes_is_refused_outright(people):
    """Arthur asked that one agency carer no longer comes: no team leader can override that."""
    arthur = people.arthur
    avoided = arthur.avoid_carers.first()
    giver = carer(people.carer)
    visit = make_visit(arthur, next_week(2, 10), carer=giver)
    offer = SwapOffer.objects.create(visit=visit, from_carer=giver, to_carer=avoided)
    with pytest.raises(ValidationError) as err:
        swap_accept(actor=avoided.user, offer_id=offer.public_id)
    assert "asked not to be visited" in str(err.value)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OPEN


@pytest.mark.clock
def test_sue_releases_ednas_calls_and_the_carers_keep_their_time(
    people, django_capture_on_commit_callbacks
):
    # Two of Edna's visits next Wednesday, Ana on one and Ana and Dave on the other.
    ana, dave = carer(people.carer), carer(people.carer2)
    visits = [
        factories.make_visit(people.edna, next_week(2, 9), carers=[ana]),
        factories.make_visit(people.edna, next_week(2, 13), carers=[ana, dave]),
    ]
    start, end = visits[0].window_start, visits[-1].window_start + timedelta(minutes=1)
    on_them = {(v.pk, a.carer_id) for v in visits for a in v.assignments.all()}
    assert len(visits) == 2 and on_them
    with django_capture_on_commit_callbacks(execute=True):
        release = release_visits(
            actor=people.representative,
            client_id=people.edna.public_id,
            starts_at=start,
            ends_at=end,
            reason="Family visiting all day",
        )
    for v in visits:
        v.refresh_from_db()
        assert v.status == VisitStatus.RELEASED and v.release == release
    kept = KeptTime.objects.filter(release=release)
    assert {(k.visit_id, k.carer_id) for k in kept} == on_them
    assert all(k.minutes == k.visit.duration_minutes for k in kept)
    assert Notification.objects.filter(subject__contains="does not need").count() == len(on_them)
    # the carer says the time is free; undo then gives the visit back
    k = kept.first()
    from carecircle.rota.services import kept_time_use

    kept_time_use(actor=k.carer.user, kept_id=k.public_id, use=KeptTimeUse.FREE)
    release_undo(actor=people.representative, release_id=release.public_id)
    v = Visit.objects.get(pk=k.visit_id)
    assert v.status == VisitStatus.PLANNED and v.assignments.filter(carer=k.carer).exists()


def test_only_the_client_or_their_representative_releases(people):
    now = timezone.now()
    with pytest.raises(PermissionDenied):
        release_visits(
            actor=people.carer,
            client_id=people.edna.public_id,
            starts_at=now,
            ends_at=now + timedelta(days=1),
            reason="x",
        )
    with pytest.raises(ValidationError) as err:
        release_visits(
            actor=people.representative,
            client_id=people.edna.public_id,
            starts_at=now,
            ends_at=now + timedelta(days=1),
            reason=" ",
        )
    assert "reason" in err.value.message_dict


# --- rules across the edge of a week and across circles --------------------------------------


@pytest.mark.parametrize(
    ("taken", "claimed"),
    [((6, 23, 0), (7, 8, 0)), ((7, 8, 0), (6, 23, 0))],
    ids=["claims-monday-after-sunday-night", "claims-sunday-night-before-monday"],
)
def test_a_claim_leaving_too_little_rest_across_sunday_night_is_refused(people, taken, claimed):
    """Dave's Sunday 23:00 and Monday 08:00 fall in different weeks: 8 h 30 rest all the same."""
    dave = carer(people.carer2)
    mine = make_visit(people.arthur, next_week(*taken), carer=dave, name="Late check")
    place = make_visit(people.arthur, next_week(*claimed), name="Breakfast")
    free_all_day(dave, next_week(6, 0).date())
    free_all_day(dave, next_week(7, 0).date())
    with pytest.raises(ValidationError) as err:
        place_claim(actor=people.carer2, visit_id=place.public_id)
    assert "Dave Hirst would have only 8 h 30 rest before Mon 08:00 (11 h needed)." in str(
        err.value
    )
    assert not place.assignments.exists()
    # the refusal is the other visit's doing: without it the same claim is taken
    mine.assignments.all().delete()
    place_claim(actor=people.carer2, visit_id=place.public_id)
    assert place.assignments.filter(carer=dave, status="published").exists()


def test_a_claim_clashing_with_a_visit_in_another_circle_is_refused(people):
    dave = carer(people.carer2)
    join_hilltop(people.carer2)
    when = next_week(2, 10)  # a Wednesday: inside Dave's usual hours
    hilltop = make_visit(people.margaret, when, minutes=60, carer=dave, name="Lunch")
    place = make_visit(people.arthur, when + timedelta(minutes=30), name="Check-in")
    with pytest.raises(ValidationError) as err:
        place_claim(actor=people.carer2, visit_id=place.public_id)
    text = str(err.value)
    assert "Dave Hirst has another visit Wed 10:00–11:00 and Wed 10:30–11:00" in text
    assert "One of them is in the Hilltop circle." in text
    assert not place.assignments.exists()
    hilltop.assignments.all().delete()
    place_claim(actor=people.carer2, visit_id=place.public_id)
    assert place.assignments.filter(carer=dave).exists()


def test_weekly_hours_count_the_visits_in_every_circle(people):
    """Five 9 h 30 days in Hilltop and one more hour in Riverside: 48 h 30 in the week."""
    dave = carer(people.carer2)
    assert dave.max_hours_per_week == 48
    join_hilltop(people.carer2)
    for day in range(5):
        make_visit(people.margaret, next_week(day, 8), minutes=570, carer=dave, name="Long day")
    place = make_visit(people.arthur, next_week(5, 10), minutes=60, name="Saturday help")
    with pytest.raises(ValidationError) as err:
        place_claim(actor=people.carer2, visit_id=place.public_id)
    assert (
        "Dave Hirst would work 48 h 30 that week (their limit is 48 h) counting their other "
        "circles." in str(err.value)
    )


@pytest.mark.parametrize("busy", ["free", "in-another-circle", "late-on-sunday"])
def test_cover_is_never_proposed_to_a_carer_busy_elsewhere_or_needing_rest(people, busy):
    """At 05:30 on a Monday only Dave (who said he is free) could cover Ana; the engine must
    see his visit in Hilltop at that time, or his Sunday-night visit the week before."""
    ana, dave = carer(people.carer), carer(people.carer2)
    when = next_week(7, 5, 30)
    visit = make_visit(people.arthur, when, carer=ana, name="Early medication")
    free_all_day(dave, when.date())
    if busy == "in-another-circle":
        join_hilltop(people.carer2)
        make_visit(people.margaret, when - timedelta(minutes=15), carer=dave, name="Early call")
    elif busy == "late-on-sunday":
        make_visit(people.edna, next_week(6, 22), carer=dave, name="Late check")
    absence = absence_report(
        actor=people.carer,
        kind="sickness",
        starts_at=when - timedelta(minutes=5),
        ends_at=when + timedelta(hours=1),
    )
    assert absence.proposal["freed"] == [str(visit.public_id)]
    offered = set(CoverOffer.objects.filter(absence=absence).values_list("carer", flat=True))
    if busy == "free":
        assert offered == {dave.pk}
    else:
        assert offered == set()
        assert absence.proposal["unfilled"] == [str(visit.public_id)]


def test_when_the_proposed_carer_declines_the_others_who_can_go_are_asked(
    people, django_capture_on_commit_callbacks
):
    from carecircle.rota.services.places import carers_to_ask

    ana = carer(people.carer)
    when = next_week(2, 14, 10)  # nobody but this test has visits that week
    visit = make_visit(people.arthur, when, carer=ana)
    avoided = set(people.arthur.avoid_carers.values_list("pk", flat=True))
    others = [c for c in carers_to_ask(visit, exclude=ana) if c.pk not in avoided]
    assert len(others) >= 3
    for c in others:
        free_all_day(c, when.date())
    absence = absence_report(
        actor=people.carer,
        kind="holiday",
        starts_at=when - timedelta(minutes=5),
        ends_at=when + timedelta(hours=1),
    )
    (first,) = CoverOffer.objects.filter(absence=absence, visit=visit, status="open")
    with django_capture_on_commit_callbacks(execute=True):
        cover_decline(actor=first.carer.user, offer_id=first.public_id, reason="At the dentist")
    again = {o.carer for o in CoverOffer.objects.filter(visit=visit, status="open")}
    # Everyone else who may visit Arthur and is free is asked; not the one who said no, not Ana.
    assert again == set(others) - {first.carer}
    told = set(
        Notification.objects.filter(
            subject__startswith="Can you cover", body__contains="cannot go"
        ).values_list("user", flat=True)
    )
    assert told == {c.user_id for c in again}
    # Further refusals ask nobody twice; when all have said no the place stays on the board.
    for offer in CoverOffer.objects.filter(visit=visit, status="open"):
        cover_decline(actor=offer.carer.user, offer_id=offer.public_id, reason="Busy")
    assert not CoverOffer.objects.filter(visit=visit, status="open").exists()
    assert CoverOffer.objects.filter(visit=visit).count() == len(others)
    assert visit.assignments.count() == 0
