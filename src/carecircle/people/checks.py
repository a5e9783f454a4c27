"""Background checks and training that must be in date for a carer to do personal care.

- A paid carer whose background checks (DBS) have all expired loses the skills listed in
  BACKGROUND_CHECK_SKILLS (personal care, medication, hoist by default).
- A training that enables a skill (moving and handling → hoist) that has expired, with no newer
  one in date, removes that skill.
The rota engine sees these as missing skills (rota/engine_adapter.py), so the carer cannot be
given such visits. People are warned CHECK_WARNING_WEEKS ahead: on the carer's My day and on
the team leader's home."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from carecircle.people.models import Carer, CarerCheck, CheckKind


def _in_date(check: CarerCheck, on: date) -> bool:
    return check.expires_on is None or check.expires_on >= on


def lapsed_skill_codes(carer: Carer, *, on: date) -> frozenset[str]:
    """The carer's skills that lapsed checks take away on this day. Uses prefetched
    `checks` and `skills` when present (the engine adapter prefetches both)."""
    checks = list(carer.checks.all())
    if not checks:
        return frozenset()
    skills = {s.id: s.code for s in carer.skills.all()}
    lapsed: set[str] = set()
    background = [c for c in checks if c.kind == CheckKind.BACKGROUND]
    if background and not any(_in_date(c, on) for c in background):
        lapsed |= set(settings.BACKGROUND_CHECK_SKILLS) & set(skills.values())
    by_skill: dict[int, list[CarerCheck]] = defaultdict(list)
    for check in checks:
        if check.kind == CheckKind.TRAINING and check.enables_skill_id in skills:
            by_skill[check.enables_skill_id].append(check)
    for skill_id, trainings in by_skill.items():
        if not any(_in_date(c, on) for c in trainings):
            lapsed.add(skills[skill_id])
    return frozenset(lapsed)


@dataclass(frozen=True)
class CheckWarning:
    carer: Carer
    check: CarerCheck
    expired: bool
    days_left: int

    @property
    def message(self) -> str:
        if self.expired:
            return _(
                "%(carer)s: %(check)s expired on %(date)s. No %(what)s visits until renewed."
            ) % {
                "carer": self.carer,
                "check": self.check.name,
                "date": self.check.expires_on.strftime("%-d %b %Y"),
                "what": self.blocks,
            }
        return _(
            "%(carer)s: %(check)s expires on %(date)s (in %(days)s days). Renew it in time."
        ) % {
            "carer": self.carer,
            "check": self.check.name,
            "date": self.check.expires_on.strftime("%-d %b %Y"),
            "days": self.days_left,
        }

    @property
    def blocks(self) -> str:
        if self.check.kind == CheckKind.BACKGROUND:
            return _("personal care")
        return self.check.enables_skill.name if self.check.enables_skill else self.check.name


def check_warnings(checks, *, today: date) -> list[CheckWarning]:
    """From a queryset of checks (one query): those expired or expiring within
    CHECK_WARNING_WEEKS, unless a newer check of the same kind and name (or for the same skill)
    runs beyond that horizon."""
    horizon = today + timedelta(weeks=settings.CHECK_WARNING_WEEKS)
    latest: dict[tuple, CarerCheck] = {}
    for check in checks.select_related("carer__user", "enables_skill"):
        key = (check.carer_id, check.kind, check.enables_skill_id or check.name)
        kept = latest.get(key)
        if kept is None or _later(check, kept):
            latest[key] = check
    warnings = [
        CheckWarning(
            carer=check.carer,
            check=check,
            expired=check.expires_on < today,
            days_left=(check.expires_on - today).days,
        )
        for check in latest.values()
        if check.expires_on is not None and check.expires_on <= horizon
    ]
    return sorted(warnings, key=lambda w: w.check.expires_on)


def _later(check: CarerCheck, than: CarerCheck) -> bool:
    if check.expires_on is None:
        return True
    return than.expires_on is not None and check.expires_on > than.expires_on
