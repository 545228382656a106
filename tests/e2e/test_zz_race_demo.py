"""SCRATCH (to be deleted): provoke the product's polling races by slowing the polls down."""

import time
import uuid

import pytest

from recordings.models import RecordingTask, Room, ZegoApp
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_task(personas, monkeypatch):
    from recordings import services, views

    # No ZEGO behind this app: polls do not ask it, and a snapshot "succeeds" at once.
    monkeypatch.setattr(services, "watched_task_is_stale", lambda task: False)
    monkeypatch.setitem(views.CONTROL_ACTIONS, "snapshot", lambda **kw: None)
    app = ZegoApp.objects.create(
        name="Dead",
        app_id=4243,
        server_secret="s" * 32,
        api_url="http://127.0.0.1:9",
        rtc_api_url="http://127.0.0.1:9",
    )
    room = Room.objects.create(app=app, room_id="race-room")
    return RecordingTask.objects.create(
        app=app,
        room=room,
        task_id="RACE000000000001",
        click_token=uuid.uuid4(),
        status="recording",
        record_mode=2,
        stream_type=3,
        request={"RecordInputParams": {"HasWhiteboard": True}},
    )


def test_whiteboard_id_being_typed_survives_the_refresh(page, live_server, live_task):
    log_in(page, live_server.url, "support")
    page.goto(f"{live_server.url}/recordings/{live_task.pk}/")
    box = page.get_by_label("Whiteboard ID")
    box.click()
    page.keyboard.type("board-42")
    page.wait_for_timeout(2600)  # one #live refresh
    assert box.input_value() == "board-42"


def test_a_control_answer_survives_a_poll_that_lands_first(page, live_server, live_task, monkeypatch):
    from recordings import views

    def slow_snapshot(**kwargs):
        time.sleep(2.5)  # a ZEGO call on a loaded machine; a 2 s poll goes out meanwhile

    monkeypatch.setitem(views.CONTROL_ACTIONS, "snapshot", slow_snapshot)
    log_in(page, live_server.url, "support")
    page.goto(f"{live_server.url}/recordings/{live_task.pk}/")
    errors = []
    page.on("console", lambda m: errors.append(m.text))
    page.get_by_role("button", name="Take snapshot").click()
    page.locator(".flash", has_text="Snapshot requested").wait_for(timeout=6000)


def test_a_filter_survives_a_poll_already_under_way(page, live_server, live_task, monkeypatch):
    from recordings import views

    other = RecordingTask.objects.create(
        app=live_task.app,
        room=Room.objects.create(app=live_task.app, room_id="other-room"),
        task_id="RACE000000000002",
        click_token=uuid.uuid4(),
        status="recording",
        record_mode=2,
        stream_type=3,
    )
    assert other
    real = views.render

    def slow_polls(request, *args, **kwargs):
        if request.headers.get("HX-Request") and request.headers.get("HX-Trigger") != "results":
            time.sleep(3.5)  # the filtered query is slow; a 3 s poll lands meanwhile
        return real(request, *args, **kwargs)

    log_in(page, live_server.url, "support")
    page.goto(f"{live_server.url}/recordings/")
    monkeypatch.setattr(views, "render", slow_polls)
    page.get_by_label("Room ID").fill("other-room")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/recordings/?*room=other-room*")
    page.wait_for_timeout(2500)
    rows = page.locator("#results tbody tr")
    assert rows.count() == 1, rows.all_inner_texts()


def test_storage_journey_with_a_slow_finish(page, live_server, personas, seaweed_s3, settings, monkeypatch):
    from storage_profiles import services
    from tests.e2e import test_storage_journey

    real = services._finish

    def slow_finish(*args, **kwargs):
        time.sleep(1.5)  # the last step is saved; the run is not finished yet (a loaded machine)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_finish", slow_finish)
    test_storage_journey.test_storage_admin_adds_probes_breaks_and_fixes_a_profile(
        page, live_server, personas, seaweed_s3, settings
    )


def test_ready_state_right_after_a_navigating_click(page, live_server, personas):
    log_in(page, live_server.url, "admin")
    states = []
    for _ in range(15):
        page.goto(f"{live_server.url}/storage/")
        page.get_by_role("button", name="Add profile").click()
        states.append(
            page.evaluate("[document.readyState, !!document.querySelector('#profile-form')]")
        )
    assert False, states
