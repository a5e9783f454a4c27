"""Escalations, their events and health snapshots move here from circles, in the state only:
their tables (circles_escalation, circles_escalationevent, circles_healthsnapshot) stay as they
are, with every row, and the models name them in Meta.db_table. circles 0004 then drops them
from circles' state."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("circles", "0003_escalations_health"),
        ("rota", "0003_self_management"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Escalation",
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
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("uncovered", "Visit not covered"),
                                    ("health", "Circle health below threshold"),
                                    ("swap", "Swap needs approval"),
                                    ("alert", "Help call not answered"),
                                    ("other", "Other"),
                                ],
                                max_length=10,
                            ),
                        ),
                        (
                            "key",
                            models.CharField(
                                help_text="What it is about, e.g. visit:<id>; one open escalation a key.",
                                max_length=80,
                            ),
                        ),
                        (
                            "level",
                            models.PositiveSmallIntegerField(
                                choices=[(0, "The circle"), (1, "Team leaders"), (2, "Manager")],
                                default=1,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[("open", "Open"), ("resolved", "Resolved")],
                                default="open",
                                max_length=10,
                            ),
                        ),
                        ("subject", models.CharField(max_length=200)),
                        ("reasons", models.JSONField(blank=True, default=list)),
                        ("url", models.CharField(blank=True, max_length=300)),
                        ("opened_at", models.DateTimeField()),
                        (
                            "due_at",
                            models.DateTimeField(
                                blank=True,
                                help_text="When it goes up a level if still open.",
                                null=True,
                            ),
                        ),
                        ("resolved_at", models.DateTimeField(blank=True, null=True)),
                        ("resolution", models.CharField(blank=True, max_length=300)),
                        (
                            "circle",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="escalations",
                                to="circles.circle",
                            ),
                        ),
                        (
                            "owner",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "resolved_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "visit",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="escalations",
                                to="rota.visit",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "circles_escalation",
                        "ordering": ["-level", "opened_at"],
                    },
                ),
                migrations.CreateModel(
                    name="EscalationEvent",
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
                        ("at", models.DateTimeField()),
                        ("kind", models.CharField(max_length=16)),
                        ("text", models.CharField(max_length=300)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "escalation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="events",
                                to="oversight.escalation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "circles_escalationevent",
                        "ordering": ["at", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="HealthSnapshot",
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
                        ("at", models.DateTimeField(db_index=True)),
                        ("score", models.PositiveSmallIntegerField()),
                        ("parts", models.JSONField(default=dict)),
                        (
                            "circle",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="health",
                                to="circles.circle",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "circles_healthsnapshot",
                        "ordering": ["-at"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="escalation",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("status", "open")),
                        fields=("circle", "key"),
                        name="one_open_escalation",
                    ),
                ),
            ],
        ),
    ]
