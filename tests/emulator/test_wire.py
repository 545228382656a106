"""ZEGO's wire protocol over HTTP: common parameters, signature, nonce, QPS, envelope."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlencode

import pytest
import requests

from tests.emulator.wire import call, code_of, common_params


def test_signed_request_gets_envelope_with_data(emulator):
    """A valid call answers HTTP 200 with Code, Message, RequestId, Data in ZEGO's key order."""
    response = call(emulator, "DescribeSimpleStreamList", {"RoomId": "nobody"}, method="GET")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["Code", "Message", "RequestId", "Data"]
    assert body["Code"] == 0 and body["Message"] == "success"
    assert body["Data"] == {"StreamList": []}
    assert body["RequestId"].isdigit()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"Action": None}, 100000006),
        ({"Action": "StartSomething"}, 100000007),
        ({"AppId": "abc"}, 100000001),
        ({"AppId": None}, 100000001),
        ({"Timestamp": None}, 100000002),
        ({"Timestamp": "yesterday"}, 100000003),
        ({"skew": -601}, 100000004),
        ({"skew": 700}, 100000004),
        ({"SignatureNonce": None}, 100000008),
        ({"Signature": None}, 100000009),
        ({"Signature": "0" * 32}, 100000005),
        ({"SignatureVersion": None}, 100000013),
        ({"SignatureVersion": "1.0"}, 100000014),
        ({"AppId": "42"}, 100000010),
    ],
)
def test_common_parameter_errors(emulator, overrides, code):
    """Each missing or wrong common parameter gets its documented gateway code, with HTTP 200."""
    action = (
        overrides.pop("Action", "DescribeRecordStatus")
        if "Action" in overrides
        else "DescribeRecordStatus"
    )
    if action is None:
        params = common_params(emulator, "x", **overrides)
        del params["Action"]
    else:
        params = common_params(emulator, action, **overrides)
    response = requests.post(emulator.url + "/", params=params, json={"TaskId": "x"}, timeout=10)
    assert response.status_code == 200
    assert code_of(response) == code


def test_timestamp_inside_the_ten_minute_window_is_accepted(emulator):
    """Nine minutes of clock skew still verifies."""
    response = call(
        emulator,
        "DescribeRecordStatus",
        {"TaskId": "YRHu6-E4IyvEAAAD"},
        timestamp=int(time.time()) - 540,
    )
    assert code_of(response) == 300001000


def test_replayed_nonce_is_rejected(emulator):
    """A second request with the same SignatureNonce fails with 100000005."""
    first = call(
        emulator,
        "DescribeRecordStatus",
        {"TaskId": "x"},
        nonce="feedfacecafebeef",
        timestamp=int(time.time()),
    )
    again = call(
        emulator,
        "DescribeRecordStatus",
        {"TaskId": "x"},
        nonce="feedfacecafebeef",
        timestamp=int(time.time()),
    )
    assert code_of(first) == 300001000
    assert code_of(again) == 100000005
    assert "nonce" in again.json()["Message"].lower()


def test_any_nonce_string_and_uppercase_signature_and_is_test_are_accepted(emulator):
    """Decimal nonces (as in ZEGO's examples), an upper-case signature hex and IsTest=false all pass."""
    params = common_params(emulator, "DescribeRecordStatus", nonce="15215528852396", IsTest="false")
    params["Signature"] = params["Signature"].upper()
    response = requests.post(emulator.url + "/", params=params, json={"TaskId": "x"}, timeout=10)
    assert code_of(response) == 300001000


def test_empty_path_is_served_like_root(emulator):
    """`POST ?Action=...` without a slash reaches the API (raw request line)."""
    host, port = emulator.url.removeprefix("http://").split(":")
    query = urlencode(common_params(emulator, "DescribeRecordStatus"))
    body = b'{"TaskId":"x"}'
    request = (
        f"POST ?{query} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert b"300001000" in reply


def test_body_without_content_type_is_read_as_json(emulator):
    """ZEGO is lenient about the Content-Type header; so is the emulator."""
    params = common_params(emulator, "DescribeRecordStatus")
    response = requests.post(emulator.url + "/", params=params, data=b'{"TaskId":"x"}', timeout=10)
    assert code_of(response) == 300001000


def test_unreadable_body_is_100000012(emulator):
    """A body that is not a JSON object is refused."""
    params = common_params(emulator, "DescribeRecordStatus")
    response = requests.post(emulator.url + "/", params=params, data=b"[1, 2", timeout=10)
    assert code_of(response) == 100000012


def test_qps_limit_per_app_and_action(emulator):
    """More than 10 DescribeRecordStatus calls within a second answer 300000003; other actions are unaffected."""
    codes = [code_of(call(emulator, "DescribeRecordStatus", {"TaskId": "x"})) for _ in range(15)]
    assert codes[:10] == [300001000] * 10
    assert 300000003 in codes[10:]
    assert code_of(call(emulator, "StopRecord", {"TaskId": "x"})) == 300001000


def test_per_room_limit_of_stream_list(emulator):
    """DescribeSimpleStreamList is limited to one call per 10 s per room."""
    first = call(emulator, "DescribeSimpleStreamList", {"RoomId": "r1"}, method="GET")
    second = call(emulator, "DescribeSimpleStreamList", {"RoomId": "r1"}, method="GET")
    other_room = call(emulator, "DescribeSimpleStreamList", {"RoomId": "r2"}, method="GET")
    assert [code_of(first), code_of(second), code_of(other_room)] == [0, 300000003, 0]


def test_failed_signature_does_not_use_up_the_nonce(emulator):
    """Only verified requests remember their nonce."""
    bad = call(
        emulator,
        "DescribeRecordStatus",
        {"TaskId": "x"},
        nonce="abcdabcdabcdabcd",
        Signature="f" * 32,
    )
    good = call(emulator, "DescribeRecordStatus", {"TaskId": "x"}, nonce="abcdabcdabcdabcd")
    assert [code_of(bad), code_of(good)] == [100000005, 300001000]
