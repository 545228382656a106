"""The state machine: forwards only, recording ⇄ paused ordered by callback sequence."""

import pytest

from recordings.ledger import next_status
from recordings.models import RecordingTask

S = RecordingTask.Status


def task_in(status, toggle_sequence=-1):
    return RecordingTask(status=status, toggle_sequence=toggle_sequence)


@pytest.mark.parametrize(
    ("current", "target", "expected"),
    [
        (S.STARTING, S.INITIALISING, S.INITIALISING),
        (S.INITIALISING, S.RECORDING, S.RECORDING),
        (S.RECORDING, S.INITIALISING, S.RECORDING),  # a late poll never moves back
        (S.STOPPING, S.RECORDING, S.STOPPING),
        (S.ENDED, S.STOPPING, S.ENDED),
        (S.ENDED, S.ENDED_ABNORMALLY, S.ENDED),  # the first final word stands
        (S.FAILED_TO_START, S.RECORDING, S.FAILED_TO_START),
        (S.UNKNOWN, S.RECORDING, S.RECORDING),
        (S.RECORDING, S.ENDED_ABNORMALLY, S.ENDED_ABNORMALLY),
        (S.PAUSED, S.STOPPING, S.STOPPING),
        (S.RECORDING, None, S.RECORDING),
    ],
)
def test_transitions_only_move_forward(current, target, expected):
    assert next_status(task_in(current), target, None) == expected


def test_pause_and_resume_follow_the_newer_callback():
    paused_at_4 = task_in(S.PAUSED, toggle_sequence=4)
    assert next_status(paused_at_4, S.RECORDING, 5) == S.RECORDING
    assert next_status(paused_at_4, S.RECORDING, 3) == S.PAUSED  # a late resume from before


def test_our_own_pause_and_resume_replies_apply_at_once():
    assert next_status(task_in(S.RECORDING, toggle_sequence=9), S.PAUSED, None) == S.PAUSED


def test_a_rescued_file_stays_uploaded_when_a_poll_repeats_backup(db):
    import uuid
    from datetime import UTC, datetime

    import zego
    from recordings.ledger import upsert_files
    from recordings.models import RecordingFile, Room, ZegoApp

    app = ZegoApp.objects.create(name="x", app_id=1, server_secret="s" * 32)
    room = Room.objects.create(app=app, room_id="r")
    task = RecordingTask.objects.create(
        app=app, room=room, click_token=uuid.uuid4(), record_mode=2, stream_type=3
    )
    now = datetime.now(UTC)

    def report(status):
        return zego.RecordFile.from_callback({"file_id": "f.mp4", "status": status})

    upsert_files(task, [report(4)], now)
    upsert_files(task, [report(3)], now)  # rescued
    upsert_files(task, [report(4)], now)  # a late poll still saying "backup"
    assert RecordingFile.objects.get().upload_status == 3
