from __future__ import annotations

import json

import pytest
from werkzeug.wrappers import Request, Response

from monitoring.models import AlertRule
from recordings.models import Room, ZegoApp
from tests.fixtures.emulator import CallbackReceiver

WEBHOOK_SECRET = "webhook-secret-0123456789abcdef"


class WebhookReceiver(CallbackReceiver):
    """The callback receiver, keeping each POST's raw body and headers to check signatures."""

    @Request.application
    def _app(self, request: Request) -> Response:
        raw = request.get_data()
        body = {
            "raw": raw,
            "json": json.loads(raw or b"{}"),
            "headers": dict(request.headers),
            "event_type": None,
            "task_id": None,
        }
        self.all.append(body)
        self.received.put(body)
        return Response(getattr(self, "answer", "ok"), status=self.status)


@pytest.fixture
def webhook_receiver(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the receiver listens on loopback
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def app(db) -> ZegoApp:
    return ZegoApp.objects.create(
        name="Monitored", app_id=777, server_secret="s" * 32, api_url="http://127.0.0.1:9"
    )


@pytest.fixture
def room(app) -> Room:
    return Room.objects.create(app=app, room_id="watched-room")


@pytest.fixture
def make_rule(app):
    def make(kind: str, **fields) -> AlertRule:
        fields.setdefault("email_to", "oncall@example.com")
        return AlertRule.objects.create(app=fields.pop("app", app), kind=kind, **fields)

    return make
