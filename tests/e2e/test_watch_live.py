"""Support watches a recording live on its task page while it records (HLS uploaded as it goes);
afterwards the player draws each stream's speaker activity under the video, and a click seeks."""

from __future__ import annotations

import re
import time

import pytest

from recordings.models import RecordingTask, Room
from tests.e2e.conftest import log_in, shoot
from tests.e2e.test_support_journey import live_setup  # noqa: F401 - a fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def video_time(page, selector: str) -> float:
    return page.evaluate(
        "(s) => { const v = document.querySelector(s); return v ? v.currentTime : -1; }", selector
    )


def wait_until_time_passes(page, selector: str, seconds: float, timeout: float = 30) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = video_time(page, selector)
        if now > seconds:
            return now
        time.sleep(0.25)
    state = page.evaluate(
        "(s) => { const v = document.querySelector(s); return v && {t: v.currentTime, "
        "paused: v.paused, ready: v.readyState, error: v.error && v.error.code}; }",
        selector,
    )
    raise AssertionError(f"{selector} did not play past {seconds} s: {state}")


def test_support_watches_live_then_the_player_shows_speaker_activity(
    page,
    live_server,
    live_setup,  # noqa: F811 - the imported fixture
):
    log_in(page, live_server.url, "support")
    room = Room.objects.get()
    page.goto(f"{live_server.url}/rooms/{room.pk}/start/")
    page.get_by_label("Recording preset").select_option(label="Small and quick")
    page.get_by_label("Resolution").filter(
        has=page.locator("option[value='640x360']:checked")
    ).wait_for()

    # Watching live needs HLS: said next to the box, nothing started.
    page.get_by_label("Watch live while it records").check()
    page.get_by_role("button", name="Start recording").click()
    page.get_by_text("Watching live needs HLS").wait_for()
    assert not RecordingTask.objects.exists()

    page.get_by_label("Output format").select_option("hls")
    page.get_by_label("Speaker activity").check()
    page.get_by_role("button", name="Start recording").click()
    page.wait_for_url(re.compile(r".*/recordings/\d+/$"))
    task = RecordingTask.objects.get()

    # The live view appears once ZEGO's first segments are up, and plays while it records.
    video = "#watch-live video"
    page.locator(video).wait_for(timeout=30_000)
    first = wait_until_time_passes(page, video, 0.5)
    page.wait_for_timeout(2500)
    later = video_time(page, video)
    assert later > first + 1.5, (first, later)
    page.locator("#task-status").filter(has_text="Recording").wait_for()
    assert page.locator("#watch-live [data-engine='hls.js']").count() == 1
    shoot(page, "live-01-watching-while-recording")

    page.wait_for_timeout(3000)  # some seconds of speaker activity
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Stop recording").click()
    page.locator("#task-status").filter(has_text="Ended").wait_for(timeout=30_000)
    page.locator(".files .badge", has_text="Uploaded").first.wait_for(timeout=60_000)
    assert task.files.get().live_since is not None

    # The player: one lane per stream, bars from the .sw file; a click on a lane seeks.
    page.goto(f"{live_server.url}/player/{task.pk}/")
    lanes = page.locator(".activity-lane")
    lanes.first.wait_for()
    assert sorted(lanes.evaluate_all("rows => rows.map(r => r.dataset.key)")) == [
        "student-cam",
        "teacher-cam",
    ]
    assert page.locator(".activity-lane .activity-bar").count() >= 2 * 6
    page.evaluate(
        "() => { const v = document.querySelector('#player video'); v.muted = true; v.play(); }"
    )
    wait_until_time_passes(page, "#player video", 0.3)
    seconds = float(
        page.locator("#activity-data").evaluate("n => JSON.parse(n.textContent).seconds")
    )
    bars = page.locator(".activity-lane .activity-bars").first
    box = bars.bounding_box()
    bars.click(position={"x": box["width"] * 0.75, "y": box["height"] / 2})
    seek = float(page.locator("#player").get_attribute("data-last-seek"))
    assert abs(seek - seconds * 0.75) < 1.0, (seek, seconds)
    assert abs(video_time(page, "#player video") - seek) < 1.0
    shoot(page, "live-02-player-speaker-activity")
