"""Audit of every read and write of a client's record, chained by hashes.

Each event carries a gap-free sequence number, the hash of the event before it and its own hash over
a canonical JSON of its fields (see `carecircle.audit.chain`). Changing a row breaks its hash;
deleting one leaves a gap in the sequence (or, for the last, disagrees with the chain head).
The actor and client are hashed by their public ids (`actor_ref`, `client_ref`) rather than the
foreign keys, because deleting a user sets the key to NULL and must not look like tampering; the
keys are checked against the hashed refs instead (`chain.verify_events`).

The tables keep the names they had when these models lived in `safeguarding`."""

from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True, null=True, editable=False)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        "people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_ref = models.CharField(max_length=64, blank=True, default="")
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    client = models.ForeignKey(
        "people.Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_ref = models.CharField(max_length=64, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "safeguarding_auditevent"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}"


class AuditChainHead(models.Model):
    """One row: the last sequence number and hash. Writers lock it (SELECT … FOR UPDATE) so two
    transactions cannot both extend the chain from the same event; it also lets `verify_audit`
    notice that the newest events were deleted."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "safeguarding_auditchainhead"

    def __str__(self) -> str:
        return f"audit chain at {self.last_seq}"
