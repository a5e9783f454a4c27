"""Signals plans sends for the apps above it (plans must not import them).

`plan_version_agreed` is sent inside the transaction that agrees a new version of a care plan,
after the new version's patterns and tasks exist. Keyword arguments: `old_version`,
`new_version`, `patterns` (each old pattern's id to its copy in the new version), `change` (the
endorsed PlanChange), `changed_pattern_id` (the old pattern whose days or times changed, or None),
`actor`, `now`. Receivers run in that transaction: an error they raise undoes the agreement."""

from django.dispatch import Signal

plan_version_agreed = Signal()
