"""What help calls tell the apps above them; oversight connects these in its AppConfig.ready().

Sent inside the call's transaction and under its row lock, exactly where alerts used to call the
escalation ladder itself, so a receiver's writes commit or roll back with the call's change."""

from django.dispatch import Signal

# A help call goes up the ladder: nobody accepted in time, or the responder is late.
# Arguments: alert (HelpAlert), level (1 team leaders, 2 manager), subject (str),
# reasons (list[str]), now (datetime).
help_call_escalated = Signal()

# A help call is settled (accepted, arrived, resolved, cancelled): nothing waits on it any more.
# Arguments: alert (HelpAlert), resolution (str), now (datetime).
help_call_settled = Signal()
