"""Raw signed requests to the emulator, for tests that must control every query parameter."""

from __future__ import annotations

import secrets
import time

import requests

from zego import sign

STORAGE_PARAMS = {
    "Vendor": 1,
    "Region": "us-east-1",
    "Bucket": "b",
    "AccessKeyId": "k",
    "AccessKeySecret": "s",
}


def common_params(emulator, action: str, **overrides) -> dict:
    # `skew` (seconds from now) is resolved here, at call time: a timestamp fixed at collection
    # time drifts by however long the suite has run before this test.
    timestamp = overrides.pop("timestamp", int(time.time()) + overrides.pop("skew", 0))
    nonce = overrides.pop("nonce", secrets.token_hex(8))
    params = {
        "Action": action,
        "AppId": str(emulator.app_id),
        "SignatureNonce": nonce,
        "Timestamp": str(timestamp),
        "Signature": sign(emulator.app_id, nonce, emulator.server_secret, timestamp),
        "SignatureVersion": "2.0",
    }
    params.update(overrides)
    return {key: value for key, value in params.items() if value is not None}


def call(
    emulator, action: str, body: dict | None = None, *, method: str = "POST", **overrides
) -> requests.Response:
    params = common_params(emulator, action, **overrides)
    if method == "GET":
        return requests.get(emulator.url + "/", params={**params, **(body or {})}, timeout=10)
    return requests.post(emulator.url + "/", params=params, json=body or {}, timeout=10)


def code_of(response: requests.Response) -> int:
    return response.json()["Code"]


def mixed_input(**mix) -> dict:
    return {
        "RecordMode": 2,
        "StreamType": 3,
        "MaxIdleTime": 60,
        "MixConfig": {
            "MixMode": 2,
            "MixOutputStreamId": "mix",
            "MixOutputVideoConfig": {"Width": 320, "Height": 180, "Fps": 10, "Bitrate": 200000},
            **mix,
        },
    }


def start_body(
    room_id: str = "room1",
    inputs: dict | None = None,
    outputs: dict | None = None,
    storage: dict | None = None,
) -> dict:
    body = {
        "RoomId": room_id,
        "RecordInputParams": inputs or mixed_input(),
        "StorageParams": storage or STORAGE_PARAMS,
    }
    if outputs is not None:
        body["RecordOutputParams"] = outputs
    return body
