"""Mixed-stream layouts: validation (the server is the authority) and applying one live.

A layout, as the editor posts it and as `RecordingTask.layout` / `LayoutPreset.layout` store it:

    {"width": 1280, "height": 720, "mix_mode": 1,
     "tiles": [{"StreamId": "cam", "Left": 0, "Top": 0, "Right": 640, "Bottom": 360,
                "Layer": 1, "FillMode": 1}, ...],
     "max_resolution_stream_id": "cam"}          # optional, templates 3/4/5 only

`mix_mode` 1 sends the tiles; 2–5 are ZEGO's templates, which ZEGO lays out itself (and
rearranges as people join), so no tiles are sent for them. ZEGO's own rules come from
`zego.validate_layout`; the console adds two of its own (a tile must be big enough to see, and a
stream is shown once), because a layout breaking them is a mistake even if ZEGO would take it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import zego
from accounts.audit import audit
from accounts.models import AuditEntry
from recordings import ledger
from recordings.ledger import Observation
from recordings.models import RecordingTask, TaskEvent
from recordings.services import ControlError
from recordings.zego_clients import client_for, explain

MAX_TILES = 25
MIN_TILE_SIDE = 8  # px; smaller tiles are legal for ZEGO but invisible in the picture
MIX_MODE_NAMES = {1: "custom", 2: "grid", 3: "horizontal", 4: "vertical", 5: "floating"}
TILE_KEYS = ("StreamId", "Left", "Top", "Right", "Bottom", "Layer", "FillMode", "ViewType")
# How long a second Apply for the same task waits for the first to finish before giving up.
APPLY_WAIT_SECONDS = 20


class LayoutInvalid(ControlError):
    """The layout breaks a rule; nothing was sent to ZEGO. `problems` say which tile and why."""

    def __init__(self, problems: list[zego.LayoutProblem]):
        self.problems = problems
        super().__init__(describe_problems(problems))


# --------------------------------------------------------------------------------- validation


def layout_problems(
    layout: Any,
    *,
    width: int,
    height: int,
    whiteboard_allowed: bool = False,
) -> list[zego.LayoutProblem]:
    """Every problem with `layout` on a width × height canvas; empty means ZEGO will take it."""
    if not isinstance(layout, Mapping):
        return [zego.LayoutProblem(None, "layout", "The layout must be an object.")]
    mode = layout.get("mix_mode", zego.MixMode.CUSTOM)
    if not isinstance(mode, int) or isinstance(mode, bool) or mode not in MIX_MODE_NAMES:
        return [zego.LayoutProblem(None, "MixMode", "MixMode must be one of 1, 2, 3, 4, 5.")]
    problems: list[zego.LayoutProblem] = []
    big = layout.get("max_resolution_stream_id")
    if big is not None and not isinstance(big, str):
        problems.append(
            zego.LayoutProblem(
                None, "MixMaxResolutionStreamId", "The big-tile stream must be a stream ID."
            )
        )
    if mode != zego.MixMode.CUSTOM:
        return problems
    tiles = layout.get("tiles")
    if not tiles:
        return [
            *problems,
            zego.LayoutProblem(
                None, "MixInputList", "A custom layout needs at least one tile; add a stream."
            ),
        ]
    return problems + tile_problems(
        tiles, width=width, height=height, whiteboard_allowed=whiteboard_allowed
    )


def tile_problems(
    tiles: Any, *, width: int, height: int, whiteboard_allowed: bool = False
) -> list[zego.LayoutProblem]:
    """ZEGO's rules (`zego.validate_layout`) plus the console's own, per tile."""
    problems = zego.validate_layout(tiles, width, height, whiteboard_allowed=whiteboard_allowed)
    if not isinstance(tiles, list):
        return problems
    bad = {p.index for p in problems}
    seen: dict[str, int] = {}
    for index, tile in enumerate(tiles):
        if index in bad or not isinstance(tile, Mapping):
            continue
        tile_w, tile_h = tile["Right"] - tile["Left"], tile["Bottom"] - tile["Top"]
        if tile_w < MIN_TILE_SIDE or tile_h < MIN_TILE_SIDE:
            problems.append(
                zego.LayoutProblem(
                    index,
                    "Right" if tile_w < MIN_TILE_SIDE else "Bottom",
                    f"The tile is {tile_w} × {tile_h} px; make it at least "
                    f"{MIN_TILE_SIDE} × {MIN_TILE_SIDE} px so it can be seen.",
                )
            )
        stream = tile.get("StreamId")
        if stream and stream in seen:
            problems.append(
                zego.LayoutProblem(
                    index, "StreamId", f"{stream} is already shown in tile {seen[stream] + 1}."
                )
            )
        elif stream:
            seen[stream] = index
    return sorted(problems, key=lambda p: -1 if p.index is None else p.index)


def describe_problems(problems: list[zego.LayoutProblem], tiles: Any = None) -> str:
    """One line per problem, naming the tile (1-based, with its stream) and the field."""
    return " ".join(problem_text(p, tiles) for p in problems)


def problem_text(problem: zego.LayoutProblem, tiles: Any = None) -> str:
    if problem.index is None:
        return problem.message
    name = f"Tile {problem.index + 1}"
    if isinstance(tiles, list) and problem.index < len(tiles):
        tile = tiles[problem.index]
        if isinstance(tile, Mapping) and tile.get("StreamId"):
            stream = tile["StreamId"]
            name += f" ({stream})"
    return f"{name}: {problem.message}"


def problems_json(problems: list[zego.LayoutProblem], tiles: Any = None) -> list[dict]:
    return [
        {
            "index": p.index,
            "field": p.field,
            "message": p.message,
            "text": problem_text(p, tiles),
        }
        for p in problems
    ]


def clean_layout(layout: Mapping, *, width: int, height: int) -> dict:
    """The stored/sent form of a valid layout: only ZEGO's tile keys, the task's canvas."""
    mode = layout.get("mix_mode", zego.MixMode.CUSTOM)
    cleaned: dict[str, Any] = {"width": width, "height": height, "mix_mode": mode, "tiles": []}
    if mode == zego.MixMode.CUSTOM:
        cleaned["tiles"] = [
            {key: tile[key] for key in TILE_KEYS if tile.get(key) not in (None, "")}
            for tile in layout["tiles"]
        ]
    big = layout.get("max_resolution_stream_id")
    if big and mode in (zego.MixMode.HORIZONTAL, zego.MixMode.VERTICAL, zego.MixMode.FLOATING):
        cleaned["max_resolution_stream_id"] = big
    return cleaned


def summary(layout: Mapping) -> str:
    """“custom, 3 tiles: a, b, c” — for the timeline."""
    mode = MIX_MODE_NAMES.get(layout.get("mix_mode"), "?")
    if layout.get("mix_mode") != zego.MixMode.CUSTOM:
        big = layout.get("max_resolution_stream_id")
        return f"{mode} template" + (f", big tile {big}" if big else "")
    streams = [t.get("StreamId") or "next stream" for t in layout.get("tiles", [])]
    shown = ", ".join(streams[:6]) + (" …" if len(streams) > 6 else "")
    return f"{mode}, {len(streams)} tile{'s' if len(streams) != 1 else ''}: {shown}"


# ------------------------------------------------------------------------------ the task side


def task_canvas(task: RecordingTask) -> tuple[int, int] | None:
    """The running task's output size: what its layout was drawn on."""
    if task.layout.get("width") and task.layout.get("height"):
        return int(task.layout["width"]), int(task.layout["height"])
    video = task.request.get("RecordInputParams", {}).get("MixConfig", {}) or {}
    video = video.get("MixOutputVideoConfig") or {}
    if video.get("Width") and video.get("Height"):
        return int(video["Width"]), int(video["Height"])
    return None


def has_whiteboard(task: RecordingTask) -> bool:
    return bool(task.request.get("RecordInputParams", {}).get("HasWhiteboard"))


def can_relayout(task: RecordingTask) -> bool:
    return task.is_mixed and task_canvas(task) is not None and task.can_stop()


def why_not_relayout(task: RecordingTask) -> str:
    if not task.is_mixed:
        return "Only mixed recordings have a layout; this one records each stream on its own."
    if task_canvas(task) is None:
        return "This recording has no video canvas (audio only), so there is nothing to arrange."
    if task.is_final:
        return "This recording has ended; its layout can no longer change."
    return "The layout can be changed once ZEGO has the task running."


_locks_guard = threading.Lock()
_task_locks: dict[int, threading.Lock] = {}


def _task_lock(task_pk: int) -> threading.Lock:
    with _locks_guard:
        return _task_locks.setdefault(task_pk, threading.Lock())


def layout_apply(*, task: RecordingTask, layout: Any, user) -> RecordingTask:
    """Send one UpdateLayout with the full layout; record it in the timeline and the audit log.

    Invalid → LayoutInvalid and nothing is sent. ZEGO refuses → ControlError with ZEGO's words
    (and a failed entry in the timeline). Applies for one task are sent one at a time, and every
    call waits for the shared per-AppID limiter, so clicking fast never exceeds ZEGO's 10 QPS.
    """
    if not can_relayout(task):
        raise ControlError(why_not_relayout(task))
    width, height = task_canvas(task)
    problems = layout_problems(
        layout, width=width, height=height, whiteboard_allowed=has_whiteboard(task)
    )
    if problems:
        tiles = layout.get("tiles") if isinstance(layout, Mapping) else None
        error = LayoutInvalid(problems)
        error.args = (describe_problems(problems, tiles),)
        raise error
    new = clean_layout(layout, width=width, height=height)
    lock = _task_lock(task.pk)
    if not lock.acquire(timeout=APPLY_WAIT_SECONDS):
        raise ControlError("Another layout change for this recording is still being sent.")
    try:
        return _send(task, new, user)
    finally:
        lock.release()


def _send(task: RecordingTask, layout: dict, user) -> RecordingTask:
    custom = layout["mix_mode"] == zego.MixMode.CUSTOM
    detail = {"layout": layout}
    try:
        client_for(task.app).update_layout(
            task.task_id,
            mix_mode=layout["mix_mode"],
            mix_input_list=layout["tiles"] if custom else None,
            mix_max_resolution_stream_id=layout.get("max_resolution_stream_id"),
            canvas=(layout["width"], layout["height"]),
        )
    except zego.ZegoError as error:
        words = explain(error)
        ledger.apply(
            task,
            Observation(
                source=TaskEvent.Kind.LAYOUT,
                action="UpdateLayout",
                actor=user,
                zego_code=getattr(error, "code", None),
                message=f"Failed: {words}",
                detail=detail,
            ),
        )
        audit(
            action="recording.layout",
            actor=user,
            obj=task,
            outcome=AuditEntry.Outcome.FAILED,
            error=words,
        )
        raise ControlError(words) from error
    outcome = ledger.apply(
        task,
        Observation(
            source=TaskEvent.Kind.LAYOUT,
            action="UpdateLayout",
            actor=user,
            zego_code=0,
            message=f"Layout applied: {summary(layout)}",
            detail=detail,
        ),
    )
    # The layout now recording; the ledger owns the status, this is the task's picture of it.
    RecordingTask.objects.filter(pk=task.pk).update(layout=layout)
    outcome.task.layout = layout
    audit(
        action="recording.layout",
        actor=user,
        obj=outcome.task,
        task_id=task.task_id,
        layout=summary(layout),
    )
    return outcome.task


# ------------------------------------------------------------------------- the editor's data


def current_layout(task: RecordingTask) -> dict | None:
    """The layout recording now: the last applied one, else what StartRecord asked for."""
    canvas = task_canvas(task)
    if canvas is None:
        return None
    width, height = canvas
    stored = task.layout or {}
    mix = task.request.get("RecordInputParams", {}).get("MixConfig", {}) or {}
    mode = stored.get("mix_mode") or mix.get("MixMode") or zego.MixMode.GRID
    tiles = stored.get("tiles") if stored.get("mix_mode") else mix.get("MixInputList")
    layout = {"width": width, "height": height, "mix_mode": mode, "tiles": tiles or []}
    big = stored.get("max_resolution_stream_id") or mix.get("MixMaxResolutionStreamId")
    if big:
        layout["max_resolution_stream_id"] = big
    return layout


def background_hex(task_or_request: Mapping) -> str:
    """ZEGO's 0xRRGGBB00 background as #rrggbb (black by default)."""
    mix = task_or_request.get("RecordInputParams", {}).get("MixConfig", {}) or {}
    value = mix.get("MixOutputBackgroundColor")
    if not isinstance(value, int) or isinstance(value, bool):
        return "#000000"
    return f"#{(value >> 8) & 0xFFFFFF:06x}"


def layout_at(task: RecordingTask, moment) -> dict | None:
    """The layout that was recording at `moment` (for cropping a snapshot into thumbnails)."""
    event = (
        task.events.filter(kind=TaskEvent.Kind.LAYOUT, zego_code=0, created_at__lte=moment)
        .order_by("-created_at", "-id")
        .first()
    )
    if event is not None and event.detail.get("layout"):
        return event.detail["layout"]
    canvas = task_canvas(task)
    if canvas is None:
        return None
    mix = task.request.get("RecordInputParams", {}).get("MixConfig", {}) or {}
    return {
        "width": canvas[0],
        "height": canvas[1],
        "mix_mode": mix.get("MixMode", zego.MixMode.GRID),
        "tiles": mix.get("MixInputList") or [],
        "max_resolution_stream_id": mix.get("MixMaxResolutionStreamId"),
    }


def latest_snapshot(task: RecordingTask) -> dict | None:
    """The newest uploaded TakeSnapshot picture as a short-lived link, with its layout."""
    from recordings.models import RecordingFile
    from storage_profiles.presign import NotS3Reachable, presigned_url

    file = (
        task.files.filter(output_format="jpg", upload_status=RecordingFile.UploadStatus.UPLOADED)
        .exclude(object_key="")
        .order_by("-began_at", "-created_at")
        .first()
    )
    if file is None or task.storage_profile is None:
        return None
    moment = file.began_at or file.created_at
    layout = layout_at(task, moment)
    if layout is None:
        return None
    try:
        url = presigned_url(task.storage_profile, file.object_key, expires_in=3600)
    except (NotS3Reachable, ValueError):
        return None
    return {"url": url, "taken_at": moment.isoformat(), "layout": layout}


def preset_json(preset, delete_url: str) -> dict:
    return {"id": preset.pk, "name": preset.name, "layout": preset.layout, "delete_url": delete_url}
