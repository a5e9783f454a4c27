"""Rows elsewhere that named the models and the task by their old place follow them:
- content types alerts.<model> become notifications.<model>, so admin permissions and the admin's
  history keep pointing at the same models (a fresh database has none yet: post_migrate makes them);
- queued background tasks stored as carecircle.alerts.tasks.deliver_notifications name the task
  where it lives now, so a worker started after the upgrade can still import and run them."""

from django.db import migrations

MODELS = ("notification", "notificationpreference", "pushsubscription", "delivery", "vapidkeys")
OLD_TASK = "carecircle.alerts.tasks.deliver_notifications"
NEW_TASK = "carecircle.notifications.tasks.deliver_notifications"


def _relabel(apps, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    taken = set(content_type.objects.filter(app_label=new).values_list("model", flat=True))
    content_type.objects.filter(app_label=old, model__in=set(MODELS) - taken).update(app_label=new)


def _retask(apps, old: str, new: str) -> None:
    task_result = apps.get_model("django_tasks_database", "DBTaskResult")
    task_result.objects.filter(task_path=old).update(task_path=new)


def forward(apps, schema_editor):
    _relabel(apps, "alerts", "notifications")
    _retask(apps, OLD_TASK, NEW_TASK)


def backward(apps, schema_editor):
    _relabel(apps, "notifications", "alerts")
    _retask(apps, NEW_TASK, OLD_TASK)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_moved_from_alerts"),
        ("alerts", "0007_notifications_moved_out"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_tasks_database", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
