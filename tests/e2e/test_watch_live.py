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
    emulator,
    live_setup,  # noqa: F811 - the imported fixture
):
    log_in(page, live_server.url, "support")
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    refused = []
    page.on("response", lambda r: r.status >= 400 and refused.append(f"{r.status} {r.url}"))
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
    # ZEGO's upload result (event 1) comes a little after the end: the live view still plays its
    # last segments meanwhile, with no request refused on the way.
    emulator.add_fault(kind="reorder_callbacks", event_type=1, delay=6)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Stop recording").click()
    page.locator("#task-status").filter(has_text="Ended").wait_for(timeout=30_000)
    # The live view says so, without a reload, and is no longer marked live.
    state = page.locator("#live-state")
    state.filter(has_text="Recording ended").wait_for(timeout=10_000)
    assert page.locator("#watch-live .badge-live").count() == 0
    assert state.get_by_role("link", name="Play the whole recording").get_attribute("href") == (
        f"/player/{task.pk}/"
    )
    page.locator(".files .badge", has_text="Uploaded").first.wait_for(timeout=60_000)
    assert task.files.get().live_since is not None
    assert refused == [] and errors == [], (refused, errors)
    shoot(page, "live-02-ended")

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
    shoot(page, "live-03-player-speaker-activity")
