"""The storage probe: proves, step by step, that a profile's bucket works for recordings.

Each step records its outcome, timing and, when it fails, a sentence saying what to fix. A step
whose prerequisite failed is "skipped" with the reason. `report` is called after every change so
the page can show progress live.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

import requests
from botocore.exceptions import ClientError

from storage_profiles import vendors
from storage_profiles.errors import explain, redact
from storage_profiles.models import ProbeRun, StorageProfile
from storage_profiles.s3 import (
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    NotS3Reachable,
    S3Target,
    client_for,
    s3_target_for,
)

STEPS = (
    ("credentials", "Credentials accepted"),
    ("bucket", "Bucket reachable"),
    ("write", "Write a test object under the prefix"),
    ("read_back", "Read it back and compare"),
    ("presigned_range", "Presigned link serves a byte range"),
    ("content_types", "Content-Type kept for .mp4, .m3u8 and .ts"),
    ("cors", "CORS lets the console's pages play files"),
    ("cleanup", "Delete the test objects"),
)
LABELS = dict(STEPS)
CONTENT_TYPES = {
    "mp4": "video/mp4",
    "m3u8": "application/vnd.apple.mpegurl",
    "ts": "video/mp2t",
}
PROBE_BODY_SIZE = 4096
RANGE = (100, 1123)  # inclusive, as in the Range header
AUTH_ERRORS = {"InvalidAccessKeyId", "SignatureDoesNotMatch"}
REGION_ERRORS = {"PermanentRedirect", "AuthorizationHeaderMalformed", "301"}

Report = Callable[[list[dict]], None]


class StepFailed(Exception):
    """A check ran and the storage's answer was wrong; the message says how, in plain words."""


@dataclass
class Step:
    key: str
    label: str
    status: str = "pending"  # pending, running, ok, failed, skipped
    detail: str = ""
    ms: int | None = None


@dataclass
class Outcome:
    status: str
    steps: list[dict]
    not_checked: list[str]
    endpoint: str


def planned_steps() -> list[dict]:
    return [asdict(Step(key, label)) for key, label in STEPS]


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def overall_status(steps: list[dict]) -> str:
    statuses = {step["status"] for step in steps}
    if "failed" in statuses:
        return ProbeRun.Status.FAILED
    if statuses == {"ok"}:
        return ProbeRun.Status.OK
    return ProbeRun.Status.PARTIAL


def run_probe(profile: StorageProfile, *, origin: str, report: Report | None = None) -> Outcome:
    """Probe the profile's bucket through its S3-compatible API (or explain why it cannot be)."""
    report = report or (lambda steps: None)
    try:
        target = s3_target_for(profile)
    except NotS3Reachable as error:
        return _unprobeable(profile, str(error), report)
    probe = S3Probe(target, origin, report)
    steps = probe.run()
    not_checked = list(vendors.spec_for(profile.vendor).not_checked)
    return Outcome(overall_status(steps), steps, not_checked, target.endpoint)


def _unprobeable(profile: StorageProfile, reason: str, report: Report) -> Outcome:
    steps = [asdict(Step(key, label, "skipped", "Not checked.")) for key, label in STEPS]
    steps[0]["detail"] = f"Not checked: {reason}"
    report(steps)
    not_checked = [
        f"{reason} The console cannot check the keys, the upload or playback of "
        f"{profile.get_vendor_display()}. Start a short test recording and look for it in the "
        "vendor's console."
    ]
    status = ProbeRun.Status.FAILED if not profile.is_vod else ProbeRun.Status.PARTIAL
    if status == ProbeRun.Status.FAILED:
        steps[0].update(status="failed", detail=reason)
    return Outcome(status, steps, not_checked, "")


class S3Probe:
    def __init__(self, target: S3Target, origin: str, report: Report) -> None:
        self.target = target
        self.origin = origin
        self.report = report
        self.client = client_for(target)
        self.steps = {key: Step(key, label) for key, label in STEPS}
        self.folder = f"{target.prefix}recdesk-probe-{uuid.uuid4().hex[:12]}/"
        self.body = os.urandom(PROBE_BODY_SIZE)
        self.written: list[str] = []

    def key(self, extension: str) -> str:
        return f"{self.folder}probe.{extension}"

    def run(self) -> list[dict]:
        self.report(self.as_list())
        self.step("credentials", self.check_credentials, doing="list buckets")
        self.step("bucket", self.check_bucket, doing="read the bucket", needs=("credentials",))
        self.step("write", self.write_object, doing="write the test object", needs=("bucket",))
        self.step("read_back", self.read_back, doing="read the test object", needs=("write",))
        self.step("presigned_range", self.presigned_range, doing="fetch a range", needs=("write",))
        self.step(
            "content_types", self.content_types, doing="write and inspect files", needs=("write",)
        )
        self.step("cors", self.cors, doing="check CORS", needs=("write",))
        if self.written:
            self.step("cleanup", self.cleanup, doing=f"delete the test objects under {self.folder}")
        else:
            self.skip("cleanup", "Nothing was written, so there is nothing to delete.")
        return self.as_list()

    def as_list(self) -> list[dict]:
        return [asdict(step) for step in self.steps.values()]

    def step(self, key: str, check: Callable[[], str], *, doing: str, needs=()) -> None:
        blocked = [name for name in needs if self.steps[name].status != "ok"]
        if blocked:
            self.skip(key, f"Not checked: “{LABELS[blocked[0]]}” did not pass.")
            return
        step = self.steps[key]
        step.status = "running"
        self.report(self.as_list())
        started = time.monotonic()
        try:
            step.detail = check()
            step.status = "ok"
        except StepFailed as failure:
            step.status, step.detail = "failed", redact(str(failure), self.target)
        except Exception as error:  # noqa: BLE001 - every failure becomes a sentence on the page
            step.status, step.detail = "failed", explain(error, self.target, doing)
        step.ms = round((time.monotonic() - started) * 1000)
        self.report(self.as_list())

    def skip(self, key: str, reason: str) -> None:
        self.steps[key].status, self.steps[key].detail = "skipped", reason
        self.report(self.as_list())

    # --- the checks: each returns what it saw, or raises ---------------------------------------

    def check_credentials(self) -> str:
        try:
            self.client.list_buckets(MaxBuckets=1)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in AUTH_ERRORS or code in REGION_ERRORS:
                raise
            # Signature checked, listing merely not allowed: the usual bucket-scoped key.
            return f"Accepted by {self.target.endpoint} (the key may not list buckets: {code})."
        return f"Accepted by {self.target.endpoint}."

    def check_bucket(self) -> str:
        self.client.head_bucket(Bucket=self.target.bucket)
        return f"Bucket “{self.target.bucket}” found."

    def write_object(self) -> str:
        key = self.key("mp4")
        self.put(key, self.body, CONTENT_TYPES["mp4"])
        return f"Wrote {len(self.body)} bytes to {key}."

    def read_back(self) -> str:
        response = self.client.get_object(Bucket=self.target.bucket, Key=self.key("mp4"))
        data = response["Body"].read()
        if hashlib.sha256(data).digest() != hashlib.sha256(self.body).digest():
            raise StepFailed(
                f"Read back {len(data)} bytes, but they differ from the {len(self.body)} written."
            )
        return f"Read back {len(data)} bytes, identical to what was written."

    def presigned_range(self) -> str:
        first, last = RANGE
        response = requests.get(
            self.presigned(self.key("mp4")),
            headers={"Range": f"bytes={first}-{last}"},
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
        )
        if response.status_code == 200:
            raise StepFailed(
                "The link worked but ignored the Range header (it sent the whole file): "
                "players could not seek in long recordings."
            )
        if response.status_code != 206:
            raise StepFailed(
                f"The presigned link was refused (HTTP {response.status_code}"
                f"{_s3_code(response)}). Browsers could not play files from this bucket."
            )
        if response.content != self.body[first : last + 1]:
            raise StepFailed("The range came back with the wrong bytes.")
        return f"HTTP 206 with bytes {first}–{last}, as requested."

    def content_types(self) -> str:
        for extension in ("m3u8", "ts"):
            self.put(self.key(extension), b"probe", CONTENT_TYPES[extension])
        changed = []
        for extension, expected in CONTENT_TYPES.items():
            head = self.client.head_object(Bucket=self.target.bucket, Key=self.key(extension))
            if head.get("ContentType") != expected:
                changed.append(f".{extension} came back as “{head.get('ContentType')}”")
        if changed:
            raise StepFailed(
                f"{'; '.join(changed)}, not the type it was written with. Browsers may refuse "
                "to play such files."
            )
        return "; ".join(f".{extension}: {kind}" for extension, kind in CONTENT_TYPES.items())

    def cors(self) -> str:
        response = requests.options(
            self.presigned(self.key("mp4")),
            headers={
                "Origin": self.origin,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "range",
            },
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
        )
        allowed = response.headers.get("Access-Control-Allow-Origin", "")
        if response.status_code >= 300 or allowed not in (self.origin, "*"):
            raise StepFailed(
                f"The bucket's CORS rules do not allow {self.origin}, so the player in the "
                "console cannot load files from it. Add a CORS rule on the bucket: allowed "
                f"origin {self.origin}, methods GET and HEAD, header Range."
            )
        return f"A browser on {self.origin} may GET files with a Range header."

    def cleanup(self) -> str:
        for key in list(self.written):
            self.client.delete_object(Bucket=self.target.bucket, Key=key)
            self.written.remove(key)
        return f"Deleted the test objects under {self.folder}."

    # --- helpers -----------------------------------------------------------------------------

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.target.bucket, Key=key, Body=body, ContentType=content_type
        )
        self.written.append(key)

    def presigned(self, key: str) -> str:
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.target.bucket, "Key": key}, ExpiresIn=120
        )


def _s3_code(response: requests.Response) -> str:
    text = response.text
    start, end = text.find("<Code>"), text.find("</Code>")
    return f", {text[start + 6 : end]}" if 0 <= start < end else ""
