"""A reviewer finds recordings the emulator made, plays MP4 and HLS in chromium, jumps to a
chapter, and keeps playing across URL expiries (URLs live 4 s here)."""

from __future__ import annotations

import csv
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from playback.presign import presigner_for
from recordings import services as recording_services
from recordings.models import RecordingTask
from tests.e2e.conftest import log_in, shoot
from tests.playback import conftest as playback_conftest
from tests.playback.conftest import make_files, make_task
from tests.recordings import conftest as recordings_conftest
from tests.recordings.conftest import mixed_options, new_click, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
# The recordings fixtures: the emulator's app, a SeaweedFS profile, a room with two publishers.
zego_app = recordings_conftest.zego_app
profile = recordings_conftest.profile
room = recordings_conftest.room
offline_app = playback_conftest.offline_app
offline_profile = playback_conftest.offline_profile
S = RecordingTask.Status
TTL = 4


def record_together(room, profile, user, seconds: float) -> dict[str, RecordingTask]:
    """An MP4 and an HLS recording of the same room at once (one wait instead of two)."""
    tasks = {
        fmt: recording_services.recording_start(
            app=room.app,
            room=room,
            options=mixed_options(profile, output_format=fmt),
            user=user,
            click_token=new_click(),
        )
        for fmt in ("mp4", "hls")
    }

    def all_recording():
        recording_services.reconcile_all()
        return all(t.status == S.RECORDING for t in RecordingTask.objects.all())

    wait_for(all_recording, timeout=30)
    time.sleep(seconds / 2)
    recording_services.recording_snapshot(task=tasks["mp4"], user=user)
    time.sleep(seconds / 2)
    for task in tasks.values():
        recording_services.recording_stop(task=task, user=user)

    def uploaded():
        recording_services.reconcile_all()
        return all(
            t.files.exists() and not t.files.exclude(upload_status=3).exists()
            for t in tasks.values()
        )

    wait_for(uploaded, timeout=60, interval=0.3)
    return tasks


def media_state(page, selector="video"):
    return page.evaluate(
        """(selector) => { const v = document.querySelector(selector);
             return {t: v.currentTime, error: v.error && v.error.code, paused: v.paused,
                     src: v.currentSrc, ready: v.readyState}; }""",
        selector,
    )


def start_muted(page, selector="video"):
    # Muted media may autoplay without a user gesture.
    page.evaluate(
        "(s) => { const v = document.querySelector(s); v.muted = true; v.play(); }", selector
    )


def wait_playing_past(page, seconds: float, selector="video", timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = media_state(page, selector)
        assert not state["error"], state
        if state["t"] > seconds:
            return state
        time.sleep(0.2)
    raise AssertionError(f"{selector} did not play past {seconds} s: {media_state(page, selector)}")


def test_a_reviewer_plays_mp4_and_hls_through_url_expiry(
    page, live_server, personas, room, profile, emulator, settings
):
    settings.PLAYBACK_URL_TTL = TTL
    settings.PLAYBACK_HLS_BUFFER_SECONDS = 2
    tasks = record_together(room, profile, personas["support"], seconds=6)

    log_in(page, live_server.url, "reviewer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Files").click()
    page.get_by_label("Room ID").fill(room.room_id)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/files/?*room=class-1*")
    shoot(page, "reviewer-01-files")
    assert page.locator("#results tbody tr").count() >= 2  # the mp4 and the hls playlist

    # MP4: plays natively from a presigned URL, keeps going while its URLs expire and renew.
    page.goto(f"{live_server.url}/player/{tasks['mp4'].pk}/")
    loaded = time.monotonic()
    player = page.locator("#player")
    first_src = media_state(page)["src"]
    assert "X-Amz-Signature" in first_src
    start_muted(page)
    wait_playing_past(page, 1.0)
    shoot(page, "reviewer-02-player-mp4")

    # Jump to the snapshot chapter (taken half-way through).
    chapter = page.get_by_role("button", name="Snapshot")
    seek_to = float(chapter.get_attribute("data-seek"))
    assert 1.5 < seek_to < 5.5
    chapter.click()
    state = media_state(page)
    assert abs(state["t"] - seek_to) < 0.6, state
    assert chapter.get_attribute("aria-current") == "true" or abs(state["t"] - seek_to) < 0.6

    # Past the first URL's expiry: S3 now refuses it, the player renewed in time.
    time.sleep(max(0.0, TTL + 0.5 - (time.monotonic() - loaded)))
    wait_for(lambda: int(player.get_attribute("data-renewals")) >= 1, timeout=10)
    assert requests.get(first_src, timeout=5).status_code == 403
    page.evaluate(
        "() => { const v = document.querySelector('video'); v.currentTime = 0; v.play(); }"
    )
    wait_playing_past(page, 1.0)

    # A laptop that slept through the renewal: the element meets an expired URL mid-playback
    # (a new one, so that chromium's media cache cannot answer for it).
    mp4 = tasks["mp4"].files.get(output_format="mp4")
    expired = presigner_for(profile).url(mp4.object_key, expires_in=1)
    time.sleep(2.1)
    assert requests.get(expired, timeout=5).status_code == 403
    page.evaluate(
        "(url) => { const v = document.querySelector('video'); v.src = url; v.play().catch(() => {}); }",
        expired,
    )
    wait_for(lambda: int(player.get_attribute("data-recoveries") or 0) >= 1, timeout=10)
    wait_for(lambda: media_state(page)["src"] != expired, timeout=10)
    state = wait_playing_past(page, 1.5)
    assert not state["error"]
    shoot(page, "reviewer-03-player-after-expiry")

    # HLS: hls.js (or native HLS) through the console's playlist; segments keep coming after the
    # first URLs expired, because each one is presigned on request.
    page.goto(f"{live_server.url}/player/{tasks['hls'].pk}/")
    figure = page.locator(".track").first
    assert figure.get_attribute("data-kind") == "hls"
    start_muted(page)
    wait_playing_past(page, 1.0)
    assert figure.get_attribute("data-engine") == "hls.js"
    time.sleep(TTL + 0.5)
    page.evaluate(
        "() => { const v = document.querySelector('video'); v.currentTime = 0.2; v.play(); }"
    )
    wait_playing_past(page, 2.0)
    shoot(page, "reviewer-04-player-hls")


def test_a_reviewer_finds_plays_jumps_to_the_layout_change_and_shares_then_revokes(
    page, browser, live_server, personas, room, profile, emulator
):
    from django.utils import timezone

    from recordings.layouts import layout_apply

    support = personas["support"]
    task = recording_services.recording_start(
        app=room.app,
        room=room,
        options=mixed_options(profile),
        user=support,
        click_token=new_click(),
    )
    wait_for(lambda: recording_services.reconcile_one(task).status == S.RECORDING, timeout=20)
    time.sleep(1.5)
    task.refresh_from_db()
    layout_apply(task=task, layout={"mix_mode": 3}, user=support)  # horizontal, mid-recording
    time.sleep(1.5)
    recording_services.recording_stop(task=task, user=support)
    wait_for(
        lambda: (recording_services.reconcile_all(), task.files.filter(upload_status=3).exists())[
            1
        ],
        timeout=40,
    )

    log_in(page, live_server.url, "reviewer")
    page.goto(f"{live_server.url}/files/")
    page.get_by_label("Room ID").fill(room.room_id)
    page.get_by_label("From").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/files/?*room=class-1*")
    # The export takes the filters htmx applied, not those the page was loaded with.
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    assert "room=class-1" in download.value.url
    with open(download.value.path(), encoding="utf-8") as exported:
        rows = list(csv.DictReader(exported))
    assert rows and {row["room"] for row in rows} == {room.room_id}
    page.get_by_role("link", name="Play").first.click()
    page.locator("#player").wait_for()

    chapter = page.get_by_role("button", name="Layout changed")
    seek_to = float(chapter.get_attribute("data-seek"))
    assert 1.0 < seek_to < 4.0
    start_muted(page)
    chapter.click()
    wait_playing_past(page, seek_to)
    shoot(page, "reviewer-05-layout-chapter")

    page.get_by_text("Share links").first.click()
    page.get_by_role("button", name="Create link").first.click()
    link = page.locator("input.share-url").first.input_value()
    assert "/share/" in link

    stranger_context = browser.new_context()
    stranger = stranger_context.new_page()
    opened = stranger.goto(link)
    assert opened.status == 200
    stranger.locator("video").wait_for()
    shoot(stranger, "reviewer-06-shared-link")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").first.click()
    page.get_by_text("revoked", exact=False).first.wait_for()
    refused = stranger.goto(link)
    assert refused.status == 410
    assert stranger.get_by_text("This link was revoked.").is_visible()
    shoot(stranger, "reviewer-07-revoked-link")
    stranger_context.close()


def offline_hls_task():
    """An uploaded HLS recording whose bucket is never reached (the test answers its playlist)."""
    import uuid

    from recordings.models import RecordingFile, Room, ZegoApp
    from storage_profiles.models import StorageProfile

    app = ZegoApp.objects.create(name="Offline", app_id=78, server_secret="s" * 32)
    bucket = StorageProfile.objects.create(
        name="Offline bucket",
        vendor=10,
        region="us-east-1",
        bucket="offline",
        endpoint="http://127.0.0.1:9",
        access_key_id="AK",
        secret="offline-secret",
    )
    task = RecordingTask.objects.create(
        app=app,
        room=Room.objects.create(app=app, room_id="room-404"),
        task_id="T404404404404404",
        click_token=uuid.uuid4(),
        status=S.ENDED,
        record_mode=2,
        stream_type=3,
        storage_profile=bucket,
    )
    RecordingFile.objects.create(
        task=task,
        app=app,
        file_id="T404404404404404_room-404_mix_VA_20260101000000000.m3u8",
        stream_id="mix",
        output_format="hls",
        object_key="T404404404404404_room-404_mix_VA_20260101000000000.m3u8",
        upload_status=3,
        size=100,
    )
    return task


def test_a_playlist_that_keeps_failing_is_retried_with_backoff_then_shown_not_stormed(
    page, live_server, personas
):
    """A 404 (or a login page) for every playlist request: hls.js is given 5 more tries at 1, 2,
    4, 8 and 16 s, not one per event loop turn, and then the track says it cannot load."""
    task = offline_hls_task()
    requests_seen = []

    def not_found(route):
        requests_seen.append(route.request.url)
        route.fulfill(status=404, body="No such playlist.")

    log_in(page, live_server.url, "reviewer")
    start = datetime.now(UTC)
    page.clock.install(time=start)
    page.clock.pause_at(start + timedelta(seconds=1))  # timers fire only when the test says so
    page.route("**/playlist.m3u8", not_found)
    page.goto(f"{live_server.url}/player/{task.pk}/")
    figure = page.locator(".track").first
    for _ in range(20):
        if figure.get_attribute("data-hls-state") == "retrying":
            break
        page.clock.run_for(50)
        page.wait_for_timeout(100)
    assert figure.get_attribute("data-hls-state") == "retrying"
    page.clock.run_for(900)
    page.wait_for_timeout(500)
    assert len(requests_seen) == 1  # no retry before its second
    # From here the fake clock moves in small steps, each given real time to let the page work:
    # how soon hls.js issues a request after its timer fires depends on how busy the machine is.
    for _ in range(100):
        if len(requests_seen) >= 2:
            break
        page.clock.run_for(100)
        page.wait_for_timeout(50)
    assert len(requests_seen) == 2
    for _ in range(200):
        if figure.get_attribute("data-hls-state") == "failed":
            break
        page.clock.run_for(1_000)
        page.wait_for_timeout(50)
    assert figure.get_attribute("data-hls-state") == "failed"
    assert "Cannot load this recording" in figure.locator(".track-state").inner_text()
    assert len(requests_seen) == 6, requests_seen


def test_a_new_share_link_is_copied_where_the_browser_allows_it_else_selected_with_a_word(
    browser, live_server, personas, offline_app, offline_profile
):
    file = make_files(make_task(offline_app, "room-share", offline_profile), 1)[0]

    def create_link(context):
        page = context.new_page()
        log_in(page, live_server.url, "reviewer")
        page.goto(f"{live_server.url}/player/{file.task_id}/")
        page.get_by_text("Share links").click()
        page.get_by_role("button", name="Create link").click()
        link = page.locator("input.share-url")
        link.wait_for()
        return page, link

    allowed = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page, link = create_link(allowed)
    page.get_by_text("Copied to the clipboard.").wait_for()
    assert "/share/" in link.input_value()
    assert page.evaluate("navigator.clipboard.readText()") == link.input_value()
    assert page.get_by_role("button", name="Copied").is_visible()
    shoot(page, "reviewer-08-link-copied")
    allowed.close()

    # Plain http on a LAN address: no clipboard API, and the old way refused.
    refused = browser.new_context()
    refused.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});"
        "document.execCommand = () => false;"
    )
    page, link = create_link(refused)
    page.get_by_text("the link is selected, press Ctrl+C").wait_for()
    selected = page.evaluate(
        "() => { const i = document.activeElement; return i.value.slice(i.selectionStart, i.selectionEnd); }"
    )
    assert selected == link.input_value() and "/share/" in selected
    shoot(page, "reviewer-09-link-selected")
    refused.close()
