# The old table stays in the database for one release: processes still running the previous code
# during a deploy keep using it; core/migrations/0002 copied its values to core.PeriodicJob.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0005_no_end_callback_label"),
        ("core", "0002_copy_job_clocks"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ScheduledJob"),
            ],
            database_operations=[],
        )
    ]
