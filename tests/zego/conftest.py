"""ZEGO is mocked at the `requests.Session` boundary (autospec), as anymail's tests do."""

from __future__ import annotations

import json
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

import zego

APP_ID = 1234567890
SERVER_SECRET = "0123456789abcdef0123456789abcdef"
NOW = 1_700_000_000.0


def make_response(body, status: int = 200) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json"
    return response


def ok(data=None, *, message: str = "succeed", request_id: str = "abcd123") -> dict:
    envelope = {"Code": 0, "Message": message, "RequestId": request_id}
    if data is not None:
        envelope["Data"] = data
    return envelope


def failure(code: int, message: str = "failed", request_id: str = "req-err") -> dict:
    return {"Code": code, "Message": message, "RequestId": request_id}


def queue(session, *replies) -> None:
    """Replies in order: envelopes (HTTP 200), Responses, or exceptions to raise."""
    session.send.side_effect = [
        reply if isinstance(reply, requests.Response | BaseException) else make_response(reply)
        for reply in replies
    ]


def sent(session, index: int = -1) -> requests.PreparedRequest:
    return session.send.call_args_list[index].args[0]


def query_of(request: requests.PreparedRequest) -> dict[str, list[str]]:
    return parse_qs(urlsplit(request.url).query, keep_blank_values=True)


def body_of(request: requests.PreparedRequest) -> dict:
    return json.loads(request.body)


@pytest.fixture
def session():
    fake = mock.create_autospec(requests.Session, instance=True)
    fake.merge_environment_settings.return_value = {
        "proxies": {},
        "stream": False,
        "verify": True,
        "cert": None,
    }
    return fake


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(session, sleeps) -> zego.Client:
    return zego.Client(
        APP_ID,
        SERVER_SECRET,
        session=session,
        rate_limiter=zego.NoRateLimiter(),
        sleep=sleeps.append,
        clock=lambda: NOW,
    )


# Sample bodies from the spec (§3.1, §3.3, §3.4, §7).
START_RECORD_BODY = {
    "RoomId": "room1",
    "RecordInputParams": {
        "RecordMode": 2,
        "StreamType": 3,
        "MaxIdleTime": 60,
        "MixConfig": {
            "MixMode": 2,
            "MixOutputStreamId": "mix",
            "MixOutputVideoConfig": {"Width": 1280, "Height": 720, "Fps": 15, "Bitrate": 1130000},
        },
    },
    "RecordOutputParams": {"OutputFileFormat": "mp4", "OutputFolder": "record/"},
    "StorageParams": {
        "Vendor": 2,
        "Region": "oss-cn-hangzhou",
        "Bucket": "b",
        "AccessKeyId": "k",
        "AccessKeySecret": "s",
    },
}

RECORD_STATUS_DATA = {
    "RoomId": "xxxx",
    "RecordMode": 2,
    "StreamType": 3,
    "RecordBeginTimestamp": 1601221452099,
    "RecordEndTimestamp": 1601221508795,
    "Status": 3,
    "RecordFiles": [
        {
            "UserId": "my_out",
            "UserName": "my_out",
            "StreamId": "my_out",
            "FileId": "X3CgNeE4I1qAAABN_xxxx_my_out_VA_20200927154419775.mp4",
            "VideoId": "820e50e52e0a490caf44eec8aec527a7",
            "OutputFileFormat": "mp4",
            "FileSize": 432643544,
            "Duration": 33874,
            "ResolutionWidth": 1920,
            "ResolutionHeight": 1080,
            "MediaTrackType": 3,
            "BeginTimestamp": 1601221459830,
            "Status": 3,
            "FileUrl": "https://xxxx.com/record/X3CgNeE4I1qAAABN_xxxx_my_out_VA_20200927154419775.mp4",
        }
    ],
}

DESCRIBE_TASKS_DATA = {
    "PageOffset": 1,
    "PageSize": 2,
    "TotalCount": 3,
    "TaskList": [
        {
            "RecordBeginTimestamp": 1628565227899,
            "TaskId": "YRHu6-E4IyvEAAAD",
            "RoomId": "room1",
            "Status": 2,
        },
        {
            "RecordBeginTimestamp": 1637753762084,
            "TaskId": "YZ4joOE4IwmFAAAT",
            "RoomId": "6677",
            "Status": 5,
        },
    ],
}

STREAM_LIST_DATA = {
    "StreamList": [
        {
            "StreamId": "800221",
            "UserId": "800221",
            "UserName": "play_800221",
            "CreateTime": 1642045110123,
            "StreamNumberId": 1,
        }
    ]
}

USER_NUM_DATA = {
    "UserCountList": [
        {"RoomId": "room1", "UserCount": 3, "AdminUserCount": 1},
        {"RoomId": "room2", "UserCount": 0, "AdminUserCount": 0},
    ]
}

USER_LIST_DATA = {
    "Marker": "next-page",
    "UserList": [
        {"UserId": "u1", "UserName": "Alice", "UserRole": 1},
        {"UserId": "recorder", "UserName": "cloud recorder", "UserRole": 4},
    ],
}

CALLBACK_UPLOAD = {
    "app_id": 1234567890,
    "task_id": "YZ4joOE4IwmFAAAT",
    "room_id": "6677",
    "event_type": 1,
    "message": "",
    "nonce": "100480",
    "timestamp": "1637753949",
    "signature": "50f367d06608f65a9dd9961c1eb6752eff3c8ebd",
    "sequence": 1,
    "detail": {
        "upload_status": 1,
        "file_info": [
            {
                "begin_timestamp": 1637753762084,
                "duration": 170039,
                "file_id": "YZ4joOE4IwmFAAAT_6677_800221_800221_VA_20211124113602084.mp4",
                "file_size": 25349026,
                "file_url": "file_url",
                "media_track_type": 3,
                "output_file_format": "mp4",
                "resolution_height": 720,
                "resolution_width": 1280,
                "status": 3,
                "stream_id": "800221",
                "user_id": "800221",
                "user_name": "play_800221",
                "video_id": "",
            }
        ],
    },
}
