"""Every main page passes axe-core's WCAG 2 A/AA checks (serious and critical) and works by keyboard."""

from __future__ import annotations

import uuid

import pytest

from recordings.models import RecordingFile, RecordingTask, Room, ZegoApp
from tests.e2e.conftest import accessibility_violations, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def objects(personas):
    from storage_profiles.models import StorageProfile

    app = ZegoApp.objects.create(
        name="A11y",
        app_id=4242,
        server_secret="s" * 32,
        api_url="http://127.0.0.1:9",
        rtc_api_url="http://127.0.0.1:9",
    )
    profile = StorageProfile.objects.create(
        name="Bucket",
        vendor=10,
        region="us-east-1",
        bucket="bkt",
        endpoint="http://127.0.0.1:9",
        access_key_id="k",
        secret="s",
        path_prefix="r/",
    )
    room = Room.objects.create(
        app=app, room_id="a11y-room", streams=[{"stream_id": "cam-1", "user_id": "u1"}]
    )
    task = RecordingTask.objects.create(
        app=app,
        room=room,
        task_id="A11YTASK00000001",
        click_token=uuid.uuid4(),
        status="ended",
        record_mode=2,
        stream_type=3,
        storage_profile=profile,
        end_callback_received=True,
    )
    RecordingFile.objects.create(
        task=task, file_id="a11y.mp4", upload_status=3, output_format="mp4", object_key="r/a11y.mp4"
    )
    return {"app": app, "profile": profile, "room": room, "task": task}


PAGES = [
    "/",
    "/rooms/",
    "/rooms/{room}/start/",
    "/recordings/",
    "/recordings/{task}/",
    "/files/",
    "/player/{task}/",
    "/storage/",
    "/storage/new/?vendor=10",
    "/storage/{profile}/",
    "/apps/",
    "/apps/new/",
    "/accounts/audit/",
]


def test_main_pages_have_no_serious_accessibility_violations(browser, live_server, objects):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    login_problems = accessibility_violations(page)
    log_in(page, live_server.url, "admin")
    found = {"/accounts/login/": login_problems} if login_problems else {}
    ids = {"room": objects["room"].pk, "task": objects["task"].pk, "profile": objects["profile"].pk}
    for template in PAGES:
        page.goto(live_server.url + template.format(**ids))
        problems = accessibility_violations(page)
        if problems:
            found[template] = problems
    context.close()
    assert found == {}


def test_the_start_form_can_be_filled_and_sent_by_keyboard_alone(page, live_server, objects):
    log_in(page, live_server.url, "support")
    page.goto(f"{live_server.url}/rooms/{objects['room'].pk}/start/")
    page.keyboard.press("Tab")
    focused = []
    for _ in range(80):
        page.keyboard.press("Tab")
        focused.append(
            page.evaluate(
                "document.activeElement.getAttribute('name') || document.activeElement.textContent.trim()"
            )
        )
    assert "max_idle_time" in focused
    assert "start" in focused  # the Start recording button (name="start")
