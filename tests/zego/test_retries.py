"""Which failures are retried, for which actions, and how StartRecord reports the unknown."""

from __future__ import annotations

import pytest
import requests

import zego
from tests.zego.conftest import START_RECORD_BODY, failure, make_response, ok, queue

BAD_GATEWAY = make_response(b"<html>502</html>", 502)

IDEMPOTENT_CALLS = [
    ("describe_record_status", ("T1",), {}),
    ("describe_tasks", (2,), {}),
    ("describe_simple_stream_list", ("room1",), {}),
    ("describe_user_num", ("room1",), {}),
    ("describe_user_list", ("room1",), {}),
    ("stop_record", ("T1",), {}),
    ("pause_record", ("T1",), {}),
    ("resume_record", ("T1",), {}),
    ("update_layout", ("T1",), {"mix_mode": 2}),
    ("update_whiteboard", ("T1",), {"whiteboard_id": "wb"}),
]


def start(client):
    return client.start_record(
        "room1",
        record_input_params=START_RECORD_BODY["RecordInputParams"],
        storage_params=START_RECORD_BODY["StorageParams"],
    )


@pytest.mark.parametrize(("method", "args", "kwargs"), IDEMPOTENT_CALLS)
def test_it_retries_safe_actions_on_5xx(client, session, sleeps, method, args, kwargs):
    """Safe actions are repeated after a 5xx, with exponential backoff, and then succeed."""
    queue(session, BAD_GATEWAY, make_response(b"", 503), ok())
    getattr(client, method)(*args, **kwargs)
    assert session.send.call_count == 3
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize(
    "failure_reply",
    [
        requests.ConnectionError("reset"),
        requests.ReadTimeout("slow"),
        failure(300000003),
        failure(300010000),
        failure(100000015),
        failure(154),
    ],
)
def test_it_retries_transient_failures(client, session, sleeps, failure_reply):
    """Transport errors, timeouts, rate limits and ZEGO system errors are transient."""
    queue(session, failure_reply, ok())
    client.describe_record_status("T1")
    assert session.send.call_count == 2


@pytest.mark.parametrize(
    "refusal", [failure(300000003), make_response(b"slow down", 429)], ids=["code", "http-429"]
)
def test_a_rate_limited_stream_list_is_not_repeated_within_the_rooms_10_s_window(
    client, session, sleeps, refusal
):
    """ZEGO answers about a room once per 10 s: a repeat after the backoff is refused again."""
    queue(session, refusal, ok({"StreamList": []}))
    with pytest.raises(zego.ZegoRateLimitError):
        client.describe_simple_stream_list("room1")
    assert session.send.call_count == 1
    assert sleeps == []


def test_a_stream_list_is_still_repeated_after_a_transient_failure(client, session, sleeps):
    queue(session, BAD_GATEWAY, ok({"StreamList": []}))
    assert client.describe_simple_stream_list("room1").streams == []
    assert session.send.call_count == 2


def test_it_gives_up_after_three_attempts(client, session, sleeps):
    """Retries are bounded; the last error is raised."""
    queue(session, *[failure(300010000, request_id=f"r{i}") for i in range(5)])
    with pytest.raises(zego.ZegoServerError) as caught:
        client.describe_record_status("T1")
    assert session.send.call_count == 3
    assert caught.value.request_id == "r2"
    assert len(sleeps) == 2


@pytest.mark.parametrize("code", [300000004, 300001000, 300001001, 100000005, 300000002])
def test_it_does_not_retry_permanent_codes(client, session, sleeps, code):
    """Client-side and state errors fail at once."""
    queue(session, failure(code), ok())
    with pytest.raises(zego.ZegoError):
        client.pause_record("T1")
    assert session.send.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize(
    "failure_reply",
    [
        make_response(b"<html>502</html>", 502),
        requests.ReadTimeout("slow"),
        requests.ConnectionError("reset by peer"),
        make_response(b"not json"),
        failure(300010000),
        failure(100000015),
    ],
)
def test_it_never_retries_start_record_and_reports_outcome_unknown(
    client, session, sleeps, failure_reply
):
    """An unanswered StartRecord may have started a task: no retry, and say so."""
    queue(session, failure_reply, ok({"TaskId": "T2"}))
    with pytest.raises(zego.ZegoOutcomeUnknownError) as caught:
        start(client)
    assert session.send.call_count == 1
    assert sleeps == []
    assert isinstance(caught.value, zego.ZegoServerError)
    text = str(caught.value)
    assert "unknown" in text and "DescribeTasks" in text and "adopt" in text


def test_it_retries_start_record_only_when_zego_refused_for_rate(client, session, sleeps):
    """300000003 means nothing happened, so StartRecord may safely try again."""
    queue(session, failure(300000003), ok({"TaskId": "T2"}))
    assert start(client).task_id == "T2"
    assert session.send.call_count == 2


@pytest.mark.parametrize("code", [100000011, 100000012, 300000006])
def test_it_reports_definite_start_record_refusals_as_such(client, session, code):
    """Gateway refusals and the concurrency cap mean no task started: not outcome-unknown."""
    queue(session, failure(code))
    with pytest.raises(zego.ZegoError) as caught:
        start(client)
    assert not isinstance(caught.value, zego.ZegoOutcomeUnknownError)
    assert session.send.call_count == 1


def test_it_treats_start_success_without_task_id_as_outcome_unknown(client, session):
    """Code 0 without a TaskId leaves the caller unable to stop the task: look it up."""
    queue(session, ok({}))
    with pytest.raises(zego.ZegoOutcomeUnknownError):
        start(client)


def test_it_does_not_retry_take_snapshot_on_5xx(client, session):
    """Each snapshot is billed, so an unanswered one is not repeated."""
    queue(session, BAD_GATEWAY, ok())
    with pytest.raises(zego.ZegoServerError) as caught:
        client.take_snapshot("T1")
    assert not isinstance(caught.value, zego.ZegoOutcomeUnknownError)
    assert session.send.call_count == 1


def test_it_treats_already_ended_on_a_stop_retry_as_success(client, session):
    """If the first StopRecord got through unanswered, the retry's 300001001 means done."""
    queue(session, requests.ReadTimeout("slow"), failure(300001001, request_id="r2"))
    result = client.stop_record("T1")
    assert result.already_ended
    assert result.request_id == "r2"


def test_it_raises_already_ended_on_a_first_stop(client, session):
    """Without an earlier unanswered attempt, 300001001 is reported to the caller."""
    queue(session, failure(300001001))
    with pytest.raises(zego.ZegoTaskStateError) as caught:
        client.stop_record("T1")
    assert caught.value.code == 300001001


def test_it_treats_not_paused_on_a_resume_retry_as_success(client, session):
    """A retried ResumeRecord told 'not paused' had resumed on the first attempt."""
    queue(session, BAD_GATEWAY, failure(300001004))
    assert client.resume_record("T1").already_applied


def test_it_uses_fresh_signatures_on_each_attempt(client, session):
    """A retry is a new signed request, not a replay."""
    queue(session, BAD_GATEWAY, ok())
    client.describe_record_status("T1")
    urls = [call.args[0].url for call in session.send.call_args_list]
    assert urls[0] != urls[1]


def test_it_honours_max_attempts(session, sleeps):
    """max_attempts=1 disables retries."""
    client = zego.Client(
        1,
        "secret",
        session=session,
        rate_limiter=zego.NoRateLimiter(),
        sleep=sleeps.append,
        max_attempts=1,
    )
    queue(session, BAD_GATEWAY, ok())
    with pytest.raises(zego.ZegoServerError):
        client.describe_record_status("T1")
    assert session.send.call_count == 1


def test_it_rate_limits_every_attempt(session, sleeps):
    """Retries go through the rate limiter too."""
    acquired = []

    class Recorder:
        def acquire(self, app_id, action):
            acquired.append((app_id, action))

    client = zego.Client(7, "secret", session=session, rate_limiter=Recorder(), sleep=sleeps.append)
    queue(session, BAD_GATEWAY, ok())
    client.describe_record_status("T1")
    assert acquired == [(7, "DescribeRecordStatus")] * 2
