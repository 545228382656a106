"""Carry each periodic job's clock over from the tables it lived in before core.PeriodicJob."""

from datetime import timedelta

from django.db import migrations

POLICY_PASS_HOLD = timedelta(minutes=2)  # policies.services.EVALUATION_HOLD when this was written


def copy_clocks(apps, schema_editor):
    PeriodicJob = apps.get_model("core", "PeriodicJob")
    clocks = {}
    for job in apps.get_model("monitoring", "ScheduledJob").objects.all():
        clocks[job.name] = (job.last_enqueued_at, job.running_until)
    for clock in apps.get_model("policies", "EvaluationClock").objects.all():
        until = clock.running_since + POLICY_PASS_HOLD if clock.running_since else None
        clocks[clock.name] = (clock.last_enqueued_at, until)
    lease = apps.get_model("recordings", "SchedulerLease").objects.filter(name="scheduler").first()
    if lease is not None:
        clocks["reconcile"] = (lease.last_reconcile_at, None)
        clocks["presence"] = (lease.last_presence_at, None)
    for name, (last_enqueued_at, running_until) in clocks.items():
        PeriodicJob.objects.update_or_create(
            name=name,
            defaults={"last_enqueued_at": last_enqueued_at, "running_until": running_until},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("monitoring", "0005_no_end_callback_label"),
        ("policies", "0002_evaluation_running_since"),
        ("recordings", "0011_retention"),
    ]

    operations = [migrations.RunPython(copy_clocks, migrations.RunPython.noop)]
