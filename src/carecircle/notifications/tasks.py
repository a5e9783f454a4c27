"""Background work for notifications, claimed from the database by `manage.py db_worker`."""

from __future__ import annotations

from django_tasks import task

from carecircle.notifications.delivery import deliver


@task()
def deliver_notifications(delivery_ids: list[int]) -> int:
    return sum(deliver(pk).status == "sent" for pk in delivery_ids)
