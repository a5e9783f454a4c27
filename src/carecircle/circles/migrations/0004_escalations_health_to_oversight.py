"""Escalations, their events and health snapshots now belong to oversight (its 0001 took them
over in the state). Here they leave circles' state only: no table is dropped or renamed."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("circles", "0003_escalations_health"),
        ("oversight", "0001_escalations_health_from_circles"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(model_name="escalationevent", name="escalation"),
                migrations.RemoveField(model_name="escalationevent", name="actor"),
                migrations.RemoveField(model_name="healthsnapshot", name="circle"),
                migrations.DeleteModel(name="Escalation"),
                migrations.DeleteModel(name="EscalationEvent"),
                migrations.DeleteModel(name="HealthSnapshot"),
            ],
        ),
    ]
