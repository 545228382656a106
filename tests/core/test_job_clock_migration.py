"""Upgrading carries each periodic job's clock into core.PeriodicJob, and leaves the old tables for
processes still running the previous code during the deploy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("core", "0001_initial"),
    ("monitoring", "0005_no_end_callback_label"),
    ("policies", "0002_evaluation_running_since"),
    ("recordings", "0011_retention"),
]
AFTER = [
    ("monitoring", "0006_delete_scheduledjob"),
    ("policies", "0003_delete_evaluationclock"),
    ("recordings", "0012_scheduler_lease_only_leads"),
]
T = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_clocks_are_copied_and_the_old_tables_stay():
    old = migrate(BEFORE)
    try:
        old.get_model("monitoring", "ScheduledJob").objects.create(
            name="alerts", last_enqueued_at=T, running_until=T + timedelta(minutes=10)
        )
        old.get_model("policies", "EvaluationClock").objects.create(
            name="policies", last_enqueued_at=T, running_since=T
        )
        old.get_model("recordings", "SchedulerLease").objects.create(
            name="scheduler", holder="old", expires_at=T, last_reconcile_at=T, last_presence_at=T
        )

        new = migrate(AFTER)
        jobs = {
            job.name: (job.last_enqueued_at, job.running_until)
            for job in new.get_model("core", "PeriodicJob").objects.all()
        }
        assert jobs == {
            "alerts": (T, T + timedelta(minutes=10)),
            "policies": (T, T + timedelta(minutes=2)),
            "reconcile": (T, None),
            "presence": (T, None),
        }
        tables = connection.introspection.table_names()
        assert {"monitoring_scheduledjob", "policies_evaluationclock"} <= set(tables)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())  # leave the schema as it was
        from core.models import PeriodicJob
        from recordings.models import SchedulerLease

        PeriodicJob.objects.all().delete()
        SchedulerLease.objects.all().delete()
