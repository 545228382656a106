"""The zego.Client observer hook and the per-minute call counts it feeds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

import zego
from devtools.seaweed import free_port
from monitoring.callcounts import call_stats, record_call
from monitoring.models import ZegoCallCount


def unreachable_client(**kwargs) -> zego.Client:
    return zego.Client(
        1234,
        "s" * 32,
        api_url=f"http://127.0.0.1:{free_port()}",
        max_attempts=1,
        rate_limiter=zego.NoRateLimiter(),
        **kwargs,
    )


def test_the_observer_hears_a_request_that_got_no_zego_reply():
    heard = []
    client = unreachable_client(observer=lambda *call: heard.append(call))
    with pytest.raises(zego.ZegoServerError):
        client.describe_record_status("TASK")
    assert heard == [(1234, "DescribeRecordStatus", zego.NO_REPLY)]


def test_a_failing_observer_never_costs_the_call_its_own_error():
    def broken(*call):
        raise RuntimeError("counting is down")

    with pytest.raises(zego.ZegoServerError):  # the ZEGO error, not the observer's
        unreachable_client(observer=broken).describe_record_status("TASK")


@pytest.mark.django_db
def test_calls_in_one_minute_share_a_row_and_are_summed_over_the_window(app):
    now = timezone.now().replace(second=30)
    for _ in range(3):
        record_call(app.pk, "StopRecord", 0, now=now)
    record_call(app.pk, "StopRecord", 300001001, now=now + timedelta(seconds=10))
    record_call(app.pk, "StopRecord", 0, now=now - timedelta(minutes=30))

    assert ZegoCallCount.objects.filter(minute=now.replace(second=0, microsecond=0)).count() == 2
    stats = call_stats(app.pk, now - timedelta(minutes=5))
    assert (stats.calls, stats.errors) == (4, 1)
    assert stats.commonest_errors() == [("StopRecord", 300001001, 1)]


@pytest.mark.django_db
def test_calls_are_counted_in_memory_and_written_when_the_request_ends(app, rf):
    from django.http import HttpResponse

    from monitoring.callcounts import count_call, flush_calls
    from monitoring.middleware import FlushZegoCallCountsMiddleware

    def view(request):
        for _ in range(5):
            count_call(app.pk, "DescribeRecordStatus", 0)
        assert not ZegoCallCount.objects.exists()  # within the second: still in memory
        return HttpResponse("ok")

    flush_calls()  # the last write was just now
    FlushZegoCallCountsMiddleware(view)(rf.get("/"))
    assert ZegoCallCount.objects.get(app=app, action="DescribeRecordStatus").count == 5
