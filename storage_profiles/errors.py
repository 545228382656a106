"""Turn boto3/requests failures into sentences a storage admin can act on."""

from __future__ import annotations

import requests
from botocore import exceptions as boto

from storage_profiles.s3 import CONNECT_TIMEOUT, READ_TIMEOUT, S3Target


def explain(error: Exception, target: S3Target, doing: str) -> str:
    """`doing` completes "while trying to …", e.g. "write the test object"."""
    if isinstance(error, boto.ClientError):
        message = _client_error(error, target, doing)
    else:
        message = _transport_error(error, target, doing)
    return redact(message, target)


def redact(message: str, target: S3Target) -> str:
    # Servers and libraries never echo the secret, but a probe report is shown to people.
    return message.replace(target.secret, "[redacted]") if target.secret else message


def _client_error(error: boto.ClientError, target: S3Target, doing: str) -> str:
    code, status, server_message, headers = _details(error.response)
    bucket = f"“{target.bucket}”"
    if code == "InvalidAccessKeyId":
        return (
            f"{target.endpoint} does not know the access key ID “{target.access_key_id}”. "
            "Check that it was copied whole and that the key is still active."
        )
    if code == "SignatureDoesNotMatch":
        return (
            f"The secret does not match the access key ID “{target.access_key_id}”. "
            "Enter the secret again on the edit page (the stored one is replaced, never shown)."
        )
    if code == "NoSuchBucket" or (status == 404 and code in ("404", "NotFound")):
        return (
            f"There is no bucket {bucket} at {target.endpoint}. Check the bucket name and region."
        )
    if code in ("PermanentRedirect", "301") or status == 301:
        actual = headers.get("x-amz-bucket-region")
        if actual:
            return f"Bucket {bucket} is in region {actual}, not {target.region}. Set the region to {actual}."
        return (
            f"Bucket {bucket} is not served by {target.endpoint} (the server redirected "
            "elsewhere): the region or endpoint is wrong."
        )
    if code in ("AuthorizationHeaderMalformed", "IllegalLocationConstraintException") or (
        status == 400 and code == "400"
    ):
        detail = f" The server said: {server_message}" if server_message else ""
        return f"The region “{target.region}” is wrong for this bucket or endpoint.{detail}"
    if code in ("AccessDenied", "403", "AllAccessDisabled", "AccountProblem"):
        return (
            f"Access denied while trying to {doing} in bucket {bucket}. The key is not allowed "
            "to do this here: grant it on the bucket and prefix (or check the key and secret)."
        )
    if code == "RequestTimeTooSkewed":
        return (
            "This server's clock differs from the storage's by more than 15 minutes; fix the clock."
        )
    if code in ("SlowDown", "ServiceUnavailable", "503", "InternalError", "500"):
        return f"The storage is overloaded or failing ({code}); try the probe again in a minute."
    detail = f": {server_message}" if server_message else ""
    return f"The storage refused to {doing} (HTTP {status}, {code}){detail}."


def _details(response: dict) -> tuple[str, int, str, dict]:
    error = response.get("Error", {})
    meta = response.get("ResponseMetadata", {})
    return (
        str(error.get("Code", "")),
        int(meta.get("HTTPStatusCode") or 0),
        str(error.get("Message", "")),
        {key.lower(): value for key, value in meta.get("HTTPHeaders", {}).items()},
    )


def _transport_error(error: Exception, target: S3Target, doing: str) -> str:
    endpoint = target.endpoint
    if isinstance(error, boto.ConnectTimeoutError | requests.ConnectTimeout):
        return (
            f"No answer from {endpoint} within {CONNECT_TIMEOUT} s. Check the endpoint (or the "
            "region it is derived from) and any firewall between this server and the storage."
        )
    if isinstance(error, boto.ReadTimeoutError | requests.ReadTimeout):
        return f"{endpoint} accepted the connection but did not answer within {READ_TIMEOUT} s."
    if isinstance(error, boto.SSLError | requests.exceptions.SSLError):
        return (
            f"The TLS handshake with {endpoint} failed: check the endpoint's certificate and URL."
        )
    if isinstance(error, boto.EndpointConnectionError | requests.ConnectionError):
        return (
            f"Could not connect to {endpoint}. Check the endpoint (or the region it is derived "
            "from) and that this server can reach it."
        )
    if isinstance(error, boto.ConnectionClosedError):
        return f"{endpoint} closed the connection while we tried to {doing}."
    if isinstance(error, boto.ParamValidationError):
        return f"The request to {doing} was not valid: {error}"
    return f"Unexpected error while trying to {doing}: {type(error).__name__}: {error}"
