"""A client's personal data as one JSON bundle (a subject access request, UK GDPR Art. 15).

Collected generically so that records added by other apps are included: every model of the
plans, rota and visits apps with a foreign key to the client, to their care plan or versions, or
to one of their visits. Safeguarding concerns and their audit events are left out: information
whose disclosure would be likely to prejudice the protection of someone from harm is exempt
(Data Protection Act 2018, Sch. 3), and the safeguarding lead decides what to release from them
separately."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.utils import timezone

from carecircle.circles.access import parse_uuid
from carecircle.people.models import Client, Role
from carecircle.people.permissions import Perm, has_perm, roles_of
from carecircle.safeguarding.chain import normalise_detail
from carecircle.safeguarding.models import AuditEvent

RECORD_APPS = ("plans", "rota", "visits")
# Personal data about other people (carers' availability, rota drafts) is not the client's.
SKIP_MODELS = {
    "rota.rotadraft",
    "rota.availabilityrule",
    "rota.availabilityexception",
    "rota.swapoffer",
    "rota.coveroffer",
}


def access_client_for_export(user, client_id) -> Client:
    if not has_perm(user, Perm.EXPORT_PERSONAL_DATA):
        raise PermissionDenied("Your role does not export personal data.")
    clients = Client.objects.all()
    if Role.ADMIN not in roles_of(user) and not user.is_superuser:
        clients = clients.filter(organisation_id=user.organisation_id)
    client = clients.filter(public_id=parse_uuid(client_id)).first()
    if client is None:
        raise Http404("No such client.")
    return client


def _row(obj) -> dict:
    data = {f.attname: f.value_from_object(obj) for f in obj._meta.concrete_fields}
    for field in obj._meta.many_to_many:
        data[field.name] = [
            str(getattr(o, "public_id", o.pk)) for o in getattr(obj, field.name).all()
        ]
    return normalise_detail(data)


def _owned_by(model, owners: dict[type, list]) -> list:
    """Rows of `model` pointing at any of the owner objects (client, plan, version, visit)."""
    conditions = [
        models.Q(**{f"{field.name}__in": owners[field.related_model]})
        for field in model._meta.concrete_fields
        if field.is_relation and owners.get(field.related_model)
    ]
    if not conditions:
        return []
    condition = conditions[0]
    for more in conditions[1:]:
        condition |= more
    return list(model.objects.filter(condition).order_by("pk"))


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
