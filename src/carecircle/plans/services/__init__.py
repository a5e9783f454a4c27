"""Writes to care plans, by concern: negotiated changes, restrictive practices. (Generating
visits from a plan is the rota's: carecircle.rota.services.visits_generate.)"""

from carecircle.plans.services.changes import (
    change_assess_capacity,
    change_consent,
    change_decline,
    change_endorse,
    change_note_risk,
    change_propose,
    change_reject,
    change_withdraw,
)
from carecircle.plans.services.dates import patterns_check, plan_dates_check, plan_dates_set
from carecircle.plans.services.restrictions import (
    restriction_end,
    restriction_record,
    restriction_review,
)

__all__ = [
    "change_assess_capacity",
    "change_consent",
    "change_decline",
    "change_endorse",
    "change_note_risk",
    "change_propose",
    "change_reject",
    "change_withdraw",
    "patterns_check",
    "plan_dates_check",
    "plan_dates_set",
    "restriction_end",
    "restriction_record",
    "restriction_review",
]
