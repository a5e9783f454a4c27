"""What the rota tells the apps above it; oversight connects these in its AppConfig.ready().

Each is sent inside the service's transaction and under its row locks, exactly where the rota
used to call the escalation ladder itself, so a receiver's writes commit or roll back with the
change that caused them."""

from django.dispatch import Signal

# Every place of a visit is filled: anything waiting for cover is settled.
# Arguments: visit (Visit), resolution (str, who covers it).
place_filled = Signal()

# A swap would break a working-time rule and waits for the circle's team leaders to decide.
# Arguments: offer (SwapOffer), subject (str), reasons (list[str], the rules), now (datetime).
swap_needs_approval = Signal()

# A swap offer is settled (decided, withdrawn, or expired): nothing waits on it any more.
# Arguments: offer (SwapOffer), visit (its Visit), resolution (str), now (datetime or None).
swap_settled = Signal()
