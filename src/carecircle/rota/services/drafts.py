"""Writes to the rota: drafting a week with the engine, publishing it."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from carecircle import engine
from carecircle.audit.services import audit_record
from carecircle.circles.access import access_circle
from carecircle.people.permissions import Perm, has_perm
from carecircle.rota.engine_adapter import build_circle_week
from carecircle.rota.models import (
    Assignment,
    AssignmentStatus,
    DraftStatus,
    RotaDraft,
    Visit,
    VisitStatus,
)
from carecircle.rota.notify import notify_rota_published
from carecircle.rota.selectors import week_start as monday_of
from carecircle.rota.services.common import _lock_carers
from carecircle.rota.tasks import solve_draft

log = logging.getLogger(__name__)
MAX_WEEKS_AHEAD = 8


def rota_draft_request(*, actor, circle_id, week_start: date) -> RotaDraft:
    """Queue a background solve of a circle-week. A second request while one is open joins it."""
    circle = access_circle(actor, circle_id, perm=Perm.DRAFT_ROTA)
    today = timezone.localdate()
    if week_start != monday_of(week_start):
        raise ValidationError({"week": "Choose the Monday the week starts on."})
    if week_start < monday_of(today):
        raise ValidationError({"week": "A week in the past cannot be re-planned."})
    if week_start > monday_of(today) + timedelta(weeks=MAX_WEEKS_AHEAD):
        raise ValidationError({"week": f"Plan at most {MAX_WEEKS_AHEAD} weeks ahead."})
    return draft_open(circle=circle, week_start=week_start, requested_by=actor)


def draft_open(*, circle, week_start: date, requested_by=None) -> RotaDraft:
    """The open draft of a circle-week, or a new one queued for the engine (`requested_by` is
    None when the weekly cycle asks). Callers have checked who asks and for which week."""
    existing = RotaDraft.objects.filter(
        circle=circle,
        week_start=week_start,
        status__in=[DraftStatus.QUEUED, DraftStatus.RUNNING, DraftStatus.READY],
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            draft = RotaDraft.objects.create(
                circle=circle, week_start=week_start, requested_by=requested_by
            )
            transaction.on_commit(lambda: _enqueue(draft.pk))
    except IntegrityError:
        # Two people pressed the button at once: the constraint let one draft through.
        return RotaDraft.objects.get(
            circle=circle, week_start=week_start, status__in=["queued", "running", "ready"]
        )
    return draft


def _enqueue(draft_pk: int) -> None:
    solve_draft.enqueue(draft_pk)


def engine_settings():
    return engine.Settings(
        time_limit_s=settings.ROTA_TIME_LIMIT_S, workers=settings.ROTA_WORKERS, deterministic=True
    )


def rota_draft_solve(*, draft_id: int) -> RotaDraft:
    """Solve a queued draft (runs in the background worker)."""
    with transaction.atomic():
        draft = (
            RotaDraft.objects.select_for_update()
            .select_related("circle__organisation")
            .get(pk=draft_id)
        )
        if draft.status != DraftStatus.QUEUED:
            return draft
        draft.status, draft.started_at = DraftStatus.RUNNING, timezone.now()
        draft.save(update_fields=["status", "started_at"])
    try:
        # Commitments: the carers' visits in their other circles and on the days either side
        # come in fixed, so a draft never double-books a carer or cuts their rest.
        week = build_circle_week(
            circle=draft.circle, week_start=draft.week_start, now=timezone.now(), commitments=True
        )
        solution = engine.solve(week.problem, engine_settings())
        problems = engine.check(week.problem, solution)
        if problems:
            raise RuntimeError(f"the engine's plan broke a rule: {problems[:3]}")
    except Exception as exc:  # a failed solve must be visible, not a draft stuck "running"
        log.exception("rota draft %s failed", draft.pk)
        RotaDraft.objects.filter(pk=draft.pk).update(
            status=DraftStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        draft.refresh_from_db()
        return draft
    _store_solution(draft, week, solution)
    draft.refresh_from_db()
    return draft


def _store_solution(draft: RotaDraft, week, solution) -> None:
    fixed = {a.visit for a in week.problem.fixed}
    with transaction.atomic():
        Assignment.objects.filter(
            visit__in=week.visits.values(), status=AssignmentStatus.DRAFT
        ).delete()
        rows = []
        for a in solution.assignments:
            if a.visit in fixed:
                continue
            visit = week.visits[a.visit]
            for carer_id in a.carers:
                rows.append(
                    Assignment(
                        visit=visit,
                        carer=week.carers[carer_id],
                        status=AssignmentStatus.DRAFT,
                        why=(a.why or {}).get(carer_id, "")[:200],
                        draft=draft,
                    )
                )
        Assignment.objects.bulk_create(rows)
        for a in solution.assignments:
            if a.visit not in fixed:
                week.visits[a.visit].start = week.to_datetime(a.start)
                week.visits[a.visit].save(update_fields=["start"])
        draft.status, draft.finished_at = DraftStatus.READY, timezone.now()
        draft.solver_status, draft.objective, draft.best_bound = (
            solution.status,
            solution.objective,
            solution.best_bound,
        )
        draft.seconds = solution.seconds
        draft.penalties = dict(solution.penalties)
        draft.unfilled = [
            {"visit": u.visit, "missing": u.missing, "reason": u.reason} for u in solution.unfilled
        ]
        draft.save()


def rota_draft_publish(*, actor, draft_id) -> RotaDraft:
    """Publish a ready draft: its assignments become the rota and carers are told."""
    with transaction.atomic():
        draft = (
            RotaDraft.objects.select_for_update().select_related("circle").get(public_id=draft_id)
        )
        access_circle(actor, draft.circle.public_id, perm=Perm.PUBLISH_ROTA)
        return _publish(draft, actor=actor)


def rota_draft_publish_automatically(*, draft_id: int) -> RotaDraft:
    """Publish a ready draft for the weekly cycle, with nobody's name on it: the team leaders
    chose automatic publication and the cycle checked that the draft breaks no rule."""
    with transaction.atomic():
        draft = RotaDraft.objects.select_for_update().select_related("circle").get(pk=draft_id)
        return _publish(draft, actor=None, automatic=True)


def _publish(draft: RotaDraft, *, actor, automatic: bool = False) -> RotaDraft:
    """Publish `draft`, locked by the caller's transaction."""
    if draft.status != DraftStatus.READY:
        raise ValidationError(
            {
                "draft": f"Only a draft ready to review can be published (this one is {draft.get_status_display().lower()})."
            }
        )
    now = timezone.now()
    # Re-planning never changes the past: a draft place for a visit that has started by now
    # is dropped rather than published.
    draft.assignments.filter(visit__window_start__lt=now).delete()
    clashes = _drop_clashes(draft)
    if clashes:
        draft.unfilled = list(draft.unfilled) + [
            {"visit": c["visit"], "missing": 1, "reason": c["reason"]} for c in clashes
        ]
    carers = set(draft.assignments.values_list("carer__user_id", flat=True))
    draft.assignments.update(status=AssignmentStatus.PUBLISHED)
    draft.status, draft.published_at, draft.published_by = DraftStatus.PUBLISHED, now, actor
    draft.save(update_fields=["status", "published_at", "published_by", "unfilled"])
    audit_record(
        actor=actor,
        action="publish_rota",
        obj=draft,
        detail={
            "week": str(draft.week_start),
            "dropped_clashes": clashes,
            **({"automatic": True} if automatic else {}),
        },
    )
    transaction.on_commit(lambda: notify_rota_published(draft=draft, user_ids=carers))
    return draft


def _drop_clashes(draft: RotaDraft) -> list[dict]:
    """What was published since the draft was solved (a claim, another circle's rota) may now
    clash with it: a draft place whose carer is already on another visit at the same time is not
    published; the place stays open on the board. The carers are locked first, as a claim does."""
    rows = list(draft.assignments.select_related("visit", "carer__user"))
    if not rows:
        return []
    _lock_carers(*{a.carer for a in rows})
    first = min(a.visit.date for a in rows) - timedelta(days=1)
    last = max(a.visit.date for a in rows) + timedelta(days=1)
    published = (
        Assignment.objects.filter(
            carer_id__in={a.carer_id for a in rows},
            status=AssignmentStatus.PUBLISHED,
            visit__date__range=(first, last),
        )
        .exclude(visit__status__in=[VisitStatus.CANCELLED, VisitStatus.RELEASED])
        .select_related("visit")
    )
    busy: dict[int, list[Visit]] = {}
    for a in published:
        busy.setdefault(a.carer_id, []).append(a.visit)

    def span(v: Visit):
        begins = v.start or v.window_start
        return begins, begins + timedelta(minutes=v.duration_minutes)

    dropped = []
    for a in rows:
        start, end = span(a.visit)
        for other in busy.get(a.carer_id, []):
            if other.pk == a.visit_id:
                continue
            o_start, o_end = span(other)
            if o_start < end and start < o_end:
                dropped.append(
                    {
                        "visit": str(a.visit.public_id),
                        "carer": str(a.carer.public_id),
                        "reason": f"{a.carer.name} has since been booked elsewhere at this time",
                    }
                )
                a.delete()
                break
    return dropped


def rota_draft_discard(*, actor, draft_id) -> RotaDraft:
    with transaction.atomic():
        draft = (
            RotaDraft.objects.select_for_update().select_related("circle").get(public_id=draft_id)
        )
        access_circle(actor, draft.circle.public_id, perm=Perm.DRAFT_ROTA)
        if not has_perm(actor, Perm.PUBLISH_ROTA) and draft.requested_by_id != actor.id:
            raise PermissionDenied(
                "Only a team leader or whoever asked for it can discard a draft."
            )
        if not draft.is_open:
            raise ValidationError({"draft": "This draft is already closed."})
        draft.assignments.all().delete()
        draft.status = DraftStatus.DISCARDED
        draft.save(update_fields=["status"])
    return draft
