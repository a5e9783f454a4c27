"""The notification models now belong to the `notifications` app (its 0001 takes them over, state
only). Here `alerts` forgets them, state only as well: the tables stay, with every row."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0006_help_rest_of_left_visit"),
        ("notifications", "0001_moved_from_alerts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="delivery",
                    name="notification",
                ),
                migrations.RemoveField(
                    model_name="notification",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="notificationpreference",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="pushsubscription",
                    name="user",
                ),
                migrations.DeleteModel(
                    name="VapidKeys",
                ),
                migrations.DeleteModel(
                    name="Delivery",
                ),
                migrations.DeleteModel(
                    name="Notification",
                ),
                migrations.DeleteModel(
                    name="NotificationPreference",
                ),
                migrations.DeleteModel(
                    name="PushSubscription",
                ),
            ],
        ),
    ]
