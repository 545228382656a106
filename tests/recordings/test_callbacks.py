"""The callback endpoint: verified, stored raw, deduplicated, applied through the ledger."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

import zego
from recordings.models import CallbackReceipt, RecordingTask, TaskEvent
from tests.recordings.conftest import signed_callback

pytestmark = pytest.mark.django_db
S = RecordingTask.Status


@pytest.fixture
def recording(db, personas):
    from recordings.models import Room, ZegoApp

    app = ZegoApp.objects.create(
        name="A", app_id=777, server_secret="s" * 32, callback_secret="cb-secret"
    )
    room = Room.objects.create(app=app, room_id="class-1")
    return RecordingTask.objects.create(
        app=app,
        room=room,
        task_id="X3CgNeE4I1qAAABN",
        click_token="00000000-0000-0000-0000-000000000001",
        status=S.RECORDING,
        record_mode=2,
        stream_type=3,
    )


def post(client, app, body: bytes):
    return client.post(
        reverse("recordings:zego_callback", args=[app.app_id]),
        body,
        content_type="application/json",
    )


def test_a_genuine_callback_is_applied(client, recording):
    response = post(
        client, recording.app, signed_callback(recording.app, recording.task_id, 201, 1)
    )
    assert response.status_code == 200
    recording.refresh_from_db()
    assert recording.status == S.PAUSED
    assert recording.callbacks_received == 1
    receipt = CallbackReceipt.objects.get()
    assert receipt.verdict == "applied" and receipt.task == recording
    assert '"event_type": 201' in receipt.raw_body


def test_a_forged_callback_is_rejected_logged_and_changes_nothing(client, recording, caplog):
    body = signed_callback(recording.app, recording.task_id, 5, 1, secret="not-the-secret")
    response = post(client, recording.app, body)
    assert response.status_code == 401
    recording.refresh_from_db()
    assert recording.status == S.RECORDING
    assert not TaskEvent.objects.exists()
    assert CallbackReceipt.objects.get().verdict == "forged"
    assert "rejected ZEGO callback" in caplog.text


def test_a_stale_callback_is_rejected(client, recording):
    body = signed_callback(recording.app, recording.task_id, 5, 1, timestamp=time.time() - 3600)
    assert post(client, recording.app, body).status_code == 401
    recording.refresh_from_db()
    assert recording.status == S.RECORDING
    assert CallbackReceipt.objects.get().verdict == "stale"


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"app_id": 777}'])
def test_a_malformed_callback_gets_400(client, recording, body):
    response = post(client, recording.app, body)
    assert response.status_code in (400, 401)
    recording.refresh_from_db()
    assert recording.status == S.RECORDING


def test_an_unknown_app_gets_404(client, recording):
    response = client.post(
        reverse("recordings:zego_callback", args=["999"]), b"{}", content_type="application/json"
    )
    assert response.status_code == 404


def test_a_duplicated_callback_is_applied_once(client, recording):
    body = signed_callback(recording.app, recording.task_id, 7, 3)
    assert post(client, recording.app, body).status_code == 200
    again = signed_callback(recording.app, recording.task_id, 7, 3)  # a retry: new nonce, same fact
    assert post(client, recording.app, again).status_code == 200
    assert TaskEvent.objects.filter(task=recording, kind="callback").count() == 1
    assert list(CallbackReceipt.objects.order_by("id").values_list("verdict", flat=True)) == [
        "applied",
        "duplicate",
    ]


def test_reordered_callbacks_end_in_the_newest_state(client, recording):
    app = recording.app
    post(client, app, signed_callback(app, recording.task_id, 202, 5))  # resume (newer) first
    post(client, app, signed_callback(app, recording.task_id, 201, 4))  # then the older pause
    recording.refresh_from_db()
    assert recording.status == S.RECORDING
    post(client, app, signed_callback(app, recording.task_id, 5, 8))  # exited normally
    post(client, app, signed_callback(app, recording.task_id, 7, 6))  # late "stopped, uploading"
    recording.refresh_from_db()
    assert recording.status == S.ENDED


def test_an_upload_result_adds_files_and_a_backup_problem(client, recording):
    app = recording.app
    files = [
        {
            "file_id": "a.mp4",
            "stream_id": "mix",
            "user_id": "mix",
            "file_url": "http://s3/b/a.mp4",
            "output_file_format": "mp4",
            "file_size": 1000,
            "duration": 5000,
            "media_track_type": 3,
            "begin_timestamp": 1700000000000,
            "status": 3,
        },
        {
            "file_id": "b.aac",
            "stream_id": "mix",
            "user_id": "mix",
            "output_file_format": "aac",
            "file_size": 10,
            "duration": 5000,
            "media_track_type": 1,
            "begin_timestamp": 1700000000000,
            "status": 4,
        },
    ]
    post(
        client,
        app,
        signed_callback(
            app, recording.task_id, 1, 9, detail={"upload_status": 2, "file_info": files}
        ),
    )
    recording.refresh_from_db()
    assert recording.files.count() == 2
    assert recording.status == S.STOPPING
    assert recording.upload_result == 2
    assert any(p["code"] == "in_backup" for p in recording.problems)


def test_a_snapshot_upload_does_not_end_the_task(client, recording):
    app = recording.app
    snap = [
        {
            "file_id": "s.jpg",
            "output_file_format": "jpg",
            "status": 3,
            "file_url": "http://s3/b/s.jpg",
        }
    ]
    post(
        client,
        app,
        signed_callback(
            app, recording.task_id, 1, 2, detail={"upload_status": 1, "file_info": snap}
        ),
    )
    recording.refresh_from_db()
    assert recording.status == S.RECORDING
    assert recording.files.get().is_snapshot


def test_an_abnormal_end_says_why(client, recording):
    app = recording.app
    post(client, app, signed_callback(app, recording.task_id, 2, 2, detail={"quit_reason": 6}))
    recording.refresh_from_db()
    assert recording.status == S.ENDED_ABNORMALLY
    assert "lost its network connection" in recording.problems[0]["message"]


def test_a_callback_for_a_task_we_do_not_know_yet_is_kept_for_later(client, recording):
    app = recording.app
    response = post(client, app, signed_callback(app, "YRHu6-E4IyvEAAAD", 5, 1))
    assert response.status_code == 200
    assert CallbackReceipt.objects.get().verdict == "unknown_task"


def test_an_idle_auto_stop_is_not_reported_as_a_problem(client, recording):
    app = recording.app
    post(client, app, signed_callback(app, recording.task_id, 2, 2, detail={"quit_reason": 3}))
    recording.refresh_from_db()
    assert recording.status == S.ENDED_ABNORMALLY
    assert recording.problems == []


LIVE_DETAIL = {
    "stream_id": "mix",
    "file_id": "X3CgNeE4I1qAAABN_class-1_mix_VA_20200927154419775.m3u8",
    "file_url": "https://bucket.example/rec/X3CgNeE4I1qAAABN_class-1_mix_VA_20200927154419775.m3u8",
    "media_track_type": 3,
}


LIVE_REQUEST = {
    "RecordInputParams": {"MixConfig": {"MixOutputStreamId": "mix"}},
    "RecordOutputParams": {
        "OutputFolder": "rec/",
        "OutputFileFormat": "hls",
        "RealtimeUploadFragment": True,
    },
}


def test_event_102_records_the_live_playlist(client, recording):
    """Event 102: the playlist becomes a file still recording, marked as watchable live."""
    recording.request = LIVE_REQUEST
    recording.save()
    body = signed_callback(recording.app, recording.task_id, 102, 0, detail=LIVE_DETAIL)
    assert post(client, recording.app, body).status_code == 200
    (file,) = recording.files.all()
    assert (file.file_id, file.upload_status, file.output_format) == (
        LIVE_DETAIL["file_id"],
        1,
        "hls",
    )
    assert file.file_url == LIVE_DETAIL["file_url"] and file.object_key == "rec/" + file.file_id
    assert file.live_since is not None and file.media_track_type == 3
    event = recording.events.get()
    assert event.message.startswith("Watch live:")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"file_id": ""}, "file_id"),
        ({"file_id": "../x.m3u8"}, "file_id"),
        ({"file_id": "a.mp4"}, "file_id"),
        ({"file_url": "javascript:alert(1)"}, "file_url"),
        ({"media_track_type": "3"}, "media_track_type"),
    ],
)
def test_a_malformed_event_102_is_refused_with_the_reason_and_changes_nothing(
    client, recording, change, words
):
    body = signed_callback(
        recording.app, recording.task_id, 102, 0, detail={**LIVE_DETAIL, **change}
    )
    response = post(client, recording.app, body)
    assert response.status_code == 400
    assert response.content.decode().startswith("malformed: event 102")
    assert words in response.content.decode()
    assert not recording.files.exists() and not recording.events.exists()
    assert CallbackReceipt.objects.get().verdict == "malformed"


@pytest.mark.parametrize(
    ("outputs", "words"),
    [
        ({"OutputFileFormat": "hls"}, "did not ask for RealtimeUploadFragment"),
        ({"RealtimeUploadFragment": True}, "OutputFileFormat 'mp4'"),
        ({"OutputFileFormat": "mp4", "RealtimeUploadFragment": True}, "with HLS output"),
    ],
)
def test_event_102_for_a_task_that_asked_for_no_live_hls_is_refused(
    client, recording, outputs, words
):
    recording.request = {"RecordOutputParams": outputs}
    recording.save()
    body = signed_callback(recording.app, recording.task_id, 102, 0, detail=LIVE_DETAIL)
    response = post(client, recording.app, body)
    assert response.status_code == 400
    assert response.content.decode().startswith("malformed: event 102 for a task")
    assert words in response.content.decode()
    assert not recording.files.exists() and not recording.events.exists()
    receipt = CallbackReceipt.objects.get()
    assert (receipt.verdict, receipt.task) == ("malformed", recording)


LONG = "x" * 1001


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"file_id": "f" * 296 + ".m3u8"}, "file_id is 301 characters long, more than 300"),
        ({"stream_id": "s" * 257}, "stream_id is 257 characters long, more than 256"),
        ({"file_url": "https://b.example/" + LONG}, "file_url is 1019 characters long"),
        ({"stream_id": "not-the-mix"}, "is not the mixed output 'mix'"),
        ({"stream_id": 5}, "stream_id must be a string"),
    ],
)
def test_event_102_with_values_longer_than_their_columns_is_refused_not_a_500(
    client, recording, change, words
):
    """PostgreSQL refuses an over-long value with a DataError: a 500 that ZEGO would retry."""
    recording.request = LIVE_REQUEST
    recording.save()
    body = signed_callback(
        recording.app, recording.task_id, 102, 0, detail={**LIVE_DETAIL, **change}
    )
    response = post(client, recording.app, body)
    assert response.status_code == 400 and words in response.content.decode()
    assert not recording.files.exists() and not recording.events.exists()


def test_a_folder_and_name_too_long_for_the_object_key_are_refused(client, recording):
    recording.request = {
        **LIVE_REQUEST,
        "RecordOutputParams": {**LIVE_REQUEST["RecordOutputParams"], "OutputFolder": "d/" * 480},
    }
    recording.save()
    body = signed_callback(recording.app, recording.task_id, 102, 0, detail=LIVE_DETAIL)
    response = post(client, recording.app, body)
    assert response.status_code == 400 and "object_key is" in response.content.decode()


def test_an_early_event_102_replayed_after_adoption_is_checked_against_the_task(client, recording):
    """Arriving before its task was known, event 102 waits as unknown_task; on replay it is
    refused if the task never asked for a live upload."""
    from recordings.services import replay_unmatched_callbacks

    task_id = recording.task_id
    RecordingTask.objects.filter(pk=recording.pk).update(task_id="")
    body = signed_callback(recording.app, task_id, 102, 0, detail=LIVE_DETAIL)
    assert post(client, recording.app, body).status_code == 200
    RecordingTask.objects.filter(pk=recording.pk).update(task_id=task_id)
    recording.refresh_from_db()
    assert replay_unmatched_callbacks(recording) == 0
    receipt = CallbackReceipt.objects.get()
    assert (receipt.verdict, receipt.task) == ("malformed", recording)
    assert not recording.files.exists()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"file_id": "f" * 297 + ".mp4"}, "file_id of"),
        ({"stream_id": "s" * 257}, "stream_id of 'a.mp4' is 257 characters, more than 256"),
        ({"user_id": "u" * 129}, "user_id of 'a.mp4' is 129 characters"),
        ({"file_url": "https://b.example/" + LONG}, "file_url of 'a.mp4'"),
    ],
)
def test_event_1_with_values_longer_than_their_columns_is_refused_not_a_500(
    client, recording, change, words
):
    file_info = {"file_id": "a.mp4", "stream_id": "mix", "status": 3, **change}
    body = signed_callback(
        recording.app,
        recording.task_id,
        1,
        0,
        detail={"upload_status": 1, "file_info": [file_info]},
    )
    response = post(client, recording.app, body)
    assert response.status_code == 400
    assert "event 1 file_info" in response.content.decode() and words in response.content.decode()
    assert not recording.files.exists() and not recording.events.exists()


def test_a_polled_file_with_an_over_long_value_is_left_out_and_the_rest_kept(recording):
    from django.utils import timezone

    from recordings.ledger import upsert_files

    files = [
        zego.RecordFile.from_callback({"file_id": "ok.mp4", "status": 3}),
        zego.RecordFile.from_callback({"file_id": "bad.mp4", "stream_id": "s" * 300, "status": 3}),
    ]
    upsert_files(recording, files, timezone.now())
    assert [f.file_id for f in recording.files.all()] == ["ok.mp4"]
