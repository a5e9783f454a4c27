"""The inbox, how a person wants to be told, and their phone's Web Push subscription."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carecircle.notifications.channels import vapid_keys
from carecircle.notifications.forms import PreferencesForm
from carecircle.notifications.selectors import notifications_for, preferences_of
from carecircle.notifications.services import (
    notifications_mark_read,
    preferences_update,
    push_subscribe,
)


@login_required
def inbox(request):
    items = list(notifications_for(user=request.user))
    return render(request, "notifications/inbox.html", {"items": items, "now": timezone.now()})


@login_required
@require_POST
def inbox_mark_read(request):
    notifications_mark_read(actor=request.user)
    return redirect("inbox")


@login_required
def notification_settings(request):
    pref = preferences_of(request.user)
    fields = ("email", "push", "sms", "quiet_start", "quiet_end", "help_calls_off_duty")
    initial = {f: getattr(pref, f) for f in fields}
    form = PreferencesForm(request.POST or None, initial=initial)
    if not hasattr(request.user, "carer_profile"):
        del form.fields["help_calls_off_duty"]
    if request.method == "POST" and form.is_valid():
        try:
            preferences_update(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Saved. This is how we will tell you from now on."))
            return redirect("notification_settings")
    return render(
        request,
        "notifications/settings.html",
        {
            "form": form,
            "vapid_public_key": vapid_keys().public_key,
            "subscriptions": request.user.push_subscriptions.count(),
            "sms_available": bool(settings.SMS_GATEWAY_URL),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def push_subscription(request):
    """The page's script posts the browser's PushSubscription here (JSON, with the CSRF header)."""
    try:
        data = json.loads(request.body or b"{}")
        keys = data.get("keys") or {}
        push_subscribe(
            actor=request.user,
            endpoint=str(data.get("endpoint", "")),
            p256dh=str(keys.get("p256dh", "")),
            auth=str(keys.get("auth", "")),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except (ValueError, AttributeError):
        return JsonResponse(
            {"error": {"code": "invalid", "message": "Send the subscription as JSON."}}, status=400
        )
    except ValidationError as exc:
        return JsonResponse({"error": {"code": "invalid", "fields": exc.message_dict}}, status=400)
    return JsonResponse({"ok": True, "settings": reverse("notification_settings")})


PUSH_WORKER = """// carecircle: shows Web Push messages and opens the page they point to.
self.addEventListener('push', (event) => {
  let data = {title: 'carecircle', body: '', url: '/inbox/'};
  try { data = Object.assign(data, event.data ? event.data.json() : {}); } catch (e) {}
  event.waitUntil(self.registration.showNotification(data.title, {
    body: data.body, tag: data.tag, data: {url: data.url}, requireInteraction: !!data.urgent,
  }));
});
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || '/inbox/';
  event.waitUntil(clients.openWindow(url));
});
"""


def push_worker(request):
    """The service worker for Web Push, at /push/sw.js with scope /push/ (it handles only push
    events, so it never competes with the offline app's worker for pages)."""
    response = HttpResponse(PUSH_WORKER, content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/push/"
    response["Cache-Control"] = "no-cache"
    return response
