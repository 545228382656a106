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
