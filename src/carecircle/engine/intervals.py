"""Half-open intervals [start, end) of minutes or of datetimes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar

T = TypeVar("T", int, datetime)


def subtract_interval(blocks: Iterable[tuple[T, T]], start: T, end: T) -> list[tuple[T, T]]:
    """The blocks with [start, end) taken out: a block it covers goes, a block it cuts keeps the
    parts either side, a block it misses stays as it is. Order is kept."""
    out: list[tuple[T, T]] = []
    for a, b in blocks:
        if b <= start or a >= end:
            out.append((a, b))
            continue
        if a < start:
            out.append((a, start))
        if b > end:
            out.append((end, b))
    return out
