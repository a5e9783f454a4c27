"""Ranking who answers a distress alert."""

from hypothesis import given
from hypothesis import strategies as st

from carecircle.engine.responders import (
    OFF_DUTY,
    ON_VISIT,
    Need,
    Responder,
    rank_responders,
)

EDNA = Need(client="edna", client_name="Edna", location=(0.0, 0.0))


def r(id, km=1.0, **kw):
    return Responder(id=id, name=id.title(), location=(km, 0.0), **kw)


def test_nearest_free_carer_comes_first_with_eta_and_reason():
    (first, second) = rank_responders(EDNA, [r("far", km=5.0), r("near", km=1.0)])
    assert first.id == "near" and first.eta_minutes == 3  # 1 km at 20 km/h
    assert first.reason == "Near: free now, about 3 min away"
    assert second.eta_minutes == 15


def test_a_familiar_carer_a_little_further_beats_a_stranger_next_door():
    ranked = rank_responders(EDNA, [r("stranger", km=0.5), r("ana", km=2.0, visits_to_client=9)])
    assert ranked[0].id == "ana"
    assert "knows Edna (9 visits in 30 days)" in ranked[0].reason


def test_who_is_never_asked():
    pool = [
        r("avoided"),
        r("daughter_of_someone_else", only_clients=frozenset({"arthur"})),
        r("mid_care", state=ON_VISIT, interruptible=False),
        r("asleep", state=OFF_DUTY, opted_in=False),
        r("ok"),
    ]
    need = Need("edna", "Edna", (0.0, 0.0), avoid=frozenset({"avoided"}))
    assert [c.id for c in rank_responders(need, pool)] == ["ok"]


def test_leaving_a_visit_and_getting_ready_add_to_the_eta():
    ranked = {
        c.id: c
        for c in rank_responders(
            EDNA,
            [
                r("visit", state=ON_VISIT),
                r("home", state=OFF_DUTY),
                r("free"),
            ],
        )
    }
    assert ranked["free"].eta_minutes == 3
    assert ranked["visit"].eta_minutes == 3 + 5
    assert ranked["home"].eta_minutes == 3 + 10


def test_missing_skills_rank_lower_and_are_named():
    need = Need("edna", "Edna", (0.0, 0.0), skills=frozenset({"hoist"}))
    ranked = rank_responders(
        need, [r("no_hoist", km=0.5), r("hoist", km=3, skills=frozenset({"hoist"}))]
    )
    assert ranked[0].id == "hoist"
    assert ranked[1].reason.endswith("lacks hoist")


@given(
    st.lists(st.tuples(st.floats(0, 20), st.integers(0, 30), st.integers(0, 600)), max_size=30),
    st.integers(1, 5),
)
def test_limit_gives_the_head_of_the_full_order(rows, limit):
    pool = [
        r(f"c{i}", km=km, visits_to_client=v, minutes_worked_today=w)
        for i, (km, v, w) in enumerate(rows)
    ]
    full = rank_responders(EDNA, pool)
    assert rank_responders(EDNA, pool, limit=limit) == full[:limit]
    assert [c.score for c in full] == sorted(c.score for c in full)


def test_an_informal_carer_with_no_people_of_their_own_is_never_asked():
    from carecircle.engine.responders import Need, Responder, rank_responders

    need = Need("edna", "Edna", (0.0, 0.0))
    pool = [
        Responder("pat", "Pat", (0.1, 0.1), informal=True),
        Responder("sue", "Sue", (0.2, 0.2), informal=True, only_clients=frozenset({"edna"})),
        Responder("ana", "Ana", (3.0, 3.0)),
    ]
    assert [c.id for c in rank_responders(need, pool)] == ["sue", "ana"]
