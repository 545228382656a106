"""Saying an alert out loud: email through Django's mailer, and a signed Slack-style webhook.

Webhook POST body: `{"text": "...", "alerts": [{"id", "state", "opened_at", ...}]}` (`text` is
what a Slack incoming webhook shows; a digest lists several alerts). Headers:
`X-Recdesk-Timestamp` (Unix seconds), `X-Recdesk-Delivery` (unique per POST) and
`X-Recdesk-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<delivery>.<body>` with the
rule's webhook secret, so a receiver can check who sent it and refuse replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid

import requests
from django.conf import settings
from django.core.mail import EmailMessage, mailers
from urllib3.util import Timeout

# Both well below services.DELIVERY_CLAIM, so a hung receiver cannot outlive the claim and have
# an overlapping pass send the alert again.
EMAIL_TIMEOUT = 30  # seconds, for each SMTP socket operation
WEBHOOK_DEADLINE = 10  # seconds from connecting to the answer's status line
WEBHOOK_TIMEOUT = Timeout(connect=3, read=5, total=WEBHOOK_DEADLINE)
SIGNATURE_HEADER = "X-Recdesk-Signature"
TIMESTAMP_HEADER = "X-Recdesk-Timestamp"
DELIVERY_HEADER = "X-Recdesk-Delivery"
USER_AGENT = "Recdesk alerts"
SUBJECT_LENGTH = 200
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


class DeliveryError(Exception):
    """A channel did not take the message; the text says why, for people."""


def header_safe(text: str) -> str:
    """One line without control characters: a newline in a subject is refused by the mailer."""
    return " ".join(CONTROL_CHARACTERS.sub(" ", text).split())


def send_email(recipients: list[str], subject: str, body: str) -> None:
    message = EmailMessage(
        subject=header_safe(subject)[:SUBJECT_LENGTH],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    try:
        _mailer_with_timeout().send_messages([message])
    except Exception as error:  # SMTP, DNS, TLS: whatever the backend raises
        raise DeliveryError(f"Email could not be sent: {type(error).__name__}: {error}") from error


def _mailer_with_timeout():
    """The default mailer, with EMAIL_TIMEOUT unless its OPTIONS set a shorter one."""
    mailer = mailers.default
    if hasattr(mailer, "timeout") and not (mailer.timeout and mailer.timeout <= EMAIL_TIMEOUT):
        mailer.timeout = EMAIL_TIMEOUT
    return mailer


def signature(secret: str, timestamp: str, delivery: str, body: bytes) -> str:
    signed = f"{timestamp}.{delivery}.".encode() + body
    return f"sha256={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def send_webhook(url: str, secret: str, payload: dict) -> None:
    """POST the payload; raises DeliveryError with the status only (never the receiver's body)."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    timestamp, delivery = str(int(time.time())), str(uuid.uuid4())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: timestamp,
        DELIVERY_HEADER: delivery,
        SIGNATURE_HEADER: signature(secret, timestamp, delivery, body),
    }
    try:
        # stream=True: the answer's body is never read, so a receiver trickling it cannot hold us.
        with requests.post(
            url,
            data=body,
            headers=headers,
            timeout=WEBHOOK_TIMEOUT,
            allow_redirects=False,
            stream=True,
        ) as response:
            status, reason = response.status_code, response.reason
    except requests.Timeout:
        raise DeliveryError(f"The webhook did not answer within {WEBHOOK_DEADLINE} s.") from None
    except requests.RequestException as error:
        raise DeliveryError(f"The webhook could not be reached ({type(error).__name__}).") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"The webhook answered HTTP {status} {header_safe(reason or '')}.")
