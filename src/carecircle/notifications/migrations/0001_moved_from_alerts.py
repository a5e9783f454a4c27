"""The notification models move here from `alerts` without touching the database: their tables
keep the names they had there (alerts_notification, alerts_delivery, …), so this migration only
tells Django's state that they belong to this app now. `alerts` 0007 then forgets them, state only.
The tables themselves were made by alerts 0001–0003, which run first on a new database."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("alerts", "0006_help_rest_of_left_visit"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="VapidKeys",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("private_pem", models.TextField()),
                        ("public_key", models.CharField(max_length=200)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "db_table": "alerts_vapidkeys",
                    },
                ),
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "public_id",
                            models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
                        ),
                        ("subject", models.CharField(max_length=200, verbose_name="subject")),
                        ("body", models.TextField(blank=True, verbose_name="message")),
                        ("url", models.CharField(blank=True, max_length=500, verbose_name="link")),
                        ("urgent", models.BooleanField(default=False, verbose_name="urgent")),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "alerts_notification",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="Delivery",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "channel",
                            models.CharField(
                                choices=[
                                    ("email", "E-mail"),
                                    ("push", "Phone notification (Web Push)"),
                                    ("sms", "Text message (SMS)"),
                                ],
                                max_length=8,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting"),
                                    ("sent", "Sent"),
                                    ("failed", "Failed"),
                                ],
                                default="pending",
                                max_length=8,
                            ),
                        ),
                        ("not_before", models.DateTimeField(db_index=True)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("last_error", models.CharField(blank=True, max_length=500)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "notification",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="deliveries",
                                to="notifications.notification",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "alerts_delivery",
                        "ordering": ["not_before", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="NotificationPreference",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("email", models.BooleanField(default=True, verbose_name="e-mail")),
                        (
                            "push",
                            models.BooleanField(default=True, verbose_name="phone notifications"),
                        ),
                        ("sms", models.BooleanField(default=False, verbose_name="text messages")),
                        (
                            "quiet_start",
                            models.TimeField(blank=True, null=True, verbose_name="quiet from"),
                        ),
                        (
                            "quiet_end",
                            models.TimeField(blank=True, null=True, verbose_name="quiet until"),
                        ),
                        (
                            "help_calls_off_duty",
                            models.BooleanField(
                                default=False,
                                help_text="A client in distress nearby: you may be asked even when not working.",
                                verbose_name="ask me for help calls when I am off duty",
                            ),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notification_preference",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "alerts_notificationpreference",
                    },
                ),
                migrations.CreateModel(
                    name="PushSubscription",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("endpoint", models.URLField(max_length=1000, unique=True)),
                        ("p256dh", models.CharField(max_length=200)),
                        ("auth", models.CharField(max_length=100)),
                        ("user_agent", models.CharField(blank=True, max_length=300)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="push_subscriptions",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "alerts_pushsubscription",
                    },
                ),
                migrations.AddIndex(
                    model_name="notification",
                    index=models.Index(fields=["user", "read_at"], name="notification_unread"),
                ),
                migrations.AddConstraint(
                    model_name="delivery",
                    constraint=models.UniqueConstraint(
                        fields=("notification", "channel"), name="one_delivery_per_channel"
                    ),
                ),
            ],
        ),
    ]
