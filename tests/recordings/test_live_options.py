"""The start form's "Watch live" and "Speaker activity" options and what they send to ZEGO."""

from __future__ import annotations

import uuid

import pytest

import zego.validation
from recordings.forms import StartForm
from recordings.start import LIVE_FRAGMENT_SECONDS, StartOptions
from tests.recordings.test_start_options import body_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def app_and_room():
    from recordings.models import Room, ZegoApp
    from storage_profiles.models import StorageProfile

    app = ZegoApp.objects.create(name="A", app_id=5, server_secret="s" * 32)
    room = Room.objects.create(app=app, room_id="class-1")
    StorageProfile.objects.create(
        name="B",
        vendor=1,
        region="us-east-1",
        bucket="bkt",
        access_key_id="k",
        secret="s",
        is_default=True,
    )
    return app, room


def form_for(app_and_room, **overrides) -> StartForm:
    from storage_profiles.models import StorageProfile

    data = {
        "click_token": str(uuid.uuid4()),
        "record_mode": "2",
        "stream_type": "3",
        "output_format": "hls",
        "resolution": "640x360",
        "fps": "10",
        "bitrate_kbps": "500",
        "mix_mode": "2",
        "fill_mode": "1",
        "background_color": "#000000",
        "max_idle_time": "30",
        "max_record_time": "3600",
        "storage_profile": StorageProfile.objects.get().pk,
        **overrides,
    }
    app, room = app_and_room
    return StartForm(data, app=app, room=room)


def test_watch_live_sends_realtime_upload_with_short_segments():
    options = StartOptions(record_mode=2, output_format="hls", watch_live=True)
    body = body_for(options)
    outputs = body["RecordOutputParams"]
    assert outputs["RealtimeUploadFragment"] is True and outputs["ShortFragmentPath"] is True
    assert outputs["FragmentSeconds"] == LIVE_FRAGMENT_SECONDS
    assert zego.validation.request_problems("StartRecord", body) == []


def test_speaker_activity_asks_for_the_sound_wave():
    options = StartOptions(record_mode=2, speaker_activity=True)
    body = body_for(options)
    assert body["RecordInputParams"]["MixConfig"]["RecordSoundWave"] is True
    assert "RealtimeUploadFragment" not in body["RecordOutputParams"]
    assert zego.validation.request_problems("StartRecord", body) == []


def test_the_form_accepts_both_options_with_mixed_hls(app_and_room):
    form = form_for(app_and_room, watch_live="on", speaker_activity="on")
    assert form.is_valid(), form.errors
    options = form.options()
    assert options.watch_live and options.speaker_activity


def test_watch_live_without_hls_is_refused_with_a_clear_error(app_and_room):
    form = form_for(app_and_room, output_format="mp4", watch_live="on")
    assert not form.is_valid()
    assert form.errors["watch_live"] == [
        "Watching live needs HLS: choose Output format → HLS, or untick this."
    ]


def test_watch_live_in_single_stream_mode_is_refused(app_and_room):
    form = form_for(app_and_room, record_mode="1", watch_live="on")
    assert not form.is_valid()
    assert form.errors["watch_live"] == ["Watching live is for mixed recordings: choose Mixed."]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"record_mode": "1"}, "ZEGO records speaker activity in mixed mode only."),
        (
            {"stream_type": "2"},
            "Speaker activity needs audio: choose a Record option with audio.",
        ),
    ],
)
def test_speaker_activity_needs_a_mix_with_audio(app_and_room, overrides, message):
    form = form_for(app_and_room, speaker_activity="on", **overrides)
    assert not form.is_valid()
    assert form.errors["speaker_activity"] == [message]
