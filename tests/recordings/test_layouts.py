"""The layout editor's server side: validation (unit + hypothesis against the emulator),
applying a layout to a live task, the editor's views and layout presets, and the start form."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEntry
from recordings import layouts, services
from recordings.layouts import LayoutInvalid, layout_problems
from recordings.models import LayoutPreset, RecordingTask, TaskEvent
from tests.recordings.conftest import mixed_options, new_click, wait_for
from zego_emulator.layout import template_tiles

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
W, H = 320, 180  # mixed_options' canvas


def tile(stream="teacher-cam", left=0, top=0, right=160, bottom=90, layer=1, **extra):
    return {
        "StreamId": stream,
        "Left": left,
        "Top": top,
        "Right": right,
        "Bottom": bottom,
        "Layer": layer,
        "FillMode": 1,
        **extra,
    }


def custom(*tiles, width=W, height=H):
    return {"width": width, "height": height, "mix_mode": 1, "tiles": list(tiles)}


# ------------------------------------------------------------------------------ unit: rules


def test_a_valid_custom_layout_has_no_problems():
    layout = custom(tile(), tile("student-cam", 160, 90, 320, 180, layer=2))
    assert layout_problems(layout, width=W, height=H) == []


def test_a_problem_names_the_tile_and_the_field():
    layout = custom(tile(), tile("student-cam", 160, 0, 330, 90))
    problems = layout_problems(layout, width=W, height=H)
    assert [(p.index, p.field) for p in problems] == [(1, "Right")]
    assert layouts.problem_text(problems[0], layout["tiles"]) == (
        "Tile 2 (student-cam): Right (330) is beyond the canvas width (320)."
    )


def test_more_than_25_tiles_are_refused_as_a_whole():
    tiles = [tile(f"s{i}", 0, 0, 16, 16) for i in range(26)]
    problems = layout_problems(custom(*tiles), width=W, height=H)
    assert problems[0].index is None
    assert "at most 25" in problems[0].message


def test_tiny_tiles_and_a_stream_shown_twice_are_refused():
    problems = layout_problems(
        custom(tile(), tile("teacher-cam", 200, 0, 300, 50), tile("x", 0, 0, 4, 90)),
        width=W,
        height=H,
    )
    assert [(p.index, p.field) for p in problems] == [(1, "StreamId"), (2, "Right")]
    assert "already shown in tile 1" in problems[0].message
    assert "at least 8 × 8" in problems[1].message


def test_inverted_and_out_of_range_edges_are_explained():
    problems = layout_problems(
        custom(tile(left=100, right=50), tile("b", top=-1), tile("c", bottom=200)),
        width=W,
        height=H,
    )
    messages = {(p.index, p.field): p.message for p in problems}
    assert messages[(0, "Left")] == "Left (100) must not be greater than Right (50)."
    assert messages[(1, "Top")] == "Top must be between 0 and 1920, not -1."
    assert messages[(2, "Bottom")] == "Bottom (200) is beyond the canvas height (180)."


@pytest.mark.parametrize("mode", [2, 3, 4, 5])
def test_templates_need_no_tiles(mode):
    assert layout_problems({"mix_mode": mode}, width=W, height=H) == []


def test_a_custom_layout_needs_tiles_and_a_known_mode():
    assert "at least one tile" in layout_problems({"mix_mode": 1}, width=W, height=H)[0].message
    assert layout_problems({"mix_mode": 9}, width=W, height=H)[0].field == "MixMode"
    assert layout_problems("nope", width=W, height=H)[0].message == "The layout must be an object."


def test_clean_layout_keeps_only_zego_tile_keys_and_the_canvas():
    layout = custom(tile(extra_key="x", BackgroundImage=""), width=999)
    assert layouts.clean_layout(layout, width=W, height=H) == {
        "width": W,
        "height": H,
        "mix_mode": 1,
        "tiles": [tile()],
    }
    big = layouts.clean_layout({"mix_mode": 3, "max_resolution_stream_id": "a"}, width=W, height=H)
    assert big["max_resolution_stream_id"] == "a"


# ------------------------------------------------------------ hypothesis: validator vs emulator

coordinate_x = st.integers(min_value=-10, max_value=W + 20)
coordinate_y = st.integers(min_value=-10, max_value=H + 20)
streams = st.sampled_from(["teacher-cam", "student-cam", "late-joiner", None])


@st.composite
def tiles_strategy(draw):
    left, right = sorted([draw(coordinate_x), draw(coordinate_x)])
    top, bottom = sorted([draw(coordinate_y), draw(coordinate_y)])
    if draw(st.booleans()):  # sometimes inverted edges
        left, right = right, left
    generated = {
        "Left": left,
        "Top": top,
        "Right": right,
        "Bottom": bottom,
        "Layer": draw(st.integers(min_value=0, max_value=30)),
        "FillMode": draw(st.sampled_from([1, 1, 2, 3])),
    }
    stream = draw(streams)
    if stream:
        generated["StreamId"] = stream
    return generated


layouts_strategy = st.fixed_dictionaries(
    {
        "mix_mode": st.sampled_from([1, 1, 1, 1, 2, 3, 4, 5]),
        "tiles": st.lists(tiles_strategy(), min_size=0, max_size=4)
        | st.lists(tiles_strategy(), min_size=24, max_size=27),
    }
)


@pytest.fixture
def live_task(room, profile, personas, emulator):
    task = services.recording_start(
        app=room.app,
        room=room,
        options=mixed_options(profile),
        user=personas["support"],
        click_token=new_click(),
    )
    assert task.task_id
    return task


def emulator_layouts(emulator, task):
    return emulator.task(task.task_id)["layouts"]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(layout=layouts_strategy)
def test_what_the_validator_accepts_the_emulator_accepts(layout, live_task, emulator):
    """Accepted → UpdateLayout succeeds on a live task; rejected → every problem says which tile
    and field, and nothing reaches ZEGO."""
    problems = layout_problems(layout, width=W, height=H)
    client = emulator.client()
    if not problems:
        custom_mode = layout["mix_mode"] == 1
        client.update_layout(
            live_task.task_id,
            mix_mode=layout["mix_mode"],
            mix_input_list=layout["tiles"] if custom_mode else None,
            canvas=(W, H),
        )
        last = emulator_layouts(emulator, live_task)[-1]
        assert last["mix_mode"] == layout["mix_mode"]
        if custom_mode:
            assert [t["Right"] for t in last["tile_list"]] == [t["Right"] for t in layout["tiles"]]
        return
    count = len(layout["tiles"])
    for problem in problems:
        assert problem.message
        if problem.index is None:
            assert problem.field in ("MixInputList", "MixMode")
        else:
            assert 0 <= problem.index < count
            assert problem.field in layout["tiles"][problem.index] or problem.field in (
                "Right",
                "Bottom",
                "StreamId",
            )
            assert layouts.problem_text(problem, layout["tiles"]).startswith(
                f"Tile {problem.index + 1}"
            )
    before = len(emulator_layouts(emulator, live_task))
    with pytest.raises(LayoutInvalid):
        layouts.layout_apply(task=live_task, layout=layout, user=None)
    assert len(emulator_layouts(emulator, live_task)) == before


@settings(max_examples=15, deadline=None)
@given(
    data=st.data(),
    count=st.integers(min_value=1, max_value=25),
    size=st.sampled_from([(320, 180), (1280, 720), (720, 1280), (640, 360), (1920, 1080)]),
)
def test_template_starting_points_are_valid_custom_layouts(data, count, size):
    """The editor's starting points (the emulator's template geometry) pass the validator."""
    width, height = size
    mode = data.draw(st.sampled_from([2, 3, 4, 5]))
    ids = [f"s{i}" for i in range(count)]
    tiles = [
        {
            "StreamId": t.stream_id,
            "Left": t.left,
            "Top": t.top,
            "Right": t.right,
            "Bottom": t.bottom,
            "Layer": t.layer + 1,
        }  # fmt: skip
        for t in template_tiles(mode, ids, width, height)
    ]
    assert layout_problems(custom(*tiles), width=width, height=height) == []


# ----------------------------------------------------------------------- applying, live


def test_apply_sends_one_update_layout_and_records_who_when_what(live_task, emulator, personas):
    layout = custom(tile("student-cam", 0, 0, 200, 120), tile("teacher-cam", 200, 60, 320, 180))
    task = layouts.layout_apply(task=live_task, layout=layout, user=personas["support"])
    sent = emulator_layouts(emulator, live_task)
    assert len(sent) == 2  # the start layout, then ours
    assert [
        {k: t[k] for k in ("StreamId", "Left", "Top", "Right", "Bottom")}
        for t in sent[-1]["tile_list"]
    ] == [
        {k: t[k] for k in ("StreamId", "Left", "Top", "Right", "Bottom")} for t in layout["tiles"]
    ]
    event = task.events.get(kind=TaskEvent.Kind.LAYOUT)
    assert event.actor_label == "support"
    assert event.zego_code == 0
    assert event.detail["layout"]["tiles"] == layout["tiles"]
    assert "custom, 2 tiles: student-cam, teacher-cam" in event.message
    assert RecordingTask.objects.get(pk=task.pk).layout["tiles"] == layout["tiles"]
    assert AuditEntry.objects.filter(action="recording.layout", actor_label="support").exists()


def test_a_template_is_sent_as_its_mix_mode_without_tiles(live_task, emulator, personas):
    layouts.layout_apply(
        task=live_task,
        layout={"mix_mode": 3, "max_resolution_stream_id": "student-cam"},
        user=personas["support"],
    )
    last = emulator_layouts(emulator, live_task)[-1]
    assert (last["mix_mode"], last["tile_list"], last["max_resolution_stream_id"]) == (
        3,
        [],
        "student-cam",
    )


def test_an_invalid_layout_is_never_sent(live_task, emulator, personas):
    with pytest.raises(LayoutInvalid) as caught:
        layouts.layout_apply(
            task=live_task, layout=custom(tile(right=400)), user=personas["support"]
        )
    assert "Tile 1 (teacher-cam): Right (400) is beyond the canvas width (320)." in str(
        caught.value
    )
    assert len(emulator_layouts(emulator, live_task)) == 1
    assert not live_task.events.filter(kind=TaskEvent.Kind.LAYOUT).exists()


def test_a_zego_refusal_is_explained_and_kept_in_the_timeline(live_task, emulator, personas):
    emulator.add_fault(kind="rate_limit", action="UpdateLayout", count=3)
    with pytest.raises(services.ControlError, match="ZEGO code 300000003"):
        layouts.layout_apply(task=live_task, layout=custom(tile()), user=personas["support"])
    event = live_task.events.get(kind=TaskEvent.Kind.LAYOUT)
    assert event.message.startswith("Failed:")
    assert event.zego_code == 300000003
    assert AuditEntry.objects.filter(action="recording.layout", outcome="failed").exists()
    assert RecordingTask.objects.get(pk=live_task.pk).layout.get("tiles") == []


def test_fast_applies_stay_within_zegos_10_qps(live_task, emulator, personas):
    """25 applies as fast as possible: all succeed (no 300000003), paced by the shared limiter."""
    began = time.monotonic()
    for step in range(25):
        layouts.layout_apply(
            task=live_task, layout=custom(tile(left=step * 2)), user=personas["support"]
        )
    elapsed = time.monotonic() - began
    assert len(emulator_layouts(emulator, live_task)) == 26
    assert elapsed >= 2.0  # 25 calls at ≤ 10 per sliding second need at least 2 s
    assert live_task.events.filter(kind=TaskEvent.Kind.LAYOUT, zego_code=0).count() == 25


def test_a_second_apply_waits_for_the_first_and_gives_up_politely(live_task, monkeypatch):
    monkeypatch.setattr(layouts, "APPLY_WAIT_SECONDS", 0.1)
    lock = layouts._task_lock(live_task.pk)
    with lock, pytest.raises(services.ControlError, match="still being sent"):
        layouts.layout_apply(task=live_task, layout=custom(tile()), user=None)


def test_single_stream_and_ended_tasks_cannot_be_relaid_out(live_task, room, profile, personas):
    single = services.recording_start(
        app=room.app,
        room=room,
        options=mixed_options(profile, record_mode=1),
        user=personas["support"],
        click_token=new_click(),
    )
    with pytest.raises(services.ControlError, match="Only mixed recordings"):
        layouts.layout_apply(task=single, layout=custom(tile()), user=None)
    RecordingTask.objects.filter(pk=live_task.pk).update(status=RecordingTask.Status.ENDED)
    live_task.refresh_from_db()
    with pytest.raises(services.ControlError, match="has ended"):
        layouts.layout_apply(task=live_task, layout=custom(tile()), user=None)


# ----------------------------------------------------------------------------------- views


def apply_url(task):
    return reverse("recordings:layout_apply", args=[task.pk])


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_editor_page_carries_the_canvas_streams_and_current_layout(client_for, live_task):
    response = client_for("support").get(reverse("recordings:layout_editor", args=[live_task.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "data-layout-editor" in body
    assert "js/layout-editor.js" in body
    assert ' style="' not in body  # CSP: geometry is set from JS only
    config = response.context["editor_config"]
    assert (config["width"], config["height"]) == (W, H)
    assert [s["stream_id"] for s in config["streams"]] == ["teacher-cam", "student-cam"]
    assert config["current"]["mix_mode"] == 2
    assert config["apply_url"] == apply_url(live_task)


def test_the_task_page_links_to_the_editor_while_it_records(client_for, live_task):
    body = (
        client_for("support")
        .get(reverse("recordings:task_detail", args=[live_task.pk]))
        .content.decode()
    )
    assert reverse("recordings:layout_editor", args=[live_task.pk]) in body


def test_the_editor_explains_why_a_single_stream_task_has_no_layout(
    client_for, room, profile, personas, emulator
):
    task = services.recording_start(
        app=room.app,
        room=room,
        options=mixed_options(profile, record_mode=1),
        user=personas["support"],
        click_token=new_click(),
    )
    body = (
        client_for("support")
        .get(reverse("recordings:layout_editor", args=[task.pk]))
        .content.decode()
    )
    assert "Only mixed recordings have a layout" in body
    assert "data-layout-editor" not in body


def test_the_history_fragment_is_served_to_htmx(client_for, live_task, personas):
    layouts.layout_apply(task=live_task, layout=custom(tile()), user=personas["support"])
    response = client_for("support").get(
        reverse("recordings:layout_editor", args=[live_task.pk]), headers=HTMX
    )
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="layout-history"' in body
    assert "Layout applied: custom, 1 tile: teacher-cam" in body


def test_apply_view_answers_json_and_the_emulator_has_the_layout(client_for, live_task, emulator):
    layout = custom(tile("student-cam", 10, 10, 170, 100))
    response = post_json(client_for("support"), apply_url(live_task), {"layout": layout})
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True
    assert data["layout"]["tiles"] == layout["tiles"]
    assert emulator_layouts(emulator, live_task)[-1]["tile_list"][0]["Left"] == 10


def test_apply_view_shows_problems_per_tile_and_sends_nothing(client_for, live_task, emulator):
    layout = custom(tile(), tile("student-cam", 0, 0, 100, 500))
    response = post_json(client_for("support"), apply_url(live_task), {"layout": layout})
    assert response.status_code == 422
    data = response.json()
    assert data["problems"] == [
        {
            "index": 1,
            "field": "Bottom",
            "message": "Bottom (500) is beyond the canvas height (180).",
            "text": "Tile 2 (student-cam): Bottom (500) is beyond the canvas height (180).",
        }
    ]
    assert len(emulator_layouts(emulator, live_task)) == 1


def test_apply_view_shows_zegos_error_in_words(client_for, live_task, emulator):
    emulator.add_fault(kind="rate_limit", action="UpdateLayout", count=3)
    response = post_json(client_for("support"), apply_url(live_task), {"layout": custom(tile())})
    assert response.status_code == 502
    assert "ZEGO code 300000003" in response.json()["message"]


def test_apply_view_refuses_junk_and_other_roles(client_for, live_task):
    client = client_for("support")
    assert (
        client.post(apply_url(live_task), "not json", content_type="application/json").status_code
        == 400
    )
    assert post_json(client, apply_url(live_task), {"nope": 1}).status_code == 400
    reviewer = client_for("reviewer")
    assert post_json(reviewer, apply_url(live_task), {"layout": custom(tile())}).status_code == 403


# --------------------------------------------------------------------------------- presets


def test_a_layout_preset_is_saved_listed_and_deleted(client_for, zego_app):
    client = client_for("support")
    url = reverse("recordings:layout_presets", args=[zego_app.pk])
    layout = {**custom(tile()), "background_color": "#102030"}
    response = post_json(client, url, {"name": " Interview ", "layout": layout})
    assert response.status_code == 200
    preset = LayoutPreset.objects.get(app=zego_app, name="Interview")
    assert preset.layout == {**custom(tile()), "background_color": "#102030"}
    assert response.json()["presets"][0]["name"] == "Interview"
    # Saving the same name again replaces it.
    post_json(client, url, {"name": "Interview", "layout": {**custom(tile(right=320))}})
    assert LayoutPreset.objects.get().layout["tiles"][0]["Right"] == 320
    assert client.get(url).json()["presets"][0]["id"] == preset.pk
    delete = reverse("recordings:layout_preset_delete", args=[preset.pk])
    assert client.post(delete).json() == {"ok": True, "presets": []}
    assert AuditEntry.objects.filter(action="layout_preset.delete").exists()


def test_an_invalid_layout_preset_is_refused_with_reasons(client_for, zego_app):
    client = client_for("support")
    url = reverse("recordings:layout_presets", args=[zego_app.pk])
    assert post_json(client, url, {"name": "", "layout": custom(tile())}).status_code == 400
    big = post_json(client, url, {"name": "x", "layout": custom(tile(), width=1920, height=1920)})
    assert "1920 × 1080" in big.json()["message"]
    bad = post_json(client, url, {"name": "x", "layout": custom(tile(right=999))})
    assert bad.status_code == 422
    assert "Tile 1 (teacher-cam)" in bad.json()["message"]
    assert not LayoutPreset.objects.exists()


# ------------------------------------------------------------------------------ start form


def start_data(profile, **overrides):
    return {
        "click_token": str(uuid.uuid4()),
        "record_mode": "2",
        "stream_type": "3",
        "output_format": "mp4",
        "resolution": "640x360",
        "fps": "10",
        "bitrate_kbps": "500",
        "mix_mode": "2",
        "fill_mode": "1",
        "background_color": "#000000",
        "max_idle_time": "30",
        "max_record_time": "3600",
        "storage_profile": profile.pk,
        **overrides,
    }


def test_the_start_form_embeds_the_editor(client_for, room):
    response = client_for("support").get(reverse("recordings:room_start", args=[room.pk]))
    body = response.content.decode()
    assert "data-layout-editor" in body
    assert 'name="custom_layout"' in body
    assert "js/layout-editor.js" in body
    assert ' style="' not in body


def test_the_start_form_records_with_the_drawn_layout(client_for, room, profile, emulator):
    tiles = [tile("student-cam", 0, 0, 400, 360), tile("teacher-cam", 400, 0, 640, 180, layer=2)]
    response = client_for("support").post(
        reverse("recordings:room_start", args=[room.pk]),
        start_data(profile, custom_layout=json.dumps({"tiles": tiles})),
    )
    assert response.status_code == 302
    task = RecordingTask.objects.get()
    mix = task.request["RecordInputParams"]["MixConfig"]
    assert mix["MixMode"] == 1
    assert mix["MixInputList"] == tiles
    assert task.layout == {"width": 640, "height": 360, "mix_mode": 1, "tiles": tiles}
    sent = emulator.task(task.task_id)["layouts"][0]
    assert [(t["StreamId"], t["Right"]) for t in sent["tile_list"]] == [
        ("student-cam", 400),
        ("teacher-cam", 640),
    ]


def test_the_start_form_refuses_a_bad_drawn_layout_next_to_the_editor(client_for, room, profile):
    tiles = [tile("student-cam", 0, 0, 700, 360)]
    response = client_for("support").post(
        reverse("recordings:room_start", args=[room.pk]),
        start_data(profile, custom_layout=json.dumps({"tiles": tiles})),
        headers=HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Tile 1 (student-cam): Right (700) is beyond the canvas width (640)." in body
    assert "le-server-errors" in body
    assert not RecordingTask.objects.exists()


def test_a_recording_preset_keeps_the_drawn_layout(client_for, room, profile):
    from recordings.models import RecordingPreset

    tiles = [tile("student-cam", 0, 0, 320, 180)]
    client = client_for("support")
    client.post(
        reverse("recordings:room_start", args=[room.pk]),
        start_data(
            profile,
            custom_layout=json.dumps({"tiles": tiles}),
            preset_name="Solo",
            save_preset="1",
        ),
    )
    preset = RecordingPreset.objects.get(name="Solo")
    assert preset.options["custom_tiles"] == tiles
    page = client.get(reverse("recordings:room_start", args=[room.pk]), {"preset": preset.pk})
    assert json.loads(page.context["form"]["custom_layout"].value()) == {"tiles": tiles}


def test_a_snapshot_becomes_the_editors_thumbnails(client_for, live_task, emulator):
    """TakeSnapshot's picture, with the layout it shows, reaches the editor as a signed link."""
    import requests

    from tests.recordings.test_services import reconcile_until

    reconcile_until(live_task, RecordingTask.Status.RECORDING)
    services.recording_snapshot(task=live_task, user=None)

    def snapshot_callback():
        for delivery in emulator.control("GET", "callbacks").json()["callbacks"]:
            body = delivery["body"]
            files = body.get("detail", {}).get("file_info") or []
            if body["event_type"] == 1 and any(f["output_file_format"] == "jpg" for f in files):
                return body
        return None

    # ZEGO delivers the picture by callback: feed the emulator's (signed) one to our endpoint.
    body = wait_for(snapshot_callback, timeout=30)
    services.callback_ingest(app_id=str(emulator.app_id), body=json.dumps(body).encode())
    config = (
        client_for("support")
        .get(reverse("recordings:layout_editor", args=[live_task.pk]))
        .context["editor_config"]
    )
    assert config["snapshot"]["url"].startswith(emulator.s3_endpoint)
    assert config["snapshot"]["layout"]["mix_mode"] == 2
    picture = requests.get(config["snapshot"]["url"], timeout=10)
    assert picture.status_code == 200
    assert picture.content[:2] == b"\xff\xd8"  # a JPEG
