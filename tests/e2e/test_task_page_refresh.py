"""The task page refreshes #live every 2 s while a recording runs: what a person types or is told
must survive those refreshes (found racing: a slow control's answer was swallowed by a refresh
that landed first, and the whiteboard ID was wiped while being typed)."""

from __future__ import annotations

import time
import uuid

import pytest

from recordings import services, views
from recordings.models import Room
from tests.e2e.conftest import log_in, shoot
from tests.recordings.conftest import (
    mixed_options,
    zego_app,  # noqa: F401 (a fixture)
)
from tests.recordings.conftest import profile as seaweed_profile  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def task(live_server, settings, emulator, zego_app, seaweed_profile, personas):  # noqa: F811
    settings.ZEGO_CALLBACK_BASE_URL = live_server.url
    app = zego_app
    emulator.publish("board-room", "teacher", "teacher-cam")
    room = Room.objects.create(app=app, room_id="board-room")
    return services.recording_start(
        app=app,
        room=room,
        options=mixed_options(seaweed_profile, whiteboard_id="board-1"),
        user=personas["support"],
        click_token=uuid.uuid4(),
    )


def wait_for_a_refresh(page) -> None:
    page.evaluate("document.getElementById('live').dataset.seen = '1'")
    page.locator("#live:not([data-seen])").wait_for(timeout=10_000)


def test_a_slow_controls_answer_is_not_lost_to_a_refresh(page, live_server, task, monkeypatch):
    real_snapshot = views.CONTROL_ACTIONS["snapshot"]

    def slow_snapshot(**kwargs):
        time.sleep(2.5)  # longer than the refresh period: a refresh fires while it is in flight
        return real_snapshot(**kwargs)

    monkeypatch.setitem(views.CONTROL_ACTIONS, "snapshot", slow_snapshot)
    log_in(page, live_server.url, "support")
    page.goto(f"{live_server.url}/recordings/{task.pk}/")
    page.get_by_role("button", name="Take snapshot").click()
    flash = page.locator(".flash", has_text="Snapshot requested")
    flash.wait_for(timeout=10_000)
    wait_for_a_refresh(page)  # a refresh with nothing to say leaves the message up
    assert flash.is_visible()


def test_a_whiteboard_id_being_typed_survives_refreshes(page, live_server, task):
    log_in(page, live_server.url, "support")
    page.goto(f"{live_server.url}/recordings/{task.pk}/")
    field = page.get_by_label("Whiteboard ID")
    field.fill("board-42")
    wait_for_a_refresh(page)
    wait_for_a_refresh(page)
    assert field.input_value() == "board-42"
    shoot(page, "task-whiteboard-typed")
    page.get_by_role("button", name="Switch whiteboard").click()
    page.locator(".flash", has_text="Whiteboard switched.").wait_for()


def test_the_whiteboard_switch_goes_when_the_recording_stops(page, live_server, task):
    log_in(page, live_server.url, "support")
    page.goto(f"{live_server.url}/recordings/{task.pk}/")
    page.get_by_label("Whiteboard ID").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Stop recording").click()
    page.get_by_label("Whiteboard ID").wait_for(state="detached", timeout=10_000)


def test_keyboard_focus_stays_on_a_control_across_refreshes(page, live_server, task):
    log_in(page, live_server.url, "support")
    page.goto(f"{live_server.url}/recordings/{task.pk}/")
    page.get_by_role("button", name="Take snapshot").focus()
    wait_for_a_refresh(page)
    assert page.evaluate("document.activeElement.id") == "control-snapshot"
