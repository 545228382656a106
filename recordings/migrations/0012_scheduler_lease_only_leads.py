# The old columns stay in the database for one release: processes still running the previous code
# during a deploy keep using them; core/migrations/0002 copied their values to core.PeriodicJob.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("recordings", "0011_retention"),
        ("core", "0002_copy_job_clocks"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="schedulerlease", name="last_presence_at"),
                migrations.RemoveField(model_name="schedulerlease", name="last_reconcile_at"),
            ],
            database_operations=[],
        )
    ]
