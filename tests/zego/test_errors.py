"""Mapping of ZEGO return codes and HTTP failures to exceptions."""

from __future__ import annotations

import pytest

import zego
from tests.zego.conftest import failure, make_response, queue
from zego.constants import ReturnCode

EXPECTED: dict[int, tuple[type[zego.ZegoError], bool]] = {
    100000000: (zego.ZegoInvalidParameterError, True),
    100000001: (zego.ZegoAuthError, True),
    100000002: (zego.ZegoAuthError, True),
    100000003: (zego.ZegoAuthError, True),
    100000004: (zego.ZegoAuthError, True),
    100000005: (zego.ZegoAuthError, True),
    100000006: (zego.ZegoInvalidParameterError, True),
    100000007: (zego.ZegoInvalidParameterError, True),
    100000008: (zego.ZegoAuthError, True),
    100000009: (zego.ZegoAuthError, True),
    100000010: (zego.ZegoAuthError, True),
    100000011: (zego.ZegoServerError, False),
    100000012: (zego.ZegoServerError, False),
    100000013: (zego.ZegoAuthError, True),
    100000014: (zego.ZegoAuthError, True),
    100000015: (zego.ZegoServerError, False),
    100000016: (zego.ZegoAuthError, True),
    100000017: (zego.ZegoAuthError, True),
    300000002: (zego.ZegoAuthError, True),
    300000003: (zego.ZegoRateLimitError, False),
    300000004: (zego.ZegoInvalidParameterError, True),
    300000005: (zego.ZegoAuthError, True),
    300000006: (zego.ZegoRateLimitError, False),
    300001000: (zego.ZegoNotFoundError, True),
    300001001: (zego.ZegoTaskStateError, True),
    300001004: (zego.ZegoTaskStateError, True),
    300010000: (zego.ZegoServerError, False),
    154: (zego.ZegoServerError, False),
    41004: (zego.ZegoNotFoundError, True),
}
ERROR_CODES = sorted(code for code in zego.MESSAGES if code != 0)


def test_it_has_a_message_for_every_code_in_the_spec():
    """MESSAGES covers every ReturnCode, and this test's table covers every error code."""
    assert set(zego.MESSAGES) == {int(code) for code in ReturnCode}
    assert set(ERROR_CODES) == set(EXPECTED)
    assert all(zego.MESSAGES[code].endswith(".") for code in ERROR_CODES)
    assert all(len(zego.MESSAGES[code]) > 30 for code in ERROR_CODES)


@pytest.mark.parametrize("code", ERROR_CODES)
def test_it_maps_each_code_to_its_exception(client, session, code):
    """Every code raises the right subclass with the right `permanent` flag and context."""
    # DescribeRecordStatus never retries permanent errors; give retries a same-code reply.
    queue(session, failure(code, "zego text", "rid-1"), failure(code), failure(code))
    expected_class, permanent = EXPECTED[code]
    with pytest.raises(zego.ZegoError) as caught:
        client.describe_record_status("T1")
    err = caught.value
    assert type(err) is expected_class
    assert err.permanent is permanent
    assert err.code == code
    assert err.action == "DescribeRecordStatus"
    assert err.http_status == 200
    assert str(code) in str(err)
    assert zego.describe_code(code) in str(err)
    assert "DescribeRecordStatus" in str(err)


def test_it_describes_unknown_codes():
    """Codes ZEGO adds later still get an actionable sentence."""
    assert "Unknown ZEGO return code 424242" in zego.describe_code(424242)
    assert zego.describe_code(300001000).startswith("The recording task does not exist")


def test_it_raises_the_base_error_for_unknown_codes(client, session):
    """An unknown code is a permanent plain ZegoError (never retried)."""
    queue(session, failure(424242))
    with pytest.raises(zego.ZegoError) as caught:
        client.describe_record_status("T1")
    assert type(caught.value) is zego.ZegoError
    assert caught.value.permanent
    assert session.send.call_count == 1


def test_it_includes_request_id_and_zego_message(client, session):
    """str() shows ZEGO's own message and the RequestId for support tickets."""
    queue(session, failure(300000004, "MixOutputStreamId is empty", "2237080460466033406"))
    with pytest.raises(zego.ZegoInvalidParameterError) as caught:
        client.stop_record("T1")
    text = str(caught.value)
    assert "MixOutputStreamId is empty" in text
    assert "2237080460466033406" in text
    assert caught.value.request_id == "2237080460466033406"
    assert caught.value.payload["Code"] == 300000004


def test_it_maps_a_5xx_without_envelope_to_server_error(session, sleeps, client):
    """HTTP 5xx with an HTML body is a transient ZegoServerError."""
    queue(session, *[make_response(b"<html>Bad gateway</html>", 502)] * 3)
    with pytest.raises(zego.ZegoServerError) as caught:
        client.describe_record_status("T1")
    assert caught.value.http_status == 502
    assert not caught.value.permanent
    assert "Bad gateway" in str(caught.value)


def test_it_maps_bad_json_to_server_error(client, session):
    """A 200 whose body isn't a ZEGO envelope is a ZegoServerError, not a crash."""
    queue(session, *[make_response(b"not json")] * 3)
    with pytest.raises(zego.ZegoServerError):
        client.describe_record_status("T1")


def test_it_maps_an_envelope_inside_a_5xx_by_its_code(client, session):
    """ZEGO's Code decides, whatever the HTTP status."""
    queue(session, make_response(failure(300001000), 500))
    with pytest.raises(zego.ZegoNotFoundError) as caught:
        client.describe_record_status("T1")
    assert caught.value.http_status == 500


def test_it_maps_http_429_to_rate_limit(client, session):
    """A bare HTTP 429 from a proxy counts as rate limiting."""
    queue(session, *[make_response(b"slow down", 429)] * 3)
    with pytest.raises(zego.ZegoRateLimitError):
        client.describe_record_status("T1")


def test_it_maps_a_bare_404_to_a_permanent_error(client, session):
    """A 404 page means a wrong API URL; not retried."""
    queue(session, make_response(b"Not Found", 404))
    with pytest.raises(zego.ZegoError) as caught:
        client.describe_record_status("T1")
    assert caught.value.permanent
    assert "check the API URL" in str(caught.value)
    assert session.send.call_count == 1


def test_it_wraps_transport_errors(client, session):
    """requests exceptions never escape; they become ZegoServerError."""
    import requests

    queue(session, *[requests.ConnectionError("connection refused")] * 3)
    with pytest.raises(zego.ZegoServerError) as caught:
        client.describe_record_status("T1")
    assert "ConnectionError" in str(caught.value)
    assert caught.value.__cause__ is None


def test_it_wraps_timeouts(client, session):
    """A timeout says how long we waited."""
    import requests

    queue(session, *[requests.ReadTimeout("read timed out")] * 3)
    with pytest.raises(zego.ZegoServerError) as caught:
        client.describe_record_status("T1")
    assert "within 10.0 s" in str(caught.value)


def test_it_describes_validation_errors_by_field():
    """ZegoValidationError names the field path in its text."""
    err = zego.ZegoValidationError("StorageParams.Bucket", "Bucket is required.", action="X")
    assert str(err) == "ZEGO X request invalid: StorageParams.Bucket: Bucket is required."
    assert err.permanent and err.code is None
