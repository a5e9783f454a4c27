"""Background work for notifications, claimed from the database by `manage.py db_worker`."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_notifications(delivery_ids: list[int]) -> int:
    from carecircle.alerts.notifications import deliver

    return sum(deliver(pk).status == "sent" for pk in delivery_ids)
