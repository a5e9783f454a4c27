"""The safeguarding lead's pages: the audit trail (search and export) and concerns."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from carecircle.audit.exports import audit_csv_lines, audit_json
from carecircle.audit.reads import audit_listing
from carecircle.audit.selectors import audit_chain_problems, audit_search
from carecircle.audit.services import audit_record
from carecircle.people.permissions import Perm, require
from carecircle.safeguarding.access import access_client_for_export
from carecircle.safeguarding.forms import AuditSearchForm
from carecircle.safeguarding.selectors import audit_clients_for, audit_events_for
from carecircle.safeguarding.subject_access import subject_access_bundle


def _search(request: HttpRequest):
    form = AuditSearchForm(request.GET or None, clients=audit_clients_for(request.user))
    filters = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    return form, filters, audit_search(events=audit_events_for(request.user), **filters)


@login_required
def audit_home(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_AUDIT)
    form, filters, events = _search(request)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    audit_listing(
        actor=request.user,
        view="audit_trail",
        clients=(e.client for e in shown),
        page=page.number,
        filters={k: str(v) for k, v in filters.items()},
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("verify", None)
    verified = None
    if request.GET.get("verify"):
        checked, problems = audit_chain_problems()
        verified = {"checked": checked, "problems": problems}
    return render(
        request,
        "safeguarding/audit_home.html",
        {
            "form": form,
            "page": page,
            "events": shown,
            "query": query.urlencode(),
            "verified": verified,
        },
    )


@login_required
def audit_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_AUDIT)
    form, filters, events = _search(request)
    kind = "json" if request.GET.get("format") == "json" else "csv"
    audit_record(
        actor=request.user,
        action="export",
        obj=request.user,
        detail={"format": kind, "filters": {k: str(v) for k, v in filters.items()}},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if kind == "json":
        response = HttpResponse(audit_json(events.iterator()), content_type="application/json")
    else:
        response = StreamingHttpResponse(
            audit_csv_lines(events.iterator()), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{kind}"'
    return response


@login_required
def client_data_export(request: HttpRequest, client_id) -> HttpResponse:
    """A subject access request: everything held about one client, as one JSON file."""
    client = access_client_for_export(request.user, client_id)
    bundle = subject_access_bundle(client)
    audit_record(actor=request.user, action="subject_access", obj=client, client=client)
    response = HttpResponse(
        json.dumps(bundle, indent=1, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="personal-data-{client.public_id}.json"'
    )
    return response


@login_required
def personal_data_home(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.EXPORT_PERSONAL_DATA)
    return render(
        request,
        "safeguarding/personal_data_home.html",
        {"clients": audit_clients_for(request.user).select_related("circle")},
    )
