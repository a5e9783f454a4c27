"""The content type api.apitoken becomes people.apitoken, so admin permissions and the admin's
history keep pointing at the same model (a fresh database has none yet: post_migrate makes it)."""

from django.db import migrations

MODELS = ("apitoken",)


def _relabel(apps, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    taken = set(content_type.objects.filter(app_label=new).values_list("model", flat=True))
    content_type.objects.filter(app_label=old, model__in=set(MODELS) - taken).update(app_label=new)


def forward(apps, schema_editor):
    _relabel(apps, "api", "people")


def backward(apps, schema_editor):
    _relabel(apps, "people", "api")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_api_token_moved_from_api"),
        ("api", "0003_api_token_moved_to_people"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, backward)]
