"""/metrics: Prometheus text format behind a bearer token, read from the database."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from core.models import PeriodicJob
from monitoring.callcounts import fold_old_buckets, record_call
from monitoring.models import Alert, AlertRule
from recordings.models import RecordingFile, RecordingTask, TaskEvent

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-0123456789"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client, token=TOKEN):
    return client.get(reverse("monitoring:metrics"), headers={"Authorization": f"Bearer {token}"})


def samples(response) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} from the response's text."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def labels(**values) -> tuple:
    return tuple(sorted(values.items()))


def test_metrics_are_off_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert scrape(client, "anything").status_code == 404


def test_a_missing_or_wrong_token_is_refused(client, metrics_on):
    assert client.get(reverse("monitoring:metrics")).status_code == 401
    response = scrape(client, "wrong-token")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")


def new_task(app, room, status, **fields):
    return RecordingTask.objects.create(
        app=app,
        room=room,
        click_token=uuid.uuid4(),
        record_mode=2,
        stream_type=3,
        status=status,
        **fields,
    )


def test_it_exposes_tasks_files_lags_zego_calls_and_alerts(client, app, room, metrics_on):
    S = RecordingTask.Status
    now = timezone.now()
    live = new_task(app, room, S.RECORDING, task_id="LIVE1")
    RecordingTask.objects.filter(pk=live.pk).update(
        last_callback_at=now - timedelta(seconds=90), last_polled_at=now - timedelta(seconds=12)
    )
    ended = new_task(app, room, S.ENDED, task_id="DONE1")
    TaskEvent.objects.create(task=ended, kind=TaskEvent.Kind.CALLBACK, action="old callback")
    TaskEvent.objects.filter(task=ended).update(created_at=now - timedelta(hours=1))
    callback = TaskEvent.objects.create(task=ended, kind=TaskEvent.Kind.CALLBACK, action="end")
    TaskEvent.objects.create(task=ended, kind=TaskEvent.Kind.POLL, action="a later poll")
    RecordingFile.objects.create(task=ended, file_id="a.mp4", upload_status=3)
    RecordingFile.objects.create(task=ended, file_id="b.mp4", upload_status=4)
    PeriodicJob.objects.create(name="reconcile", last_enqueued_at=now)
    record_call(app.pk, "DescribeTasks", 0)
    record_call(app.pk, "DescribeTasks", 0)
    record_call(app.pk, "StartRecord", 300000003)
    rule = AlertRule.objects.create(app=app, kind=AlertRule.Kind.NO_CALLBACK, email_to="a@b.c")
    Alert.objects.create(
        rule=rule, app=app, kind=rule.kind, subject="task:1", title="t", message="m", opened_at=now
    )

    response = scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    values = samples(response)
    app_label = ("app", "777")
    assert values[("recdesk_tasks", (app_label, ("status", "recording")))] == 1
    assert values[("recdesk_tasks", (app_label, ("status", "ended")))] == 1
    assert values[("recdesk_recording_files", (app_label, ("status", "uploaded")))] == 1
    assert values[("recdesk_recording_files", (app_label, ("status", "in_zego_backup")))] == 1
    last_callback = values[("recdesk_last_callback_timestamp_seconds", ())]
    assert last_callback == pytest.approx(callback.created_at.timestamp())
    assert 11 <= values[("recdesk_reconcile_lag_seconds", (app_label,))] < 40
    assert values[("recdesk_reconcile_last_enqueued_timestamp_seconds", ())] == pytest.approx(
        now.timestamp()
    )
    calls = labels(app="777", action="DescribeTasks", code="0")
    assert values[("recdesk_zego_calls_total", calls)] == 2
    refused = labels(app="777", action="StartRecord", code="300000003")
    assert values[("recdesk_zego_calls_total", refused)] == 1
    assert values[("recdesk_zego_errors_total", refused)] == 1
    assert ("recdesk_zego_errors_total", calls) not in values
    assert values[("recdesk_alerts_open", (app_label, ("kind", "no_callback")))] == 1


def test_metrics_without_any_callback_say_zero(client, app, metrics_on):
    assert samples(scrape(client))[("recdesk_last_callback_timestamp_seconds", ())] == 0


def test_zego_counters_never_go_down_when_old_minutes_are_folded(client, app, metrics_on):
    long_ago = timezone.now() - timedelta(days=3)
    record_call(app.pk, "DescribeTasks", 0, now=long_ago)
    record_call(app.pk, "DescribeTasks", 0, now=long_ago + timedelta(minutes=1))
    record_call(app.pk, "DescribeTasks", 0)
    key = ("recdesk_zego_calls_total", (("action", "DescribeTasks"), ("app", "777"), ("code", "0")))
    assert samples(scrape(client))[key] == 3
    assert fold_old_buckets() == 2
    assert samples(scrape(client))[key] == 3


def test_the_scrape_costs_a_fixed_number_of_queries(
    client, app, room, metrics_on, django_assert_num_queries
):
    for n in range(5):
        new_task(app, room, RecordingTask.Status.RECORDING, task_id=f"T{n}")
        record_call(app.pk, f"Action{n}", n)
    with django_assert_num_queries(8):
        scrape(client)
