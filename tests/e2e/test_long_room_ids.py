"""A room ID of ZEGO's longest (128 characters, no spaces) wraps instead of widening its table."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from recordings.models import RecordingTask, Room, ZegoApp
from tests.e2e.conftest import log_in, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONG_ROOM_ID = "x" * 128
VIEWPORT_WIDTH = 1400


def test_a_128_character_room_id_keeps_the_rooms_table_within_the_window(
    browser, live_server, personas
):
    app = ZegoApp.objects.create(
        name="Local emulator", app_id=4343, server_secret="s" * 32, api_url="http://127.0.0.1:9"
    )
    fresh = timezone.now() + timezone.timedelta(minutes=5)  # no background refresh in the test
    Room.objects.create(app=app, room_id="demo-classroom", presence_refreshed_at=fresh)
    Room.objects.create(app=app, room_id=LONG_ROOM_ID, presence_refreshed_at=fresh)
    context = browser.new_context(viewport={"width": VIEWPORT_WIDTH, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "support")
        page.goto(f"{live_server.url}/rooms/")
        shown = page.locator("#rooms td strong", has_text=LONG_ROOM_ID)
        assert shown.inner_text() == LONG_ROOM_ID  # whole, only wrapped
        shoot(page, "rooms-long-room-id")
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT_WIDTH
        RecordingTask.objects.create(
            app=app,
            room=Room.objects.get(room_id=LONG_ROOM_ID),
            click_token=uuid.uuid4(),
            record_mode=2,
            stream_type=3,
            status=RecordingTask.Status.RECORDING,
        )
        for path in ("/recordings/", "/"):  # the list and the dashboard's live tasks
            page.goto(f"{live_server.url}{path}")
            page.get_by_text(LONG_ROOM_ID).first.wait_for()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= VIEWPORT_WIDTH, path
    finally:
        context.close()
