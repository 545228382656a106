# The task's app copied onto its files, for the files page's per-app keyset index.

import django.db.models.deletion
from django.db import migrations, models


def copy_app_from_task(apps, schema_editor):
    RecordingFile = apps.get_model("recordings", "RecordingFile")
    RecordingTask = apps.get_model("recordings", "RecordingTask")
    RecordingFile.objects.update(
        app_id=models.Subquery(
            RecordingTask.objects.filter(pk=models.OuterRef("task_id")).values("app_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("recordings", "0008_recordingfile_live_since"),
    ]

    operations = [
        migrations.AddField(
            model_name="recordingfile",
            name="app",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="recordings.zegoapp",
            ),
        ),
        migrations.RunPython(copy_app_from_task, migrations.RunPython.noop),
    ]
