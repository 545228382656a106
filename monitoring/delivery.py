"""Saying an alert out loud: email through Django's mailer, and a signed Slack-style webhook.

Webhook POST body: `{"text": "...", "alerts": [{"id", "state", "opened_at", ...}]}` (`text` is
what a Slack incoming webhook shows; a digest lists several alerts). Headers:
`X-Recdesk-Timestamp` (Unix seconds), `X-Recdesk-Delivery` (unique per POST) and
`X-Recdesk-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<delivery>.<body>` with the
rule's webhook secret, so a receiver can check who sent it and refuse replays.

A webhook URL is typed by a person, so it could point the server at itself or its network (a
metadata service, an admin port). Webhooks only reach public addresses, plus the networks listed
in the WEBHOOK_ALLOWED_NETWORKS setting. The check is made on the address actually connected to,
after DNS, so a name that resolves differently later cannot slip past it.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import time
import uuid
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import EmailMessage, mailers
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
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


class ForbiddenAddress(Exception):
    """The webhook's host is (or resolved to) an address webhooks may not reach."""

    def __init__(self, address: str):
        super().__init__(address)
        self.address = address

    def __str__(self) -> str:
        return (
            f"The webhook's address {self.address} is not public; webhooks only reach public "
            "addresses and the networks in the WEBHOOK_ALLOWED_NETWORKS setting."
        )


def address_allowed(address: str) -> bool:
    """Public unicast, or inside a network the operator allowed."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_global and not ip.is_multicast:
        return True
    return any(ip in network for network in allowed_networks())


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.WEBHOOK_ALLOWED_NETWORKS]


def literal_host_problem(url: str) -> str:
    """Why a URL whose host is written as an address (or `localhost`) cannot be used, or ""."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        host = "127.0.0.1"
    try:
        allowed = address_allowed(host)
    except ValueError:
        return ""  # a name: checked when connecting, after DNS
    return "" if allowed else str(ForbiddenAddress(host))


class _CheckedPeer:
    """Refuse the connection once the socket is open and the peer's address is known."""

    def _new_conn(self):
        sock = super()._new_conn()
        address = sock.getpeername()[0]
        if not address_allowed(address):
            sock.close()
            raise ForbiddenAddress(address)
        return sock


class _CheckedHTTPConnection(_CheckedPeer, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_CheckedPeer, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


CHECKED_POOLS = {"http": _CheckedHTTPPool, "https": _CheckedHTTPSPool}


class _CheckedAdapter(HTTPAdapter):
    """Through a proxy, the address checked is the proxy's: list it in WEBHOOK_ALLOWED_NETWORKS."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = CHECKED_POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = CHECKED_POOLS
        return manager


def _webhook_session() -> requests.Session:
    session = requests.Session()
    session.mount("http://", _CheckedAdapter())
    session.mount("https://", _CheckedAdapter())
    return session


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
        with (
            _webhook_session() as session,
            session.post(
                url,
                data=body,
                headers=headers,
                timeout=WEBHOOK_TIMEOUT,
                allow_redirects=False,
                stream=True,
            ) as response,
        ):
            status, reason = response.status_code, response.reason
    except ForbiddenAddress as error:
        raise DeliveryError(str(error)) from None
    except requests.Timeout:
        raise DeliveryError(f"The webhook did not answer within {WEBHOOK_DEADLINE} s.") from None
    except requests.RequestException as error:
        raise DeliveryError(f"The webhook could not be reached ({type(error).__name__}).") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"The webhook answered HTTP {status} {header_safe(reason or '')}.")
