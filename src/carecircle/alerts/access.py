"""Help calls and offers fetched for a person, or a 404: a call is seen by whoever may see its
client, the organisation's managers, and the carers it was offered to; an offer only by the carer
it was made to."""

from __future__ import annotations

from django.http import Http404

from carecircle.alerts.models import HelpAlert, HelpOffer
from carecircle.circles.access import clients_visible_to, parse_uuid
from carecircle.people.access import carer_of
from carecircle.people.models import Role


def org_manager(user, alert: HelpAlert) -> bool:
    """A manager of the client's organisation: the top of the escalation ladder for a call."""
    return (
        getattr(user, "role", None) == Role.MANAGER
        and user.organisation_id is not None
        and user.organisation_id == alert.circle.organisation_id
    )


def can_see_alert(user, alert: HelpAlert) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if clients_visible_to(user).filter(pk=alert.client_id).exists() or org_manager(user, alert):
        return True
    carer = carer_of(user)
    return carer is not None and alert.offers.filter(carer=carer).exists()


def access_alert(user, alert_id) -> HelpAlert:
    alert = (
        HelpAlert.objects.select_related("client", "circle", "responder__user", "raised_by")
        .filter(public_id=parse_uuid(alert_id))
        .first()
    )
    if alert is None or not can_see_alert(user, alert):
        raise Http404("No such help call.")
    return alert


def access_offer(user, offer_id) -> HelpOffer:
    """An offer of a call, for the carer it was made to."""
    carer = carer_of(user)
    offer = (
        HelpOffer.objects.select_related("alert__client", "carer__user")
        .filter(public_id=parse_uuid(offer_id))
        .first()
    )
    if offer is None or carer is None or offer.carer_id != carer.pk:
        raise Http404("No such offer.")
    return offer
