"""Secrets never show up in reprs, exception text or logs."""

from __future__ import annotations

import logging

import pytest
import requests

import zego
from tests.zego.conftest import (
    SERVER_SECRET,
    START_RECORD_BODY,
    failure,
    make_response,
    ok,
    query_of,
    queue,
    sent,
)

STORAGE_SECRET = START_RECORD_BODY["StorageParams"]["AccessKeySecret"] + "-very-secret-value"


def body_with_storage_secret():
    body = {**START_RECORD_BODY}
    body["StorageParams"] = {**body["StorageParams"], "AccessKeySecret": STORAGE_SECRET}
    return body


def test_it_keeps_the_server_secret_out_of_the_client_repr(client):
    """repr(Client) shows the AppID and host only."""
    text = repr(client)
    assert SERVER_SECRET not in text
    assert "1234567890" in text
    assert SERVER_SECRET not in str(client)


def test_it_keeps_storage_secrets_out_of_dataclass_reprs():
    """Storage keys' secret halves are hidden from repr."""
    storage = zego.StorageParams(
        vendor=zego.Vendor.AMAZON_S3,
        region="us-east-1",
        bucket="b",
        access_key_id="AKIA",
        access_key_secret=STORAGE_SECRET,
    )
    vod = zego.TencentCloudVodParams(secret_id="id", secret_key=STORAGE_SECRET, region="r")
    ali = zego.AlibabaCloudVodParams(
        region="r",
        access_key_id="k",
        access_key_secret=STORAGE_SECRET,
        title="t",
        storage_location="l",
    )
    for value in (storage, vod, ali):
        assert STORAGE_SECRET not in repr(value)
    assert storage.to_wire()["AccessKeySecret"] == STORAGE_SECRET


def test_it_redacts_the_signature_and_storage_secret_in_debug_logs(client, session, caplog):
    """DEBUG logs show the request without its Signature or storage secrets."""
    queue(session, ok({"TaskId": "T1"}))
    with caplog.at_level(logging.DEBUG, logger="zego"):
        client.call("StartRecord", body_with_storage_secret())
    signature = query_of(sent(session))["Signature"][0]
    assert "StartRecord" in caplog.text
    assert "Signature=[redacted]" in caplog.text
    assert "SignatureNonce=" in caplog.text
    assert signature not in caplog.text
    assert SERVER_SECRET not in caplog.text
    assert STORAGE_SECRET not in caplog.text
    assert "RequestId abcd123" in caplog.text


def test_it_keeps_secrets_out_of_retry_logs_and_errors(client, session, caplog):
    """Transport errors echo the signed URL; it is redacted before logging or raising."""
    sign_holder = {}

    def fail(request, **kwargs):
        sign_holder["signature"] = query_of(request)["Signature"][0]
        raise requests.ConnectionError(
            f"HTTPSConnectionPool: Max retries exceeded with url: {request.url} {SERVER_SECRET}"
        )

    session.send.side_effect = fail
    with caplog.at_level(logging.DEBUG, logger="zego"), pytest.raises(zego.ZegoError) as caught:
        client.describe_record_status("T1")
    text = str(caught.value)
    assert "Signature=[redacted]" in text
    for secret in (sign_holder["signature"], SERVER_SECRET):
        assert secret not in text
        assert secret not in repr(caught.value)
        assert secret not in caplog.text
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_it_keeps_secrets_out_of_start_record_errors(client, session):
    """Outcome-unknown errors carry no secret either."""
    queue(session, make_response(b"<html>502</html>", 502))
    with pytest.raises(zego.ZegoOutcomeUnknownError) as caught:
        client.call("StartRecord", body_with_storage_secret())
    for text in (str(caught.value), repr(caught.value), str(caught.value.__cause__)):
        assert SERVER_SECRET not in text
        assert STORAGE_SECRET not in text


def test_it_keeps_storage_secrets_out_of_validation_errors(client):
    """Validation messages for storage fields never echo values."""
    body = body_with_storage_secret()
    body["StorageParams"] = {**body["StorageParams"], "Bucket": "", "Vendor": 3}
    with pytest.raises(zego.ZegoValidationError) as caught:
        client.call("StartRecord", body)
    assert STORAGE_SECRET not in str(caught.value)
    assert all(STORAGE_SECRET not in p.message for p in caught.value.problems)


def test_it_keeps_secrets_out_of_zego_error_replies(client, session, caplog):
    """Error replies are logged and raised without the signature."""
    queue(session, failure(100000005, "signature error"))
    with caplog.at_level(logging.DEBUG, logger="zego"), pytest.raises(zego.ZegoAuthError) as caught:
        client.stop_record("T1")
    signature = query_of(sent(session))["Signature"][0]
    assert signature not in caplog.text
    assert signature not in str(caught.value)
    assert "ServerSecret matches the AppID" in str(caught.value)
