"""Help now services: raising and waves (raising.py), answering (answering.py). Import from
`carecircle.alerts.services`."""

from carecircle.alerts.services.answering import (
    alert_arrived,
    alert_cancel,
    alert_resolve,
    offer_accept,
    offer_decline,
)
from carecircle.alerts.services.raising import (
    _may_manage,
    alert_raise,
    alerts_tick,
    device_issue,
    live,
    live_prune,
    source_for,
)

__all__ = [
    "_may_manage",
    "alert_arrived",
    "alert_cancel",
    "alert_raise",
    "alert_resolve",
    "alerts_tick",
    "device_issue",
    "live",
    "live_prune",
    "offer_accept",
    "offer_decline",
    "source_for",
]
