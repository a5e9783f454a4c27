"""The audit hash chain: canonical JSON of an event and its SHA-256.

Pure functions shared by the writer (`services.audit_record`), `manage.py verify_audit` and the data
migration (which keeps its own copy, as migrations must not import app code).

The hash covers the actor and client by public id (`actor_ref`, `client_ref`), not by the foreign
keys the trail's pages, search and exports join on: deleting a person sets the key to NULL and must
not look like tampering. So the keys are checked against the hashed refs instead. An event's key
must be the row its ref names, or NULL when no row has that public id any more (deleted); changing
or nulling the key of an event whose person still exists is tampering ("reassigned"). Checking
rather than hashing the keys means chains written before this check verify unchanged."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder

GENESIS = ""


def normalise_detail(detail: dict | None) -> dict:
    """What the database will give back: dates, UUIDs and decimals as strings. Hashing the
    normalised form means the stored row re-hashes to the same value."""
    return json.loads(json.dumps(detail or {}, cls=DjangoJSONEncoder))


def canonical(
    *,
    seq: int,
    prev_hash: str,
    at: datetime,
    actor_ref: str,
    action: str,
    object_type: str,
    object_id: str,
    client_ref: str,
    detail: dict,
) -> str:
    fields = {
        "seq": seq,
        "prev_hash": prev_hash,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor_ref,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "client": client_ref,
        "detail": detail,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(**fields) -> str:
    return hashlib.sha256(canonical(**fields).encode("utf-8")).hexdigest()


def hash_of(event) -> str:
    return event_hash(
        seq=event.seq,
        prev_hash=event.prev_hash,
        at=event.at,
        actor_ref=event.actor_ref,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        client_ref=event.client_ref,
        detail=event.detail,
    )


@dataclass(frozen=True)
class Problem:
    seq: int | None
    event_id: int | None
    kind: str  # changed, reassigned, deleted, broken_link, unchained, head
    message: str


def _reassigned(event, actor_ids: Mapping[str, int], client_ids: Mapping[str, int]) -> list[str]:
    """The key columns (actor, client) that do not point where the event's hashed refs say."""
    wrong = []
    for role, ids in (("actor", actor_ids), ("client", client_ids)):
        ref = getattr(event, f"{role}_ref")
        if getattr(event, f"{role}_id") != (ids.get(ref) if ref else None):
            wrong.append(role)
    return wrong


def verify_events(
    events,
    *,
    head_seq: int,
    head_hash: str,
    actor_ids: Mapping[str, int] | None = None,
    client_ids: Mapping[str, int] | None = None,
) -> list[Problem]:
    """Walk the events in sequence order and name each break. `events` yields AuditEvent-like
    objects ordered by seq; rows without a seq were written outside the chain (tampering).
    `actor_ids` and `client_ids` map every existing person's public id to their primary key;
    given both, each event's `actor_id` and `client_id` are checked against its hashed refs."""
    check_keys = actor_ids is not None and client_ids is not None
    problems: list[Problem] = []
    expected_seq = 1
    prev_hash = GENESIS
    for event in events:
        if event.seq is None:
            problems.append(
                Problem(None, event.id, "unchained", f"event id {event.id} is not in the chain")
            )
            continue
        if event.seq > expected_seq:
            missing = (
                str(expected_seq)
                if event.seq == expected_seq + 1
                else f"{expected_seq}–{event.seq - 1}"
            )
            problems.append(Problem(expected_seq, None, "deleted", f"event(s) {missing} deleted"))
        elif event.seq < expected_seq:
            problems.append(
                Problem(event.seq, event.id, "changed", f"event {event.seq} is out of order")
            )
        if hash_of(event) != event.hash:
            problems.append(
                Problem(
                    event.seq,
                    event.id,
                    "changed",
                    f"event {event.seq} (id {event.id}, {event.action} {event.object_type}) "
                    "was changed: its hash does not match its contents",
                )
            )
        else:
            wrong = _reassigned(event, actor_ids, client_ids) if check_keys else []
            if wrong:
                columns = " and ".join(f"{role}_id" for role in wrong)
                problems.append(
                    Problem(
                        event.seq,
                        event.id,
                        "reassigned",
                        f"event {event.seq} (id {event.id}, {event.action} {event.object_type}) "
                        f"was reassigned: its {columns} does not match the hashed "
                        f"{' and '.join(wrong)}",
                    )
                )
            if event.seq == expected_seq and event.prev_hash != prev_hash:
                problems.append(
                    Problem(
                        event.seq,
                        event.id,
                        "broken_link",
                        f"event {event.seq} does not follow event {event.seq - 1}: "
                        f"event {event.seq - 1} was changed and re-hashed",
                    )
                )
        prev_hash = event.hash
        expected_seq = max(expected_seq, event.seq + 1)
    last_seq = expected_seq - 1
    if head_seq > last_seq:
        missing = str(head_seq) if head_seq == last_seq + 1 else f"{last_seq + 1}–{head_seq}"
        problems.append(Problem(last_seq + 1, None, "deleted", f"event(s) {missing} deleted"))
    elif head_seq < last_seq or (head_seq and head_hash != prev_hash):
        problems.append(
            Problem(last_seq, None, "head", "the chain head does not match the last event")
        )
    return problems
