"""The visits app's panels on other apps' pages (the client page)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.db import transaction
from django.utils.html import json_script
from django.utils.translation import gettext as _

from carecircle.audit.services import audit_record
from carecircle.circles.access import led_circles
from carecircle.people.models import Representative
from carecircle.visits.models import ArrivalNotice
from carecircle.visits.selectors import arrivals_for_client, recent_records
from carecircle.visits.services import may_decide_location_consent

register = template.Library()


@register.inclusion_tag("visits/_client_panel_body.html", takes_context=True)
def visits_client_panel(context, client):
    user = context["request"].user
    represents = Representative.objects.filter(user=user, client=client).exists()
    opted_in = represents and ArrivalNotice.objects.filter(user=user, client=client).exists()
    leads = user.is_superuser or led_circles(user).filter(pk=client.circle_id).exists()
    records = recent_records(client=client) if leads else []
    if records:
        with transaction.atomic():
            audit_record(
                actor=user,
                action="visit_records_listed",
                obj=client,
                client=client,
                detail={"records": len(records)},
            )
    return {
        "client": client,
        "records": records,
        "represents": represents,
        "opted_in": opted_in,
        "arrivals": arrivals_for_client(client=client) if opted_in else [],
        "decides_location": may_decide_location_consent(user, client),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def visits_messages():
    """What the offline script says, translated here (the script itself has no gettext)."""
    limit_mb = settings.VISITS_RECEIPT_MAX_BYTES // (1024 * 1024)
    messages = {
        "already_in": _("You are already checked in."),
        "task_reason": _("Say why each task not done was not done."),
        "dose_reason": _("Say why each medicine not given was not given."),
        "check_in_first": _("Check in before checking out."),
        "dose_missing": _("Record an outcome for every medicine due before checking out."),
        "over_time": _(
            "The visit took longer than planned: say why before checking out (it is not a fault)."
        ),
        "amount": _("Enter the amount like 4.50."),
        "too_large": _("The receipt photo is too large (at most %(mb)s MB).") % {"mb": limit_mb},
        "saved_offline": _("Saved on this phone; it will be sent when there is a signal."),
        "checked_in": _("Checked in at %(time)s."),
        "checked_out": _("Checked out at %(time)s."),
        "not_in": _("Not checked in yet."),
        "not_out": _("Not checked out (kept on this phone): %(why)s"),
        "waiting": _("(Waiting to send.)"),
        "retry": _("Try again"),
        "discard": _("Discard"),
        "ready": _("Ready offline: %(cached)s of %(total)s pages kept on this phone."),
        "max_bytes": settings.VISITS_RECEIPT_MAX_BYTES,
    }
    return json_script(messages, "visits-messages")
