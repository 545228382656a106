"""Cost at a glance: the price table setting, the start form's estimate, the usage page."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.checks import run_checks
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from recordings import pricing
from recordings.models import RecordingFile, RecordingTask, Room, ZegoApp

pytestmark = pytest.mark.django_db
PRICES = {
    "currency": "EUR",
    "tiers": [["Audio", None, 1], ["HD", 921600, 2], ["FHD", 2073600, 6], ["Big", None, 20]],
}


@pytest.fixture(autouse=True)
def prices(settings):
    settings.RECORDING_PRICES = PRICES


@pytest.fixture
def app(db):
    return ZegoApp.objects.create(name="Priced", app_id=77, server_secret="s" * 32)


@pytest.fixture
def room(app):
    return Room.objects.create(
        app=app,
        room_id="lecture",
        streams=[{"stream_id": f"cam-{i}", "user_id": f"u{i}"} for i in range(3)],
    )


def test_tiers_follow_the_frame_size():
    table = pricing.price_table()
    assert table.tier_for(0, 0).name == "Audio"
    assert table.tier_for(1280, 720).name == "HD"  # exactly 921,600 pixels
    assert table.tier_for(1281, 720).name == "FHD"
    assert table.tier_for(3840, 2160).name == "Big"


def test_a_bad_price_table_is_refused_at_start_up_with_the_reason():
    with override_settings(RECORDING_PRICES={"currency": "EUR", "tiers": [["HD", -5, "x"]]}):
        errors = [e for e in run_checks() if e.id == "recdesk.E003"]
    messages = " ".join(e.msg for e in errors)
    assert "price per 1,000 minutes must be a number" in messages
    assert "pixel limit must be a positive whole number" in messages
    assert "needs an 'Audio' tier" in messages
    disordered = {
        "currency": "EUR",
        "tiers": [["Audio", None, 1], ["Big", None, 20], ["HD", 921600, True], ["HD", 5, 1]],
    }
    with override_settings(RECORDING_PRICES=disordered):
        messages = " ".join(e.msg for e in run_checks() if e.id == "recdesk.E003")
    assert "smallest to largest" in messages and "names must differ" in messages
    assert "'HD': the price per 1,000 minutes must be a number" in messages  # True is no price
    assert not [e for e in run_checks() if e.id == "recdesk.E003"]


def test_a_mixed_recording_costs_its_tier_for_the_planned_minutes():
    estimate = pricing.estimate(
        mixed=True, stream_type=3, width=1920, height=1080, streams=5,
        planned_minutes=90, max_minutes=1440,
    )  # fmt: skip
    assert [tier.name for tier in estimate.tiers] == ["FHD"]
    assert estimate.is_exact and estimate.low == Decimal("0.54")  # 6 per 1,000 min × 90
    assert estimate.ceiling == Decimal("8.64")  # until MaxRecordTime


def test_single_stream_recordings_are_a_band_over_streams_and_camera_sizes():
    # ZEGO does not say which streams carry no video: such a stream's file is billed as audio.
    estimate = pricing.estimate(
        mixed=False, stream_type=3, width=1280, height=720, streams=3,
        planned_minutes=100, max_minutes=100,
    )  # fmt: skip
    assert [tier.name for tier in estimate.tiers] == ["Audio", "HD", "FHD"]
    assert (estimate.low, estimate.high) == (Decimal("0.3"), Decimal("1.8"))
    assert estimate.tier_band == "Audio to FHD" and estimate.counts_audio_only_streams
    video_only = pricing.estimate(
        mixed=False, stream_type=2, width=1280, height=720, streams=3,
        planned_minutes=100, max_minutes=100,
    )  # fmt: skip
    assert [tier.name for tier in video_only.tiers] == ["HD", "FHD"]
    assert video_only.low == Decimal("0.6") and not video_only.counts_audio_only_streams
    audio = pricing.estimate(
        mixed=True, stream_type=1, width=1920, height=1080, streams=1,
        planned_minutes=100, max_minutes=100,
    )  # fmt: skip
    assert [tier.name for tier in audio.tiers] == ["Audio"] and audio.low == Decimal("0.1")
    assert not audio.counts_audio_only_streams


def test_a_planned_length_past_max_record_time_is_priced_up_to_max_record_time():
    estimate = pricing.estimate(
        mixed=True, stream_type=3, width=1920, height=1080, streams=1,
        planned_minutes=30, max_minutes=10,
    )  # fmt: skip
    assert estimate.is_capped and estimate.minutes == 10
    assert estimate.low == estimate.high == estimate.ceiling == Decimal("0.06")


def test_the_start_page_shows_an_estimate_and_updates_it(client_for, room):
    client = client_for("support")
    page = client.get(reverse("recordings:room_start", args=[room.pk])).content.decode()
    assert 'id="cost-estimate"' in page and "EUR 0.12" in page  # 60 min of 720p mixed
    url = reverse("recordings:start_cost", args=[room.pk])
    data = {
        "record_mode": "1",
        "stream_type": "3",
        "resolution": "1280x720",
        "planned_minutes": "100",
        "max_record_time": "6000",
        "include_streams": ["cam-0", "cam-1"],
    }
    fragment = client.post(url, data, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment
    assert "EUR 0.20–1.20" in fragment and "× 2 streams" in fragment
    assert "at Audio to FHD;" in fragment
    assert "A stream that sends no video is billed as Audio." in fragment
    bad = client.post(url, {**data, "planned_minutes": "0"}).content.decode()
    assert "Fix the highlighted fields" in bad


def test_the_estimate_says_when_max_record_time_ends_the_planned_length(client_for, room):
    url = reverse("recordings:start_cost", args=[room.pk])
    data = {
        "record_mode": "2",
        "stream_type": "3",
        "resolution": "1920x1080",
        "planned_minutes": "30",
        "max_record_time": "600",
    }
    fragment = client_for("support").post(url, data, headers={"HX-Request": "true"})
    text = " ".join(fragment.content.decode().split())
    assert "EUR 0.06</strong>" in text  # 10 min, not 30 × 6 per 1,000 = 0.18
    assert (
        "for 10 min (capped by MaxRecordTime: it ends the recording before the planned 30 min)"
        in text
    )
    assert "at most" not in text  # the same 10 minutes again


def make_file(task, name, *, width, height, minutes, month, fmt="mp4", status=3):
    file = RecordingFile.objects.create(
        task=task,
        file_id=name,
        output_format=fmt,
        width=width,
        height=height,
        duration_ms=int(minutes * 60_000),
        upload_status=status,
    )
    RecordingFile.objects.filter(pk=file.pk).update(
        created_at=datetime(2026, month, 10, tzinfo=UTC)
    )


def test_usage_counts_minutes_by_month_and_tier_in_one_query(client_for, app, room):
    task = RecordingTask.objects.create(
        app=app, room=room, task_id="TUSAGE", click_token=uuid.uuid4(), status="ended",
        record_mode=2, stream_type=3,
    )  # fmt: skip
    make_file(task, "a.mp4", width=1280, height=720, minutes=30, month=9)
    make_file(task, "b.mp4", width=1920, height=1080, minutes=10, month=9)
    make_file(task, "c.mp3", width=0, height=0, minutes=20, month=10, fmt="mp3")
    make_file(task, "d.jpg", width=1280, height=720, minutes=0, month=10, fmt="jpg")
    make_file(task, "e.mp4", width=1280, height=720, minutes=99, month=10, status=5)  # lost
    table, months = pricing.monthly_usage(RecordingFile.objects.filter(app=app))
    assert [row.month.month for row in months] == [10, 9]
    assert months[0].minutes == {"Audio": 20}
    assert months[1].minutes == {"HD": 30, "FHD": 10}
    assert months[1].cost == Decimal("0.12")  # 30 × 2 + 10 × 6, per 1,000 minutes

    from django.db import connection

    client = client_for("reviewer")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("recordings:usage"), {"app": app.pk}).content.decode()
    for _ in range(20):
        make_file(task, f"x{uuid.uuid4().hex}.mp4", width=640, height=360, minutes=1, month=8)
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("recordings:usage"), {"app": app.pk})
    assert len(more.captured_queries) == len(queries.captured_queries)
    assert "2026-09" in page and "2026-10" in page and "0.12" in page


def test_usage_with_a_bad_app_shows_the_first_app(client_for, app):
    response = client_for("reviewer").get(reverse("recordings:usage"), {"app": "999999"})
    assert response.status_code == 200
    assert response.context["app"] == app
