"""Navigation entries this app adds for a signed-in person (see web/context.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from carecircle.notifications.selectors import unread_count


def nav_items(request) -> list[tuple[str, str]]:
    count = unread_count(user=request.user)
    label = _("Messages (%(count)s new)") % {"count": count} if count else _("Messages")
    return [(label, reverse("inbox")), (_("How we tell you"), reverse("notification_settings"))]
