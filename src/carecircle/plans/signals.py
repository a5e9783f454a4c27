"""What plans tells the apps above it (plans must not import them); they connect these in their
AppConfig.ready(). Sent inside the service's transaction, so a receiver's writes commit or roll
back with it, and an error a receiver raises undoes the change."""

from django.dispatch import Signal

# A restriction was reviewed or ended: whatever waited on its review is settled (oversight).
# Arguments: practice (RestrictivePractice), resolution (str, what happened and who did it).
restriction_settled = Signal()

# A new version of a care plan was agreed, after the new version's patterns and tasks exist (rota
# follows it). Arguments: old_version, new_version, patterns (each old pattern's id to its copy in
# the new version), change (the endorsed PlanChange), changed_pattern_id (the old pattern whose days
# or times changed, or None), actor, now.
plan_version_agreed = Signal()
