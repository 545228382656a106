from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("recordings", "0007_keyset_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="recordingfile",
            name="live_since",
            field=models.DateTimeField(
                blank=True,
                help_text="When ZEGO announced this HLS playlist as uploading while it records (event 102)",
                null=True,
            ),
        ),
    ]
