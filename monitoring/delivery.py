"""Saying an alert out loud: email through Django's mailer, and a signed Slack-style webhook.

Webhook POST body: `{"text": "..."}` (what a Slack incoming webhook expects). Headers:
`X-Recdesk-Timestamp` (Unix seconds) and `X-Recdesk-Signature: sha256=<hex>`, the HMAC-SHA256 of
`<timestamp>.<body>` with the rule's webhook secret, so a receiver can check who sent it and
refuse replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import requests
from django.conf import settings
from django.core.mail import EmailMessage

WEBHOOK_TIMEOUT = (3, 5)  # connect, read (seconds): a slow receiver must not hold up the evaluator
SIGNATURE_HEADER = "X-Recdesk-Signature"
TIMESTAMP_HEADER = "X-Recdesk-Timestamp"
USER_AGENT = "Recdesk alerts"


class DeliveryError(Exception):
    """A channel did not take the message; the text says why, for people."""


def send_email(recipients: list[str], subject: str, body: str) -> None:
    message = EmailMessage(
        subject=subject[:200], body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=recipients
    )
    try:
        message.send()
    except Exception as error:  # SMTP, DNS, TLS: whatever the backend raises
        raise DeliveryError(f"Email could not be sent: {type(error).__name__}: {error}") from error


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def send_webhook(url: str, secret: str, text: str) -> None:
    body = json.dumps({"text": text}, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
    try:
        response = requests.post(
            url, data=body, headers=headers, timeout=WEBHOOK_TIMEOUT, allow_redirects=False
        )
    except requests.Timeout:
        raise DeliveryError(f"The webhook did not answer within {WEBHOOK_TIMEOUT[1]} s.") from None
    except requests.RequestException as error:
        raise DeliveryError(f"The webhook could not be reached ({type(error).__name__}).") from None
    if not 200 <= response.status_code < 300:
        raise DeliveryError(
            f"The webhook answered HTTP {response.status_code}: {response.text[:120]!r}"
        )
