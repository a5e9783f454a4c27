"""Writes to care plans, by concern: generating visits, negotiated changes, restrictive
practices. Imports from carecircle.plans.services keep working."""

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
from carecircle.plans.services.generate import MAX_GENERATE_DAYS, local_datetime, visits_generate
from carecircle.plans.services.restrictions import (
    restriction_end,
    restriction_record,
    restriction_review,
)

__all__ = [
    "MAX_GENERATE_DAYS",
    "change_assess_capacity",
    "change_consent",
    "change_decline",
    "change_endorse",
    "change_note_risk",
    "change_propose",
    "change_reject",
    "change_withdraw",
    "local_datetime",
    "restriction_end",
    "restriction_record",
    "restriction_review",
    "visits_generate",
]
