"""The notification models moved from `alerts` to `notifications` without copying a row: a database
still at the old layout migrates forward in place, and what named the old place (content types, a
queued delivery task) follows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tasks.backends.database.models import DBTaskResult

from carecircle.notifications.models import Delivery, Notification, NotificationPreference

BEFORE = [("alerts", "0006_help_rest_of_left_visit"), ("notifications", None)]
OLD_TASK = "carecircle.alerts.tasks.deliver_notifications"


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor.migrate(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_an_old_database_keeps_every_row_and_its_content_types(django_user_model):
    user = django_user_model.objects.create(username="moved")
    inbox_type = ContentType.objects.get_for_model(Notification).pk
    old = _migrate(BEFORE)
    assert ContentType.objects.get(pk=inbox_type).app_label == "alerts"

    note = old.get_model("alerts", "Notification").objects.create(
        user_id=user.pk, subject="Your rota is published", url="/my-day/"
    )
    old.get_model("alerts", "Delivery").objects.create(
        notification_id=note.pk, channel="email", not_before=datetime(2026, 1, 5, 9, tzinfo=UTC)
    )
    old.get_model("alerts", "NotificationPreference").objects.create(user_id=user.pk, sms=True)
    queued = old.get_model("django_tasks_database", "DBTaskResult").objects.create(
        id=uuid.uuid4(),
        status="READY",
        args_kwargs={"args": [[1]], "kwargs": {}},
        task_path=OLD_TASK,
        backend_name="default",
        queue_name="default",
        run_after=datetime(2026, 1, 5, 9, tzinfo=UTC),
        exception_class_path="",
        traceback="",
    )

    _migrate(_latest())
    ContentType.objects.clear_cache()

    moved = Notification.objects.get(pk=note.pk)
    assert moved.subject == "Your rota is published" and moved.user_id == user.pk
    assert Delivery.objects.get(notification=moved).channel == "email"
    assert NotificationPreference.objects.get(user=user).sms
    assert ContentType.objects.get(pk=inbox_type).app_label == "notifications"
    assert ContentType.objects.get_for_model(Notification).pk == inbox_type
    assert DBTaskResult.objects.get(pk=queued.pk).task_path == (
        "carecircle.notifications.tasks.deliver_notifications"
    )
