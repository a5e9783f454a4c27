"""Writes for visit recording. Import from here: `from carecircle.visits import services`."""

from carecircle.visits.services.consent import (
    location_consent_set,
    may_decide_location_consent,
)
from carecircle.visits.services.family import arrival_notice_set
from carecircle.visits.services.pack import offline_pack_read
from carecircle.visits.services.receipts import receipt_path, receipt_store
from carecircle.visits.services.sync import record_sync

__all__ = [
    "arrival_notice_set",
    "location_consent_set",
    "may_decide_location_consent",
    "offline_pack_read",
    "receipt_path",
    "receipt_store",
    "record_sync",
]
