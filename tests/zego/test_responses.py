"""Parsing of every result type, using the spec's sample bodies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import zego
from tests.zego.conftest import (
    CALLBACK_UPLOAD,
    DESCRIBE_TASKS_DATA,
    RECORD_STATUS_DATA,
    START_RECORD_BODY,
    STREAM_LIST_DATA,
    USER_LIST_DATA,
    USER_NUM_DATA,
    failure,
    ok,
    queue,
)


def start(client):
    return client.start_record(
        "room1",
        record_input_params=START_RECORD_BODY["RecordInputParams"],
        storage_params=START_RECORD_BODY["StorageParams"],
    )


def test_it_parses_start_record(client, session):
    """StartRecord yields the TaskId and RequestId, keeping the envelope in `raw`."""
    envelope = ok({"TaskId": "YRHu6-E4IyvEAAAD"})
    queue(session, envelope)
    result = start(client)
    assert result == zego.StartRecordResult(
        task_id="YRHu6-E4IyvEAAAD", request_id="abcd123", raw=envelope
    )


def test_it_parses_record_status_with_files(client, session):
    """DescribeRecordStatus maps status and file fields to enums and ints."""
    queue(session, ok(RECORD_STATUS_DATA))
    status = client.describe_record_status("X3CgNeE4I1qAAABN")
    assert status.room_id == "xxxx"
    assert status.record_mode is zego.RecordMode.MIXED
    assert status.stream_type is zego.StreamType.AUDIO_VIDEO
    assert status.status is zego.TaskStatus.ENDED
    assert status.is_finished
    assert status.record_begin_timestamp == 1601221452099
    assert status.record_end_timestamp == 1601221508795
    assert status.raw["Data"] == RECORD_STATUS_DATA
    [file] = status.record_files
    assert file.file_id == "X3CgNeE4I1qAAABN_xxxx_my_out_VA_20200927154419775.mp4"
    assert file.stream_id == file.user_id == file.user_name == "my_out"
    assert file.video_id == "820e50e52e0a490caf44eec8aec527a7"
    assert file.file_url.startswith("https://xxxx.com/record/")
    assert file.output_file_format == "mp4"
    assert file.file_size == 432643544
    assert file.duration == 33874
    assert (file.resolution_width, file.resolution_height) == (1920, 1080)
    assert file.media_track_type is zego.MediaTrackType.AUDIO_VIDEO
    assert file.status is zego.UploadStatus.UPLOADED
    assert file.begins_at == datetime(2020, 9, 27, 15, 44, 19, 830000, tzinfo=UTC)
    assert file.raw == RECORD_STATUS_DATA["RecordFiles"][0]


def test_it_treats_missing_record_files_as_empty(client, session):
    """Screenshot tasks and file-less tasks have no RecordFiles key."""
    data = {key: value for key, value in RECORD_STATUS_DATA.items() if key != "RecordFiles"}
    queue(session, ok({**data, "Status": 2, "RecordEndTimestamp": 0}))
    status = client.describe_record_status("T1")
    assert status.record_files == []
    assert status.status is zego.TaskStatus.RECORDING
    assert not status.is_finished


def test_it_keeps_unknown_enum_values_as_ints(client, session):
    """ZEGO may add statuses; they are kept, not rejected."""
    data = {**RECORD_STATUS_DATA, "Status": 9}
    data["RecordFiles"] = [{**RECORD_STATUS_DATA["RecordFiles"][0], "Status": 7}]
    queue(session, ok(data))
    status = client.describe_record_status("T1")
    assert status.status == 9 and not isinstance(status.status, zego.TaskStatus)
    assert status.record_files[0].status == 7


def test_it_parses_a_file_without_url(client, session):
    """Kodo and Alibaba VOD files have no FileUrl."""
    data = {**RECORD_STATUS_DATA}
    data["RecordFiles"] = [
        {k: v for k, v in RECORD_STATUS_DATA["RecordFiles"][0].items() if k != "FileUrl"}
    ]
    queue(session, ok(data))
    assert client.describe_record_status("T1").record_files[0].file_url is None


def test_it_parses_describe_tasks_with_pagination(client, session):
    """DescribeTasks exposes page fields, TotalCount and typed task summaries."""
    queue(session, ok(DESCRIBE_TASKS_DATA))
    result = client.describe_tasks(2, room_id="room1", page_size=2)
    assert (result.page_offset, result.page_size, result.total_count) == (1, 2, 3)
    assert result.has_more
    first, second = result.tasks
    assert first == zego.TaskSummary(
        task_id="YRHu6-E4IyvEAAAD",
        room_id="room1",
        status=zego.TaskStatus.RECORDING,
        record_begin_timestamp=1628565227899,
        raw=DESCRIBE_TASKS_DATA["TaskList"][0],
    )
    assert second.status is zego.TaskStatus.PAUSED


def test_it_reads_the_alternative_taskid_list_key(client, session):
    """The docs' example calls the list TaskidList; both keys are read."""
    data = {**DESCRIBE_TASKS_DATA, "TaskidList": DESCRIBE_TASKS_DATA["TaskList"]}
    del data["TaskList"]
    queue(session, ok(data))
    assert len(client.describe_tasks(2).tasks) == 2


def test_it_reports_the_last_page(client, session):
    """has_more is false once the page reaches TotalCount."""
    queue(session, ok({**DESCRIBE_TASKS_DATA, "PageOffset": 2}))
    assert not client.describe_tasks(2).has_more


def test_it_parses_envelope_only_replies(client, session):
    """Update/Pause/Resume return an Ack with the RequestId and message."""
    for method, args, kwargs in [
        ("update_whiteboard", ("T1",), {"whiteboard_id": "wb"}),
        ("update_layout", ("T1",), {"mix_mode": 2}),
        ("pause_record", ("T1",), {}),
        ("resume_record", ("T1",), {}),
    ]:
        envelope = ok(request_id=f"req-{method}")
        queue(session, envelope)
        ack = getattr(client, method)(*args, **kwargs)
        assert ack == zego.Ack(
            request_id=f"req-{method}", message="succeed", already_applied=False, raw=envelope
        )


def test_it_parses_stop_and_snapshot_results(client, session):
    """StopRecord and TakeSnapshot have their own result types."""
    queue(session, ok(), ok())
    stopped = client.stop_record("T1")
    snapshot = client.take_snapshot("T1")
    assert isinstance(stopped, zego.StopRecordResult)
    assert not stopped.already_ended
    assert isinstance(snapshot, zego.TakeSnapshotResult)
    assert snapshot.request_id == "abcd123"


def test_it_parses_the_stream_list(client, session):
    """DescribeSimpleStreamList gives typed streams."""
    queue(session, ok(STREAM_LIST_DATA, message="success"))
    result = client.describe_simple_stream_list("room1")
    assert result.streams == [
        zego.Stream(
            stream_id="800221",
            user_id="800221",
            user_name="play_800221",
            create_time=1642045110123,
            stream_number_id=1,
            raw=STREAM_LIST_DATA["StreamList"][0],
        )
    ]


def test_it_parses_user_counts(client, session):
    """DescribeUserNum gives per-room counts, admins included in UserCount."""
    queue(session, ok(USER_NUM_DATA))
    result = client.describe_user_num(["room1", "room2"])
    room1 = result.count_for("room1")
    assert (room1.user_count, room1.admin_user_count) == (3, 1)
    assert result.count_for("room2").user_count == 0
    assert result.count_for("nope") is None


def test_it_parses_the_user_list(client, session):
    """DescribeUserList gives users with roles and the paging marker."""
    queue(session, ok(USER_LIST_DATA))
    result = client.describe_user_list("room_demo", limit=2)
    assert result.marker == "next-page" and result.has_more
    assert [user.user_role for user in result.users] == [zego.UserRole.HOST, zego.UserRole.ADMIN]
    assert result.users[0].user_name == "Alice"


def test_it_tolerates_empty_data(client, session):
    """A success envelope without Data parses into empty lists."""
    queue(session, ok(), ok(), ok())
    assert client.describe_simple_stream_list("room1").streams == []
    assert client.describe_user_list("room1").users == []
    assert client.describe_tasks(3).tasks == []


def test_it_parses_an_upload_callback():
    """parse_callback() exposes event type, upload status and snake_case file info."""
    event = zego.parse_callback(CALLBACK_UPLOAD)
    assert event.event_type is zego.CallbackEventType.UPLOAD_RESULT
    assert event.upload_status is zego.CallbackUploadStatus.ALL_UPLOADED
    assert (event.task_id, event.room_id, event.sequence) == ("YZ4joOE4IwmFAAAT", "6677", 1)
    [file] = event.files
    assert file.file_size == 25349026
    assert file.status is zego.UploadStatus.UPLOADED
    assert file.resolution_width == 1280
    assert file.video_id == ""


def test_it_parses_an_abnormal_end_callback():
    """Event 2 carries a quit_reason."""
    payload = {**CALLBACK_UPLOAD, "event_type": 2, "detail": {"quit_reason": 3}}
    event = zego.parse_callback(payload)
    assert event.event_type is zego.CallbackEventType.ENDED_ABNORMALLY
    assert event.quit_reason is zego.QuitReason.IDLE_TIMEOUT
    assert event.files == []


def test_it_reports_an_error_code_even_with_data(client, session):
    """A non-zero Code wins over any Data present."""
    queue(session, {**failure(300001000), "Data": {"TaskId": "x"}})
    try:
        client.describe_record_status("T1")
    except zego.ZegoNotFoundError as err:
        assert err.code == 300001000
    else:
        raise AssertionError("expected ZegoNotFoundError")


def test_it_parses_a_live_playlist_callback():
    """Event 102 (spec §5.3): the M3U8 of a RealtimeUploadFragment task, as a file still recording."""
    event = zego.parse_callback(
        {
            "event_type": 102,
            "detail": {
                "stream_id": "mix",
                "file_id": "T_r_mix_VA_20211124113602084.m3u8",
                "file_url": "https://b.example/rec/T_r_mix_VA_20211124113602084.m3u8",
                "media_track_type": 3,
            },
        }
    )
    playlist = event.live_playlist
    assert playlist.file_id == "T_r_mix_VA_20211124113602084.m3u8"
    assert playlist.media_track_type == zego.MediaTrackType.AUDIO_VIDEO
    file = playlist.as_record_file()
    assert (file.output_file_format, file.status) == ("hls", zego.UploadStatus.RECORDING)
    assert file.file_url == playlist.file_url


def test_a_live_playlist_without_a_url_is_accepted_and_a_bad_name_is_not():
    """Kodo and Alibaba VOD get no file_url; a file_id that is no .m3u8 name is refused."""
    assert zego.LivePlaylist.from_detail({"file_id": "x.m3u8"}).file_url == ""
    with pytest.raises(zego.BadCallbackDetail, match="file_id"):
        zego.LivePlaylist.from_detail({"file_id": "dir/x.m3u8"})
    with pytest.raises(zego.BadCallbackDetail, match="stream_id must be a string"):
        zego.LivePlaylist.from_detail({"file_id": "x.m3u8", "stream_id": ["mix"]})
