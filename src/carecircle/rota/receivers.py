"""What the rota does when an app below it announces something (connected in RotaConfig.ready)."""

from __future__ import annotations

from carecircle.rota.services.follow import visits_follow_version


def follow_agreed_version(
    sender, *, old_version, new_version, patterns, change, changed_pattern_id, actor, now, **kw
) -> None:
    """A new plan version was agreed: the visits still to come follow it (same transaction)."""
    visits_follow_version(
        old_version=old_version,
        new_version=new_version,
        patterns=patterns,
        change=change,
        changed_pattern_id=changed_pattern_id,
        actor=actor,
        now=now,
    )
