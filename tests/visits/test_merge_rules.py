"""The merge rules (visits/merge.py) as properties: whatever two phones send, in whatever order
and however often, the record converges and nothing written is lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import reduce

from hypothesis import given, settings
from hypothesis import strategies as st

from carecircle.visits import merge

BASE = datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
times = st.integers(min_value=0, max_value=600).map(lambda m: BASE + timedelta(minutes=m))
places = st.just((None, None)) | st.tuples(
    st.floats(min_value=50, max_value=55, allow_nan=False),
    st.floats(min_value=-3, max_value=0, allow_nan=False),
)
stamps = st.tuples(times | st.none(), places)
words = st.text(alphabet="abc xyz.\n", min_size=0, max_size=40)
moods = st.tuples(times | st.none(), st.sampled_from(["", "good", "okay", "low", "distressed"]))
tasks = st.fixed_dictionaries(
    {
        "done": st.booleans(),
        "reason": st.sampled_from(["", "asleep", "refused"]),
        "recorded_at": times,
    }
)
doses = st.fixed_dictionaries(
    {
        "outcome": st.sampled_from(["given", "refused", "missed", "not_required"]),
        "reason": st.sampled_from(["", "asleep", "refused"]),
        "recorded_at": times,
    }
)


def _fold(fn, start, items):
    return reduce(fn, items, start)


@settings(deadline=None)  # timing on a shared, busy machine is no property of the rules
@given(stamps, stamps)
def test_check_in_keeps_the_earliest_whichever_order(a, b):
    ab, ba = merge.merge_check_in(a, b), merge.merge_check_in(b, a)
    assert ab == ba
    present = [s[0] for s in (a, b) if s[0] is not None]
    assert ab[0] == (min(present) if present else None)
    assert merge.merge_check_in(ab, a) == ab and merge.merge_check_in(ab, b) == ab


@settings(deadline=None)
@given(stamps, stamps)
def test_check_out_keeps_the_latest_whichever_order(a, b):
    ab, ba = merge.merge_check_out(a, b), merge.merge_check_out(b, a)
    assert ab == ba
    present = [s[0] for s in (a, b) if s[0] is not None]
    assert ab[0] == (max(present) if present else None)
    assert merge.merge_check_out(ab, b) == ab


@settings(deadline=None)
@given(st.lists(words, max_size=6))
def test_notes_never_lose_a_paragraph_and_resending_changes_nothing(texts):
    merged = _fold(merge.merge_text, "", texts)
    for text in texts:
        for paragraph in merge._paragraphs(text):
            assert merge._key(paragraph) in {merge._key(p) for p in merge._paragraphs(merged)}
        assert merge.merge_text(merged, text) == merged
    assert merge.merge_text(merged, merged) == merged


@settings(deadline=None)
@given(words, words, words)
def test_notes_from_two_phones_hold_the_same_paragraphs_in_either_order(held, a, b):
    one = merge.merge_text(merge.merge_text(held, a), b)
    two = merge.merge_text(merge.merge_text(held, b), a)
    assert {merge._key(p) for p in merge._paragraphs(one)} == {
        merge._key(p) for p in merge._paragraphs(two)
    }
    assert merge._paragraphs(one)[: len(merge._paragraphs(held))] == merge._paragraphs(held)


@settings(deadline=None)
@given(moods, moods, moods)
def test_mood_converges_whichever_order(a, b, c):
    orders = [(a, b, c), (c, b, a), (b, a, c), (b, c, a)]
    results = {reduce(merge.merge_mood, o[1:], o[0]) for o in orders}
    assert len(results) == 1
    once = merge.merge_mood(a, a)
    assert once == (a if a[1] else (None, ""))
    assert merge.merge_mood(once, a) == once


@settings(deadline=None)
@given(st.lists(tasks, min_size=1, max_size=5), st.randoms())
def test_a_task_answer_converges_and_the_latest_wins(items, rnd):
    shuffled = items[:]
    rnd.shuffle(shuffled)
    one = _fold(merge.merge_task, None, items)
    two = _fold(merge.merge_task, None, shuffled)
    assert one == two
    assert one["recorded_at"] == max(t["recorded_at"] for t in items)
    assert merge.merge_task(one, one) == one


@settings(deadline=None)
@given(st.lists(doses, min_size=1, max_size=5), st.randoms())
def test_a_given_dose_is_never_overwritten(items, rnd):
    shuffled = items[:]
    rnd.shuffle(shuffled)
    one = _fold(merge.merge_dose, None, items)
    assert one == _fold(merge.merge_dose, None, shuffled)
    if any(d["outcome"] == "given" for d in items):
        assert one["outcome"] == "given"
    else:
        assert one["recorded_at"] == max(d["recorded_at"] for d in items)
