"""Taking one interval out of a list of blocks, for minutes (the engine) and datetimes (the rota)."""

from __future__ import annotations

from datetime import UTC, datetime

from carecircle.engine.intervals import subtract_interval


def test_a_cut_keeps_the_parts_either_side():
    assert subtract_interval([(0, 100)], 30, 60) == [(0, 30), (60, 100)]


def test_a_covered_block_goes_and_a_missed_block_stays():
    assert subtract_interval([(10, 20), (40, 50), (70, 80)], 5, 60) == [(70, 80)]
    assert subtract_interval([(10, 20)], 20, 30) == [(10, 20)]  # half-open: touching is not cutting


def test_a_cut_over_one_edge_trims_that_edge():
    assert subtract_interval([(0, 50), (60, 100)], 40, 70) == [(0, 40), (70, 100)]


def test_datetimes_work_the_same():
    def h(hour: int) -> datetime:
        return datetime(2026, 3, 2, hour, tzinfo=UTC)

    assert subtract_interval([(h(8), h(18))], h(12), h(13)) == [(h(8), h(12)), (h(13), h(18))]
