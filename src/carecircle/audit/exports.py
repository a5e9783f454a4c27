"""The audit trail exported as CSV or JSON: everything needed to re-check the chain elsewhere."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

EXPORT_COLUMNS = [
    "seq",
    "at",
    "actor",
    "actor_ref",
    "action",
    "object_type",
    "object_id",
    "client",
    "client_ref",
    "detail",
    "prev_hash",
    "hash",
]


def audit_rows(events: Iterable) -> list[dict]:
    """Flat rows, one per event, keyed by `EXPORT_COLUMNS`."""
    return [
        {
            "seq": e.seq,
            "at": e.at.isoformat(),
            "actor": e.actor.username if e.actor else "",
            "actor_ref": e.actor_ref,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "client": str(e.client) if e.client else "",
            "client_ref": e.client_ref,
            "detail": e.detail,
            "prev_hash": e.prev_hash,
            "hash": e.hash,
        }
        for e in events
    ]


def audit_json(events: Iterable) -> str:
    return json.dumps(audit_rows(events), indent=1)


class _Echo:
    def write(self, value):
        return value


def audit_csv_lines(events: Iterable) -> Iterator[str]:
    """CSV lines, the header first, one event at a time (for a streaming response)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    for row in audit_rows(events):
        row["detail"] = json.dumps(row["detail"], sort_keys=True)
        yield writer.writerow([row[c] for c in EXPORT_COLUMNS])
