"""Background work for the rota, claimed from the database by `manage.py db_worker`."""

from __future__ import annotations

from django_tasks import task


@task()
def solve_draft(draft_pk: int) -> str:
    # why: rota.services enqueues this task (drafts imports this module), so importing the
    # services back at the top would be a loop; the worker imports them when the task runs.
    from carecircle.rota.services import rota_draft_solve

    return rota_draft_solve(draft_id=draft_pk).status
