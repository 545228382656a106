from django.db import migrations

import core.fields


def encrypt_webhook_urls(apps, schema_editor):
    AlertRule = apps.get_model("monitoring", "AlertRule")
    for rule in AlertRule.objects.exclude(webhook_url="").only("pk", "webhook_url"):
        rule.webhook_url_encrypted = rule.webhook_url
        rule.save(update_fields=["webhook_url_encrypted"])


def decrypt_webhook_urls(apps, schema_editor):
    AlertRule = apps.get_model("monitoring", "AlertRule")
    for rule in AlertRule.objects.exclude(webhook_url_encrypted="").only(
        "pk", "webhook_url_encrypted"
    ):
        rule.webhook_url = rule.webhook_url_encrypted[:500]
        rule.save(update_fields=["webhook_url"])


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0002_alert_keyset_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="alertrule",
            name="webhook_url_encrypted",
            field=core.fields.EncryptedTextField(blank=True, default=""),
        ),
        migrations.RunPython(encrypt_webhook_urls, decrypt_webhook_urls),
        migrations.RemoveField(model_name="alertrule", name="webhook_url"),
        migrations.RenameField(
            model_name="alertrule", old_name="webhook_url_encrypted", new_name="webhook_url"
        ),
    ]
