"""What plans tells the apps above it; oversight connects these in its AppConfig.ready().

Sent inside the service's transaction, so a receiver's writes commit or roll back with it."""

from django.dispatch import Signal

# A restriction was reviewed or ended: whatever waited on its review is settled.
# Arguments: practice (RestrictivePractice), resolution (str, what happened and who did it).
restriction_settled = Signal()
