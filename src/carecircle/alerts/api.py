"""The help-call API: telecare devices raise calls; devices and people read a call's status.

POST /api/v1/alerts with the device's own token (`Authorization: Bearer dev_…`, issued by
`manage.py create_alarm_device`). The device's `event_id` makes the call idempotent: sending the
same event again (a retry after a lost answer) returns the same call with 200, never a second
call."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from django.db import IntegrityError
from django.http import Http404
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer
from pydantic import field_validator

from carecircle.alerts import selectors, services
from carecircle.alerts.access import access_alert
from carecircle.alerts.models import AlarmDevice, DeviceEvent, HelpAlert
from carecircle.inputs import TIME_RANGE, CleanText, RecordedTime
from carecircle.people.api_auth import SessionAuth, TokenAuth
from carecircle.people.models import hash_token

router = Router(tags=["alerts"])


class DeviceAuth(HttpBearer):
    def authenticate(self, request, token: str):
        device = (
            AlarmDevice.objects.select_related("client__circle", "client__organisation")
            .filter(token_hash=hash_token(token), revoked=False)
            .first()
        )
        if device is None:
            return None
        AlarmDevice.objects.filter(pk=device.pk).update(last_used_at=timezone.now())
        return device


EVENT_ID = re.compile(r"^[A-Za-z0-9._:\-]+$")


class DeviceAlertIn(Schema):
    event_id: str = Field(
        ...,
        min_length=1,
        max_length=100,
        json_schema_extra={"pattern": EVENT_ID.pattern},
        description="The device's own id for this event (letters, digits, . _ : -); "
        "sending it again returns the same call.",
    )
    kind: Literal["help", "fall", "unwell", "distressed", "no_movement"] = Field(
        "help", description="What the device detected: a button press is `help`."
    )
    occurred_at: RecordedTime | None = Field(
        None, description=f"When the device saw it: {TIME_RANGE}"
    )
    message: CleanText = Field("", max_length=300, description="Free text shown to the carers.")

    @field_validator("event_id")
    @classmethod
    def _event_id(cls, value: str) -> str:
        if not EVENT_ID.match(value):
            raise ValueError("use only letters, digits and . _ : - (no spaces)")
        return value


class AlertOut(Schema):
    id: UUID
    status: str
    status_text: str
    kind: str
    raised_at: datetime
    responder: str | None = None
    eta_minutes: int | None = None
    created: bool = False


class ErrorOut(Schema):
    error: dict


def _out(alert: HelpAlert, *, created: bool = False) -> AlertOut:
    return AlertOut(
        id=alert.public_id,
        status=alert.status,
        status_text=selectors.status_text(alert),
        kind=alert.kind,
        raised_at=alert.raised_at,
        responder=alert.responder.user.first_name if alert.responder_id else None,
        eta_minutes=alert.eta_minutes,
        created=created,
    )


@router.post(
    "",
    auth=DeviceAuth(),
    response={200: AlertOut, 201: AlertOut, 401: ErrorOut, 422: ErrorOut},
    summary="A telecare device raises a help call",
)
def device_alert(request, payload: DeviceAlertIn):
    """201 with the new call; 200 with the existing call when the `event_id` was seen before
    (or a call for this client is already open: it is joined, not duplicated)."""
    device: AlarmDevice = request.auth
    message = payload.message
    if payload.occurred_at is not None:
        seen = payload.occurred_at
        if timezone.now() - seen > timedelta(minutes=2):  # queued in the hub, sent late
            message = f"(device saw it at {timezone.localtime(seen):%H:%M}) {message}".strip()
    try:
        alert, created = services.alert_raise(
            client=device.client,
            device=device,
            event_id=payload.event_id,
            kind=payload.kind,
            message=message,
        )
    except IntegrityError:  # the same event at the same moment: the other request stored it
        alert, created = (
            DeviceEvent.objects.get(device=device, event_id=payload.event_id).alert,
            False,
        )
    return Status(201 if created else 200, _out(alert, created=created))


@router.get(
    "/{alert_id}",
    auth=[DeviceAuth(), TokenAuth(), SessionAuth()],
    response={200: AlertOut, 404: ErrorOut},
    summary="Where a help call stands",
)
def alert_status(request, alert_id: UUID):
    if isinstance(request.auth, AlarmDevice):
        alert = HelpAlert.objects.filter(public_id=alert_id, client=request.auth.client).first()
        if alert is None:
            raise Http404
    else:
        alert = access_alert(request.auth, alert_id)
    return Status(200, _out(alert))
