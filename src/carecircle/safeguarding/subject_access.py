"""A client's personal data as one JSON bundle (a subject access request, UK GDPR Art. 15).

Collected generically so that records added by other apps are included: every model of the plans,
rota, visits and alerts apps with a foreign key to the client, to their care plan or versions, to
one of their visits or to one of their help calls (the calls, who was asked, the alarm device's
events, the live events about them). The client's own inbox is added; messages to other people are
not, even those about the client's help calls (they name their recipients and can name other
clients). Other people's personal data inside the records is left out (Data Protection Act 2018,
Sch. 2 para. 16): how each carer was ranked for a call (rank, estimated arrival, distance and
availability), why a carer declined one (which may be about their health), and the visit a
responder left (another client's) with the absence covering their rota. Safeguarding concerns and
their audit events are left out: information whose disclosure would be likely to prejudice the
protection of someone from harm is exempt (Data Protection Act 2018, Sch. 3), and the safeguarding
lead decides what to release from them separately."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.utils import timezone

from carecircle.audit.chain import normalise_detail
from carecircle.audit.models import AuditEvent
from carecircle.notifications.models import Notification
from carecircle.people.models import Client

RECORD_APPS = ("plans", "rota", "visits", "alerts")
# Messages (the notifications app) are not collected by foreign key: see _messages. The rest of
# that app is how and where other people are reached.
# Personal data about other people (carers' availability, rota drafts) is not the client's.
SKIP_MODELS = {
    "rota.rotadraft",
    "rota.availabilityrule",
    "rota.availabilityexception",
    "rota.swapoffer",
    "rota.coveroffer",
    "visits.syncreceipt",  # technical: which phone operation was applied
    "visits.recordalias",
}
# Where a model points at two owners, the one that makes a row the client's: a help call that took
# a carer from this client's visit (left_visit) is the other client's call, not this one's.
OWNING_FIELDS = {"alerts.helpalert": {"client"}}
# Fields withheld from a row: secrets, and other people's personal data.
WITHHELD_FIELDS = {
    "alerts.alarmdevice": {"token_hash"},
    # The call's links into the rota: the visit its responder left is another client's, and the
    # absence that covers their rota is the carer's.
    "alerts.helpalert": {"ranking", "left_visit", "left_visit_rest", "cover_absence"},
    "alerts.helpoffer": {"rank", "eta_minutes", "reason", "decline_reason", "decline_note"},
}
NOTES = [
    "Messages: only those sent to the client. Messages to other people about the client or "
    "their help calls are left out: they name their recipients and can name other clients.",
    "Help calls: how each carer was ranked for a call (rank, estimated arrival, distance and "
    "availability), why a carer declined, and the visit a responder left are left out: they are "
    "other people's personal data.",
    "Safeguarding concerns and their audit events are left out; the safeguarding lead decides "
    "what to release from them separately.",
]


def _row(obj) -> dict:
    withheld = WITHHELD_FIELDS.get(obj._meta.label_lower, set())
    data = {
        f.attname: f.value_from_object(obj)
        for f in obj._meta.concrete_fields
        if f.name not in withheld
    }
    for field in obj._meta.many_to_many:
        data[field.name] = [
            str(getattr(o, "public_id", o.pk)) for o in getattr(obj, field.name).all()
        ]
    return normalise_detail(data)


def _owned_by(model, owners: dict[type, list]) -> list:
    """Rows of `model` pointing at any of the owner objects (client, plan, version, visit)."""
    only = OWNING_FIELDS.get(model._meta.label_lower)
    conditions = [
        models.Q(**{f"{field.name}__in": owners[field.related_model]})
        for field in model._meta.concrete_fields
        if field.is_relation
        and owners.get(field.related_model)
        and (only is None or field.name in only)
    ]
    if not conditions:
        return []
    condition = conditions[0]
    for more in conditions[1:]:
        condition |= more
    return list(model.objects.filter(condition).order_by("pk"))


def _messages(client: Client) -> list[dict]:
    """The client's own inbox. Messages to other people are left out, those about the client's
    help calls included: they name their recipients and can name other clients (a carer "left
    Arthur's visit to answer a help call")."""
    if not apps.is_installed("carecircle.notifications") or not client.user_id:
        return []

    return [
        {
            "at": n.created_at.isoformat(),
            "subject": n.subject,
            "body": n.body,
            "url": n.url,
            "urgent": n.urgent,
        }
        for n in Notification.objects.filter(user_id=client.user_id).order_by("created_at", "pk")
    ]


def subject_access_bundle(client: Client) -> dict:
    owners: dict[type, list] = {Client: [client]}
    sections: dict[str, list] = {}
    # Parents before children: plans before versions before tasks; visits before their records.
    pending = [
        m
        for app in RECORD_APPS
        if apps.is_installed(f"carecircle.{app}")
        for m in apps.get_app_config(app).get_models()
        if m._meta.label_lower not in SKIP_MODELS
    ]
    for _ in range(5):  # until nothing new is found: client → plan → version → task
        changed = False
        for model in pending:
            rows = _owned_by(model, owners)
            label = model._meta.label_lower
            if [r.pk for r in rows] != [r.pk for r in sections.get(label, [])]:
                sections[label] = rows
                owners[model] = rows
                changed = True
        if not changed:
            break
    events = (
        AuditEvent.objects.filter(client=client)
        .exclude(action__startswith="concern_")
        .order_by("seq")
    )
    return {
        "generated_at": timezone.now().isoformat(),
        "client": _row(client),
        "representatives": [
            {"name": str(r.user), "authority": r.authority, "relationship": r.relationship}
            for r in client.representatives.select_related("user")
        ],
        "records": {
            label: [_row(o) for o in rows] for label, rows in sorted(sections.items()) if rows
        },
        "messages": _messages(client),
        "notes": NOTES,
        "audit": [
            {
                "seq": e.seq,
                "at": e.at.isoformat(),
                "actor": str(e.actor) if e.actor else "",
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
            }
            for e in events.select_related("actor")
        ],
    }
