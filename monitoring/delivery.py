"""Saying an alert out loud: email through Django's mailer, and a signed Slack-style webhook.

Webhook POST body: `{"text": "...", "alerts": [{"id", "state", "opened_at", ...}]}` (`text` is
what a Slack incoming webhook shows; a digest lists several alerts). Headers:
`X-Recdesk-Timestamp` (Unix seconds), `X-Recdesk-Delivery` (unique per POST) and
`X-Recdesk-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<delivery>.<body>` with the
rule's webhook secret, so a receiver can check who sent it and refuse replays.

A webhook URL is typed by a person, so it could point the server at itself or its network (a
metadata service, an admin port). Webhooks only reach public addresses, plus the networks listed
in the WEBHOOK_ALLOWED_NETWORKS setting. The name is resolved once and only checked addresses are
connected to, so nothing private is ever touched and a name that resolves differently later
cannot slip past it. No proxy is used.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import socket
import time
import uuid
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import EmailMessage, mailers
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
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
    """The webhook's host is, or resolves only to, addresses webhooks may not reach."""

    def __str__(self) -> str:
        return (
            "The webhook's host is not a public address (nor in WEBHOOK_ALLOWED_NETWORKS); "
            "webhooks only reach public addresses and the networks that setting lists."
        )


# IPv6 prefixes that carry an IPv4 address (NAT64, 6to4, IPv4-compatible): judged by that address.
EMBEDDING_IPV4 = [
    ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96", "::ffff:0:0:0/96")
]


def address_allowed(address: str) -> bool:
    """Public unicast, or inside a network the operator allowed."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if any(ip in network for network in allowed_networks()):
        return True
    for carried in _carried_ipv4(ip):
        if not address_allowed(str(carried)):
            return False
    return ip.is_global and not ip.is_multicast


def _carried_ipv4(ip) -> list[ipaddress.IPv4Address]:
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    if ip.ipv4_mapped or ip.sixtofour:
        return [ip.ipv4_mapped or ip.sixtofour]
    if any(ip in network for network in EMBEDDING_IPV4):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(n.strip(), strict=False) for n in settings.WEBHOOK_ALLOWED_NETWORKS
    ]


def literal_host_problem(url: str) -> str:
    """Why a URL whose host is written as an address (or `localhost`) cannot be used, or ""."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        host = "127.0.0.1"
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return ""  # a name: checked when connecting, after DNS
    return "" if address_allowed(host) else str(ForbiddenAddress())


def allowed_addresses(host: str, port: int) -> list[str]:
    """The host's addresses that webhooks may reach, resolved once here; ForbiddenAddress if none."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise requests.ConnectionError(f"cannot resolve {host}") from error
    addresses = list(dict.fromkeys(sockaddr[0] for *_, sockaddr in found))
    allowed = [address for address in addresses if address_allowed(address)]
    if not allowed:
        raise ForbiddenAddress()
    return allowed


class _CheckedAddress:
    """Connect only to addresses checked before connecting: nothing private is ever touched, and
    the name is resolved once, so a second answer (DNS rebinding) cannot differ from the checked
    one. TLS still verifies the certificate against the host name."""

    def _new_conn(self):
        name, last_error = self._dns_host, None
        for address in allowed_addresses(name, self.port):
            self._dns_host = address
            try:
                return super()._new_conn()
            except (NewConnectionError, ConnectTimeoutError) as error:
                last_error = error
            finally:
                self._dns_host = name
        raise last_error


class _CheckedHTTPConnection(_CheckedAddress, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_CheckedAddress, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }


def _webhook_session() -> requests.Session:
    """No proxies, .netrc or other settings from the environment: a proxy would make the address
    checked the proxy's, not the receiver's."""
    session = requests.Session()
    session.trust_env = False
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
