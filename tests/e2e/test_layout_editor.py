"""Support re-arranges a live mixed recording in the layout editor, and starts one with a drawn layout.

The live journey checks three things end to end: the emulator's task has exactly the drawn layout,
and a frame of the rendered file after the change shows each stream's colour where its tile was
put (the emulator paints stream n of a room in STREAM_COLOURS[n]).
"""

from __future__ import annotations

import json
import time

import av
import pytest

from recordings import services
from recordings.models import RecordingTask, Room, ZegoApp
from tests.e2e.conftest import log_in, shoot
from tests.recordings.conftest import mixed_options, new_click, wait_for
from zego_emulator.layout import template_tiles
from zego_emulator.media import STREAM_COLOURS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

W, H = 640, 360
STREAMS = [("alice", "alice-cam"), ("bob", "bob-cam"), ("carol", "carol-cam")]
RECT_KEYS = ("Left", "Top", "Right", "Bottom")


@pytest.fixture
def setup(emulator, seaweed_s3, personas):
    from storage_profiles.models import StorageProfile

    app = ZegoApp.objects.create(
        name="Emulated",
        app_id=emulator.app_id,
        server_secret=emulator.server_secret,
        callback_secret=emulator.callback_secret,
        api_url=emulator.url,
        rtc_api_url=emulator.url,
    )
    profile = StorageProfile.objects.create(
        name="Test bucket",
        vendor=10,
        region="us-east-1",
        bucket=seaweed_s3.bucket,
        endpoint=seaweed_s3.endpoint,
        access_key_id=seaweed_s3.access_key,
        secret=seaweed_s3.secret_key,
        path_prefix="recordings/",
        is_default=True,
    )
    for user, stream in STREAMS:
        emulator.publish("studio", user, stream)
    room = Room.objects.create(
        app=app,
        room_id="studio",
        streams=[{"stream_id": s, "user_id": u, "user_name": u.title()} for u, s in STREAMS],
    )
    return {"app": app, "profile": profile, "room": room, "user": personas["support"]}


def reconcile_until(task, *statuses, timeout=30):
    def settled():
        services.reconcile_all()
        task.refresh_from_db()
        return task.status in statuses

    wait_for(settled, timeout=timeout, interval=0.3)


def tile_rect(page, stream: str) -> tuple[int, ...]:
    value = page.locator(f'.le-tile[data-stream="{stream}"]').get_attribute("data-rect")
    return tuple(int(v) for v in value.split(","))


def drag(page, locator, dx_px: float, dy_px: float) -> None:
    box = locator.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx_px, y + dy_px, steps=12)
    page.mouse.up()


def close(colour, expected, tolerance=48) -> bool:
    return all(abs(int(a) - int(b)) <= tolerance for a, b in zip(colour, expected, strict=True))


def test_support_drags_resizes_and_applies_a_live_layout(
    page, live_server, setup, emulator, s3_client, seaweed_s3
):
    task = services.recording_start(
        app=setup["app"],
        room=setup["room"],
        options=mixed_options(setup["profile"], width=W, height=H, fps=10),
        user=setup["user"],
        click_token=new_click(),
    )
    reconcile_until(task, RecordingTask.Status.RECORDING)

    log_in(page, live_server.url, "support")
    page.goto(f"{live_server.url}/recordings/{task.pk}/")
    page.get_by_role("button", name="Edit layout").click()
    page.locator(".le.le-ready").wait_for()

    # The one-click starting points are ZEGO's geometry as the emulator draws it.
    for mode in (2, 3, 4, 5):
        for count in (1, 3, 7, 18):
            ids = [f"s{i}" for i in range(count)]
            drawn = page.evaluate(
                "([m, ids, w, h]) => RecdeskLayout.templateTiles(m, ids, w, h, 1, null)",
                [mode, ids, 1280, 720],
            )
            expected = template_tiles(mode, ids, 1280, 720)
            assert [
                (t["stream_id"], t["left"], t["top"], t["right"], t["bottom"]) for t in drawn
            ] == [(t.stream_id, t.left, t.top, t.right, t.bottom) for t in expected], (mode, count)

    # Opened on what is recording now: ZEGO's grid of the three streams.
    assert tile_rect(page, "alice-cam") == (0, 0, 320, 180)
    assert tile_rect(page, "carol-cam") == (160, 180, 480, 360)
    shoot(page, "layout-01-opened")
    scale = page.locator(".le-canvas").bounding_box()["width"] / W

    # Resize alice from its bottom-right handle, then drag carol to the bottom-right corner.
    alice = page.locator('.le-tile[data-stream="alice-cam"]')
    alice.click()
    drag(page, page.locator(".le-selection .le-handle-se"), -120 * scale, -60 * scale)
    carol = page.locator('.le-tile[data-stream="carol-cam"]')
    drag(page, carol, 160 * scale, 0)
    assert tile_rect(page, "alice-cam") == (0, 0, 200, 120)
    assert tile_rect(page, "carol-cam") == (320, 180, 640, 360)
    assert page.locator('[data-le="mode-badge"]').inner_text() == "Custom · 3 tiles"
    assert page.locator('[data-le="dirty"]').is_visible()

    # The inspector shows the exact numbers and edits them; a bad value is explained at the tile
    # and blocks Apply, and undo takes it back.
    assert page.get_by_role("spinbutton", name="Width px", exact=True).input_value() == "320"
    page.get_by_role("spinbutton", name="Width px", exact=True).fill("900")
    page.get_by_role("spinbutton", name="Width px", exact=True).press("Tab")
    problem = carol.locator(".le-tile-problem")
    assert "Right (1220) is beyond the canvas width (640)." in problem.inner_text()
    assert page.get_by_role("button", name="Apply to recording").is_disabled()
    shoot(page, "layout-02-problem")
    page.get_by_role("button", name="Undo").click()
    assert tile_rect(page, "carol-cam") == (320, 180, 640, 360)
    assert not problem.is_visible()

    # Keyboard: the selected tile moves with the arrow keys (Shift: by the grid step).
    carol.focus()
    page.keyboard.press("ArrowUp")
    assert tile_rect(page, "carol-cam") == (320, 179, 640, 359)
    page.keyboard.press("Control+z")
    assert tile_rect(page, "carol-cam") == (320, 180, 640, 360)
    shoot(page, "layout-03-edited")

    drawn = {s: tile_rect(page, s) for _, s in STREAMS}
    page.get_by_role("button", name="Apply to recording").click()
    page.get_by_text("ZEGO is recording this layout now.").wait_for()
    page.locator("#layout-history").get_by_text("Layout applied: custom, 3 tiles").wait_for()
    assert not page.locator('[data-le="dirty"]').is_visible()
    shoot(page, "layout-04-applied")

    # The emulator's task has exactly what was drawn.
    after = emulator.task(task.task_id)
    change = after["layouts"][-1]
    assert change["mix_mode"] == 1
    assert {t["StreamId"]: tuple(t[k] for k in RECT_KEYS) for t in change["tile_list"]} == drawn
    task.refresh_from_db()
    assert task.events.filter(kind="layout", zego_code=0, actor_label="support").count() == 1

    # Record a little with the new layout, stop, and wait for the file in the bucket.
    time.sleep(2.0)
    services.recording_stop(task=task, user=setup["user"])
    wait_for(
        lambda: (services.reconcile_all(), task.files.filter(upload_status=3).exists())[1],
        timeout=60,
        interval=0.5,
    )
    file = task.files.get(upload_status=3)
    body = s3_client.get_object(Bucket=seaweed_s3.bucket, Key=file.object_key)["Body"].read()

    change_second = (change["at_ms"] - after["started_ms"]) / 1000
    frame = first_frame_after(body, change_second + 0.8)
    colours = {stream: STREAM_COLOURS[index] for index, (_, stream) in enumerate(STREAMS)}
    for stream, (left, top, right, bottom) in drawn.items():
        x, y = (left + right) // 2, top + (bottom - top) // 5
        assert close(frame[y, x], colours[stream]), (stream, frame[y, x].tolist(), colours[stream])
    # Where carol was and where alice no longer reaches is now the black background.
    for x, y in ((240, 300), (260, 60)):
        assert close(frame[y, x], (0, 0, 0), tolerance=30), ((x, y), frame[y, x].tolist())


def first_frame_after(data: bytes, seconds: float):
    import io

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= seconds:
                return frame.to_ndarray(format="rgb24")
    raise AssertionError(f"no frame after {seconds:.2f} s")


def test_support_starts_a_recording_with_a_drawn_layout(page, live_server, setup, emulator):
    log_in(page, live_server.url, "support")
    page.goto(f"{live_server.url}/rooms/{setup['room'].pk}/start/")
    page.locator(".le.le-ready").wait_for()
    page.get_by_label("Resolution").select_option("640x360")
    page.get_by_role("button", name="Vertical").click()
    assert page.get_by_label("Layout", exact=True).input_value() == "4"
    assert page.locator("#id_custom_layout").input_value() == ""

    # Make it custom: move bob's tile with Shift+arrows, then size it in the inspector.
    bob = page.locator('.le-tile[data-stream="bob-cam"]')
    bob.focus()
    before = tile_rect(page, "bob-cam")
    page.keyboard.press("Shift+ArrowLeft")
    moved = tile_rect(page, "bob-cam")
    assert moved[0] < before[0] and moved[0] % 20 == 0
    page.get_by_role("spinbutton", name="X px", exact=True).fill("400")
    page.get_by_role("spinbutton", name="X px", exact=True).press("Enter")
    page.get_by_role("spinbutton", name="Width px", exact=True).fill("200")
    page.get_by_role("spinbutton", name="Width px", exact=True).press(
        "Enter"
    )  # commits the value, does not submit the form
    page.get_by_role("spinbutton", name="Height px", exact=True).fill("120")
    page.get_by_role("spinbutton", name="Height px", exact=True).press("Tab")
    bob_rect = tile_rect(page, "bob-cam")
    assert bob_rect == (400, 0, 600, 120)
    shoot(page, "layout-05-start-form")

    drawn = json.loads(page.locator("#id_custom_layout").input_value())["tiles"]
    assert {t["StreamId"] for t in drawn} == {s for _, s in STREAMS}
    page.get_by_role("button", name="Start recording").click()
    page.wait_for_url(f"{live_server.url}/recordings/*/")
    task = RecordingTask.objects.get()
    mix = task.request["RecordInputParams"]["MixConfig"]
    assert mix["MixMode"] == 1
    assert mix["MixInputList"] == drawn
    sent = emulator.task(task.task_id)["layouts"][0]["tile_list"]
    assert {t["StreamId"]: tuple(t[k] for k in RECT_KEYS) for t in sent}["bob-cam"] == bob_rect
