"""The audit trail moves here from `safeguarding`, keeping its tables (and every row): the models
are created in this app's state only, over the existing `safeguarding_auditevent` and
`safeguarding_auditchainhead` tables; `safeguarding.0005` drops them from that app's state."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("auditevent", "auditchainhead")


def move_content_types(apps, schema_editor):
    """Carry the content types (and so the permissions granted on them) over to this app,
    rather than leave stale ones behind and create new ones."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="audit", model=model).exists():
            ContentType.objects.filter(app_label="safeguarding", model=model).update(
                app_label="audit"
            )


def return_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="safeguarding", model=model).exists():
            ContentType.objects.filter(app_label="audit", model=model).update(
                app_label="safeguarding"
            )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        # The tables are created (and the chain begun) by safeguarding 0001 and 0002.
        ("safeguarding", "0004_signal_acknowledgements"),
        ("people", "0003_client_location_consent"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditChainHead",
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
                        ("last_seq", models.BigIntegerField(default=0)),
                        ("last_hash", models.CharField(blank=True, default="", max_length=64)),
                    ],
                    options={"db_table": "safeguarding_auditchainhead"},
                ),
                migrations.CreateModel(
                    name="AuditEvent",
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
                        ("seq", models.BigIntegerField(editable=False, null=True, unique=True)),
                        ("at", models.DateTimeField(db_index=True)),
                        ("actor_ref", models.CharField(blank=True, default="", max_length=64)),
                        ("action", models.CharField(db_index=True, max_length=40)),
                        ("object_type", models.CharField(max_length=40)),
                        ("object_id", models.CharField(max_length=64)),
                        ("client_ref", models.CharField(blank=True, default="", max_length=64)),
                        ("detail", models.JSONField(blank=True, default=dict)),
                        ("prev_hash", models.CharField(blank=True, default="", max_length=64)),
                        ("hash", models.CharField(blank=True, default="", max_length=64)),
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
                            "client",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="people.client",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "safeguarding_auditevent",
                        "ordering": ["-at", "-id"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, return_content_types),
    ]
