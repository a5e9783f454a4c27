"""API tokens now belong to the `people` app (its 0005 takes the model over, state only). Here
`api` forgets it, state only as well: the table stays, with every row."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_initial"),
        ("people", "0005_api_token_moved_from_api"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="ApiToken"),
            ],
        ),
    ]
