# Second step of 0009 (its own transaction: PostgreSQL cannot alter a table with the deferred
# foreign-key checks of 0009's UPDATE still pending).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("recordings", "0009_recordingfile_app"),
    ]

    operations = [
        migrations.AlterField(
            model_name="recordingfile",
            name="app",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="recordings.zegoapp",
            ),
        ),
        migrations.AddIndex(
            model_name="recordingfile",
            index=models.Index(fields=["app", "created_at", "id"], name="recfile_app_created"),
        ),
    ]
