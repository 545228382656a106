"""Support: open Rooms, start a mixed recording, watch it record, stop it, see the file — no reload."""

import re

import pytest

from accounts.roles import SUPPORT
from recordings.models import RecordingPreset, RecordingTask, Room, ZegoApp
from tests.e2e.conftest import log_in, shoot
from tests.fixtures.personas import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_setup(live_server, settings, emulator, seaweed_s3, personas):
    from storage_profiles.models import StorageProfile

    settings.ZEGO_CALLBACK_BASE_URL = live_server.url
    app = ZegoApp.objects.create(
        name="Emulator",
        app_id=emulator.app_id,
        server_secret=emulator.server_secret,
        callback_secret=emulator.callback_secret,
        api_url=emulator.url,
        rtc_api_url=emulator.url,
    )
    StorageProfile.objects.create(
        name="Test bucket",
        vendor=10,
        region="us-east-1",
        bucket=seaweed_s3.bucket,
        endpoint=seaweed_s3.endpoint,
        access_key_id=seaweed_s3.access_key,
        secret=seaweed_s3.secret_key,
        path_prefix="e2e/",
        is_default=True,
    )
    emulator.publish("demo-classroom", "teacher", "teacher-cam")
    emulator.publish("demo-classroom", "student", "student-cam")
    Room.objects.create(app=app, room_id="demo-classroom")
    RecordingPreset.objects.create(
        app=app,
        name="Small and quick",
        options={"record_mode": 2, "width": 640, "height": 360, "fps": 10, "bitrate_kbps": 400},
    )
    return app


def test_support_records_a_room_from_start_to_uploaded_file(page, browser, live_server, live_setup):
    csp_errors = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    log_in(page, live_server.url, "support")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rooms").click()
    page.get_by_text("teacher-cam").first.wait_for()
    shoot(page, "support-01-rooms")

    page.get_by_role("button", name="Start recording demo-classroom").click()
    page.get_by_label("Recording preset").select_option(label="Small and quick")
    page.get_by_label("Resolution").filter(
        has=page.locator("option[value='640x360']:checked")
    ).wait_for()
    # The cost estimate follows the fields as they change, and leaves the rest of the form alone.
    page.get_by_label("Planned length (min)").fill("30")
    page.get_by_label("Planned length (min)").press("Tab")
    page.locator("#cost-estimate", has_text="for 30 min").wait_for()
    assert page.get_by_label("Resolution").input_value() == "640x360"
    shoot(page, "support-02-start-form")
    page.get_by_role("button", name="Start recording").click()
    page.wait_for_url(re.compile(r".*/recordings/\d+/$"))
    task_url = page.url

    status = page.locator("#task-status")
    status.filter(has_text="Recording").wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    shoot(page, "support-03-task-recording")

    # Re-arrange the mix while it records: one click on a starting point, then Apply.
    page.get_by_role("button", name="Edit layout").click()
    page.locator(".le.le-ready").wait_for()
    page.get_by_role("button", name="Horizontal").first.click()
    page.get_by_role("button", name="Apply to recording").click()
    page.get_by_text("ZEGO is recording this layout now.").wait_for()
    shoot(page, "support-03b-layout-applied")
    page.goto(task_url)

    page.get_by_role("button", name="Take snapshot").click()
    page.locator(".flash").get_by_text("Snapshot requested").wait_for()
    page.get_by_role("button", name="Pause").click()
    status.filter(has_text="Paused").wait_for()
    page.get_by_role("button", name="Resume").click()
    status.filter(has_text="Recording").wait_for()

    # A second support person watches the same task from their own browser.
    make_user("support-2", SUPPORT)
    colleague_context = browser.new_context(viewport={"width": 1360, "height": 900})
    colleague = colleague_context.new_page()
    log_in(colleague, live_server.url, "support-2")
    colleague.goto(task_url)
    colleague.locator("#task-status").filter(has_text="Recording").wait_for()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Stop recording").click()
    page.locator("a.file-url").first.wait_for(timeout=60_000)
    status.filter(has_text="Ended").wait_for(timeout=30_000)
    shoot(page, "support-04-task-ended")

    page.locator(".snapshots img").first.wait_for()  # the snapshot, shown from the bucket
    page.wait_for_function("() => document.querySelector('.snapshots img').naturalWidth === 640")
    colleague.locator("#task-status").filter(has_text="Ended").wait_for(timeout=30_000)
    colleague.locator("a.file-url").first.wait_for()
    shoot(colleague, "support-05-colleague-sees-it-end")
    colleague_context.close()

    assert page.url == task_url  # everything arrived without a reload
    task = RecordingTask.objects.get()
    assert task.request["RecordInputParams"]["MixConfig"]["MixOutputVideoConfig"]["Width"] == 640
    actions = list(
        task.events.filter(kind__in=["api_call", "layout"]).values_list("action", flat=True)
    )
    assert actions == [
        "StartRecord",
        "UpdateLayout",
        "TakeSnapshot",
        "PauseRecord",
        "ResumeRecord",
        "StopRecord",
    ]
    assert task.files.filter(output_format="jpg").exists()  # the snapshot arrived by callback
    assert task.status == RecordingTask.Status.ENDED
    assert task.callbacks_received >= 2
    assert task.files.get(output_format="mp4").upload_status == 3
    assert csp_errors == []


def test_with_callbacks_dropped_support_still_sees_the_end_and_that_callbacks_were_missed(
    page, live_server, live_setup, emulator, settings
):
    settings.CALLBACK_GRACE_SECONDS = 1
    emulator.add_fault(kind="drop_callbacks")
    log_in(page, live_server.url, "support")
    room = Room.objects.get()
    page.goto(f"{live_server.url}/rooms/{room.pk}/start/")
    page.get_by_label("Resolution").select_option("640x360")
    page.get_by_role("button", name="Start recording").click()
    page.wait_for_url(re.compile(r".*/recordings/\d+/$"))
    page.locator("#task-status").filter(has_text="Recording").wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Stop recording").click()

    page.locator("#task-status").filter(has_text="Ended").wait_for(timeout=60_000)
    page.get_by_text("no callback arrived").wait_for(timeout=30_000)
    shoot(page, "fault-01-callbacks-missed")
    task = RecordingTask.objects.get()
    assert task.callbacks_received == 0
    assert task.files.get().upload_status == 3
