"""The shared input types: times carry a zone and lie from 2000-01-01 to a day after now; text
holds no control characters but tab, newline and carriage return."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import time_machine

from carecircle.inputs import clean_text, recorded_time

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "value, ok",
    [
        (NOW + timedelta(hours=23), True),
        (NOW + timedelta(hours=25), False),
        (datetime(2000, 1, 1, tzinfo=UTC), True),
        (datetime(2000, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), False),
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))), False),  # no overflow
        (datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-1))), False),
        (datetime(2026, 12, 4, 7, 5), False),  # no zone
    ],
)
def test_recorded_times(value, ok):
    if ok:
        assert recorded_time(value) == value
    else:
        with pytest.raises(ValueError):
            recorded_time(value)


@pytest.mark.parametrize("text", ["\x00", "a\x1fb", "\x7f", "\x85", "\ud800"])
def test_control_characters_are_refused(text):
    with pytest.raises(ValueError):
        clean_text(text)


def test_ordinary_text_is_kept():
    text = "Tea,\tbiscuits\r\nand a walk — żółć, ăîșț."
    assert clean_text(text) == text
