"""The inbox: what the circle has told this person."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from carecircle.alerts.notifications import notifications_for, notifications_mark_read


@login_required
def inbox(request):
    items = list(notifications_for(user=request.user))
    return render(request, "alerts/inbox.html", {"items": items})


@login_required
@require_POST
def inbox_mark_read(request):
    notifications_mark_read(actor=request.user)
    return redirect("inbox")
