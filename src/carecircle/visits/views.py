"""Pages for recording visits: the carer's next 48 hours, the recording page (which also works
offline, through the service worker and the queue in static/visits/offline.js), the MAR chart and
its PDF, family's arrival notices, receipts, and the PWA's manifest and service worker."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carecircle.audit.services import audit_record
from carecircle.circles.access import access_client, parse_uuid
from carecircle.core.form_errors import say_errors
from carecircle.people.access import carer_of
from carecircle.visits import services
from carecircle.visits.access import access_record_for_team, access_visit_for_recording
from carecircle.visits.models import Expense, ExpenseKind, Mood, Outcome, VisitRecord
from carecircle.visits.pdf import mar_pdf
from carecircle.visits.schemas import NOTES_MAX, OVER_TIME_REASON_MAX, RecordIn
from carecircle.visits.selectors import (
    due_doses,
    mar_chart,
    medicines_for_client,
    month_start,
    record_state,
    tasks_for_visit,
    upcoming_visits_for_carer,
)
from carecircle.visits.sw import SERVICE_WORKER


@login_required
def visits_upcoming(request: HttpRequest) -> HttpResponse:
    carer = carer_of(request.user)
    if carer is None:
        raise PermissionDenied(_("Only carers record visits."))
    visits = upcoming_visits_for_carer(carer=carer)
    records = {r.visit_id: r for r in VisitRecord.objects.filter(carer=carer, visit__in=visits)}
    rows = [(v, records.get(v.pk)) for v in visits]
    urls = [reverse("visit_record", args=[v.public_id]) for v in visits]
    return render(
        request,
        "visits/upcoming.html",
        {"rows": rows, "precache": json.dumps([reverse("visits_upcoming"), *urls])},
    )


@login_required
def visit_record(request: HttpRequest, visit_id) -> HttpResponse:
    visit, carer = access_visit_for_recording(request.user, visit_id)
    if request.method == "POST":
        return _record_post(request, visit)
    record = VisitRecord.objects.filter(visit=visit, carer=carer).first()
    with transaction.atomic():
        audit_record(
            actor=request.user, action="visit_record_opened", obj=visit, client=visit.client
        )
    medicines = medicines_for_client(visit.client, visit.date)
    state = record_state(record)
    doses = [
        {
            "dose": d,
            "key": f"{d.medicine.public_id}@{d.slot}",
            "name": f"dose-{d.medicine.public_id}-{d.slot.replace(':', '')}",
            "held": state.doses.get(f"{d.medicine.public_id}@{d.slot}"),
        }
        for d in due_doses(visit, medicines)
    ]
    tasks = [{"task": t, "held": state.tasks.get(t.pk)} for t in tasks_for_visit(visit)]
    context = {
        "visit": visit,
        "record": record,
        "record_id": record.public_id if record else uuid.uuid4(),
        "location_consent_at": visit.client.location_consent_at,
        "notes_max": NOTES_MAX,
        "over_time_reason_max": OVER_TIME_REASON_MAX,
        "tasks": tasks,
        "doses": doses,
        "as_needed": [m for m in medicines if m.as_needed],
        "state": state,
        "moods": Mood.choices,
        "outcomes": Outcome.choices,
        "expense_kinds": ExpenseKind.choices,
        "config": json.dumps(
            {
                "visit": str(visit.public_id),
                "duration": visit.duration_minutes,
                "doses": [{"key": d["key"], "name": d["name"]} for d in doses],
                "checkedInAt": record.checked_in_at.isoformat()
                if record and record.checked_in_at
                else None,
                "checkedOutAt": record.checked_out_at.isoformat()
                if record and record.checked_out_at
                else None,
            }
        ),
    }
    return render(request, "visits/record.html", context)


def _record_post(request: HttpRequest, visit) -> HttpResponse:
    """The same form without JavaScript: build the snapshot the phone would have queued."""
    try:
        data = snapshot_from_form(request.POST, request.FILES, visit=visit, user=request.user)
        result = services.record_sync(actor=request.user, data=data)
    except ValidationError as exc:
        say_errors(request, exc)
        return redirect("visit_record", visit.public_id)
    for warning in result["warnings"]:
        messages.error(request, warning["message"])
    if not result["warnings"]:
        messages.success(request, _("Saved."))
    return redirect("visit_record", visit.public_id)


def snapshot_from_form(post, files, *, visit, user) -> RecordIn:
    now = timezone.now()
    action = post.get("action", "save")
    medicines = medicines_for_client(visit.client, visit.date)
    data: dict = {
        "op_id": uuid.uuid4(),
        "record_id": post.get("record_id") or uuid.uuid4(),
        "visit_id": visit.public_id,
        "notes": post.get("notes", ""),
        "over_time_reason": post.get("over_time_reason", ""),
        "tasks": _form_tasks(post, visit, now),
        "doses": _form_doses(post, visit, medicines, now),
        "expenses": _form_expense(post, files, user, now),
    }
    if action == "check_in":
        data["checked_in_at"] = now
    if action == "check_out":
        data["checked_out_at"] = now
    if post.get("mood"):
        data["mood"], data["mood_at"] = post["mood"], now
    try:
        return RecordIn(**data)
    except Exception as exc:  # pydantic's errors, said in the form's words
        raise ValidationError(_("Check the form: %(e)s") % {"e": exc}) from None


def _form_tasks(post, visit, now) -> list[dict]:
    tasks = []
    for task in tasks_for_visit(visit):
        value = post.get(f"task-{task.pk}")
        if value in ("done", "not_done"):
            reason = post.get(f"task-{task.pk}-reason", "")
            tasks.append(
                {"task_id": task.pk, "done": value == "done", "reason": reason, "recorded_at": now}
            )
    return tasks


def _dose(medicine, slot: str, outcome: str, reason: str, now) -> dict:
    return {
        "id": uuid.uuid4(),
        "medicine_id": medicine.public_id,
        "slot": slot,
        "given_at": now,
        "outcome": outcome,
        "reason": reason,
        "recorded_at": now,
    }


def _form_doses(post, visit, medicines, now) -> list[dict]:
    doses = []
    for d in due_doses(visit, medicines):
        name = f"dose-{d.medicine.public_id}-{d.slot.replace(':', '')}"
        if post.get(name) in Outcome.values:
            doses.append(_dose(d.medicine, d.slot, post[name], post.get(f"{name}-reason", ""), now))
    for m in medicines:
        if m.as_needed and post.get(f"prn-{m.public_id}"):
            doses.append(_dose(m, "", "given", post.get(f"prn-{m.public_id}-reason", ""), now))
    return doses


def _form_expense(post, files, user, now) -> list[dict]:
    amount = (post.get("expense-amount") or "").strip()
    if not amount:
        return []
    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise ValidationError({"expense-amount": _("Enter an amount like 4.50.")}) from None
    receipt = files.get("expense-receipt")
    sha = services.receipt_store(actor=user, data=receipt.read()).sha256 if receipt else None
    return [
        {
            "id": uuid.uuid4(),
            "amount": value,
            "kind": post.get("expense-kind") or "other",
            "note": post.get("expense-note", ""),
            "spent_at": now,
            "receipt_sha256": sha,
        }
    ]


@login_required
def mar_chart_page(request: HttpRequest, client_id) -> HttpResponse:
    client = access_client(request.user, client_id)
    month = month_start(request.GET.get("month"))
    chart = mar_chart(client=client, month=month)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="mar_chart_read",
            obj=client,
            client=client,
            detail={"month": month.isoformat()[:7]},
        )
    previous = (month - timedelta(days=1)).replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "visits/mar.html",
        {
            "chart": chart,
            "client": client,
            "month_param": month.strftime("%Y-%m"),
            "previous": previous.strftime("%Y-%m"),
            "following": following.strftime("%Y-%m"),
        },
    )


@login_required
def mar_chart_pdf(request: HttpRequest, client_id) -> HttpResponse:
    client = access_client(request.user, client_id)
    month = month_start(request.GET.get("month"))
    chart = mar_chart(client=client, month=month)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="mar_chart_pdf",
            obj=client,
            client=client,
            detail={"month": month.isoformat()[:7]},
        )
    response = HttpResponse(mar_pdf(chart), content_type="application/pdf")
    filename = f"MAR-{client.last_name}-{month:%Y-%m}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
@require_POST
def arrival_notice(request: HttpRequest, client_id) -> HttpResponse:
    client = access_client(request.user, client_id)
    on = request.POST.get("on") == "1"
    services.arrival_notice_set(actor=request.user, client=client, on=on)
    if on:
        messages.success(request, _("You will see here when carers arrive and leave."))
    else:
        messages.success(request, _("You will no longer see arrivals."))
    return redirect("client_page", client.public_id)


@login_required
@require_POST
def location_consent(request: HttpRequest, client_id) -> HttpResponse:
    client = access_client(request.user, client_id)
    on = request.POST.get("on") == "1"
    services.location_consent_set(actor=request.user, client=client, on=on)
    if on:
        messages.success(
            request, _("Carers' phones may now record where they are when they check in and out.")
        )
    else:
        messages.success(request, _("Carers' phones will no longer record where they are."))
    return redirect("client_page", client.public_id)


@login_required
def receipt_file(request: HttpRequest, expense_id) -> HttpResponse:
    expense = (
        Expense.objects.select_related("record").filter(public_id=parse_uuid(expense_id)).first()
    )
    if expense is None or not expense.receipt_sha256:
        raise Http404("No such receipt.")
    access_record_for_team(request.user, expense.record.public_id)
    stored = services.receipt_path(expense.receipt_sha256)
    if stored is None:
        raise Http404("The receipt file is missing.")
    response = FileResponse(stored.path.open("rb"), content_type=stored.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


def service_worker(request: HttpRequest) -> HttpResponse:
    """The offline app's worker, at /visits/sw.js with scope /visits/."""
    response = HttpResponse(SERVICE_WORKER, content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/visits/"
    response["Cache-Control"] = "no-cache"
    return response


def manifest(request: HttpRequest) -> HttpResponse:
    body = {
        "name": "carecircle visits",
        "short_name": "carecircle",
        "start_url": reverse("visits_upcoming"),
        "scope": "/visits/",
        "display": "standalone",
        "background_color": "#f7f8fa",
        "theme_color": "#0b5cad",
        "icons": [
            {"src": static("visits/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": static("visits/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("visits/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    return HttpResponse(json.dumps(body), content_type="application/manifest+json")
