"""Merge rules for two devices editing the same visit record. Pure functions, no Django.

A phone sends the whole record as it sees it; the server folds it into what it holds. Every rule is
idempotent (sending the same thing twice changes nothing). Every rule but one is also
order-independent (two phones syncing in either order end in the same state); the exception is the
ORDER of paragraphs in the notes and the over-time reason: either way the same paragraphs are kept,
but they read in the order they reached the server. So a record that is resent after a lost answer,
or edited on two phones offline, keeps everything each phone sent:

- check-in: the EARLIER time wins (the carer arrived when the first phone saw it), with its place;
- check-out: the LATER time wins (the visit ended when the last phone saw it), with its place;
- notes and the over-time reason: paragraphs are merged as a set, the stored ones first, then new
  ones in the order they arrive; nothing a carer wrote is ever dropped (the text is stored in full);
- mood: the later observation wins; at the same moment the more concerning one wins;
- a task: the later answer wins; at the same moment "done" wins;
- a scheduled dose: "given" always wins (a dose that was given must never look missed, or it could
  be given twice); otherwise the later answer wins; at the same moment the outcome name decides;
- as-needed doses and expenses: kept as separate items by their own UUID; a resent item changes
  nothing (the first copy received is kept).
"""

from __future__ import annotations

import re
from datetime import datetime

MOOD_CONCERN = {"": 0, "good": 1, "okay": 2, "low": 3, "distressed": 4, "unwell": 5}


NO_STAMP = (None, (None, None))


def _present(pair) -> bool:
    return pair is not None and pair[0] is not None


def _order(pair) -> tuple:
    # The place only breaks exact ties, so that two phones agree whichever syncs first.
    return (pair[0], repr(pair[1]))


def merge_check_in(held, new):
    """(time, place) pairs; the earlier wins."""
    if not _present(held):
        return new if _present(new) else NO_STAMP
    if not _present(new):
        return held
    return new if _order(new) < _order(held) else held


def merge_check_out(held, new):
    """(time, place) pairs; the later wins."""
    if not _present(held):
        return new if _present(new) else NO_STAMP
    if not _present(new):
        return held
    return new if _order(new) > _order(held) else held


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def _key(paragraph: str) -> str:
    return " ".join(paragraph.split()).casefold()


def merge_text(held: str, new: str) -> str:
    """Union of paragraphs: held first, then any new ones not already there."""
    out = _paragraphs(held)
    seen = {_key(p) for p in out}
    for p in _paragraphs(new):
        if _key(p) not in seen:
            seen.add(_key(p))
            out.append(p)
    return "\n\n".join(out)


def merge_mood(held: tuple[datetime | None, str], new: tuple[datetime | None, str]):
    """(observed at, mood); later wins, at the same moment the more concerning one."""
    if not new[1]:
        return held if held[1] else (None, "")
    if not held[1]:
        return new

    def rank(m):
        return (m[0] is not None, m[0] or datetime.min, MOOD_CONCERN.get(m[1], 0), m[1])

    return new if rank(new) > rank(held) else held


def merge_task(held: dict | None, new: dict) -> dict:
    """{"done", "reason", "recorded_at"}; later wins, at the same moment "done" wins."""
    if held is None:
        return new

    def rank(t):
        return (t["recorded_at"], bool(t["done"]), t.get("reason") or "")

    return new if rank(new) > rank(held) else held


def merge_dose(held: dict | None, new: dict) -> dict:
    """{"outcome", "recorded_at", ...} for one scheduled dose; "given" beats everything."""
    if held is None:
        return new

    def rank(d):
        return (d["outcome"] == "given", d["recorded_at"], d["outcome"], d.get("reason") or "")

    return new if rank(new) > rank(held) else held
