"""The layout editor: the page for a running task, Apply, and layout presets (JSON for the editor)."""

from __future__ import annotations

import json
from typing import Any

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import capability_required
from accounts.audit import audit
from core.htmx import is_partial
from recordings import layouts
from recordings.models import LayoutPreset, RecordingTask, TaskEvent, ZegoApp
from recordings.services import ControlError

MAX_JSON_BYTES = 100_000


def _task_for(pk: int) -> RecordingTask:
    return get_object_or_404(
        RecordingTask.objects.select_related("app", "room", "storage_profile"), pk=pk
    )


def _json_body(request) -> dict | None:
    if len(request.body) > MAX_JSON_BYTES:
        return None
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _presets(app: ZegoApp) -> list[dict]:
    return [
        layouts.preset_json(preset, reverse("recordings:layout_preset_delete", args=[preset.pk]))
        for preset in LayoutPreset.objects.filter(app=app)
    ]


def task_editor_config(task: RecordingTask) -> dict[str, Any]:
    width, height = layouts.task_canvas(task) or (1280, 720)
    return {
        "width": width,
        "height": height,
        "streams": task.room.streams,
        "current": layouts.current_layout(task),
        "background_color": layouts.background_hex(task.request),
        "snapshot": layouts.latest_snapshot(task),
        "apply_url": reverse("recordings:layout_apply", args=[task.pk]),
        "presets_url": reverse("recordings:layout_presets", args=[task.app_id]),
        "presets": _presets(task.app),
    }


def start_editor_config(form, room) -> dict[str, Any]:
    """For the editor embedded in the start form: canvas from the form, streams from the room."""
    try:
        width, height = (int(part) for part in str(form["resolution"].value()).split("x"))
    except ValueError:
        width, height = 1280, 720
    return {
        "width": width,
        "height": height,
        "streams": room.streams,
        "current": None,
        "initial": None,
        "snapshot": None,
        "presets_url": reverse("recordings:layout_presets", args=[room.app_id]),
        "presets": _presets(room.app),
        "bind": {
            "resolution": form["resolution"].id_for_label,
            "mix_mode": form["mix_mode"].id_for_label,
            "fill_mode": form["fill_mode"].id_for_label,
            "background_color": form["background_color"].id_for_label,
            "custom_layout": form["custom_layout"].auto_id,
            "record_mode_name": form["record_mode"].html_name,
        },
    }


def _layout_events(task: RecordingTask):
    return task.events.filter(kind=TaskEvent.Kind.LAYOUT).order_by("-created_at", "-id")[:20]


@require_GET
@capability_required("control_recordings")
def layout_editor(request, pk: int):
    task = _task_for(pk)
    context = {
        "task": task,
        "can_edit": layouts.can_relayout(task),
        "reason": layouts.why_not_relayout(task),
        "layout_events": _layout_events(task),
        "editor_mode": "live",
    }
    if is_partial(request):
        return render(request, "recordings/layout_editor.html#history", context)
    if context["can_edit"]:
        context["editor_config"] = task_editor_config(task)
    return render(request, "recordings/layout_editor.html", context)


@require_POST
@capability_required("control_recordings")
def layout_apply(request, pk: int):
    task = _task_for(pk)
    body = _json_body(request)
    if body is None or "layout" not in body:
        return JsonResponse(
            {"ok": False, "message": 'Send the layout as JSON: {"layout": {...}}.'}, status=400
        )
    if not layouts.can_relayout(task):
        return JsonResponse({"ok": False, "message": layouts.why_not_relayout(task)}, status=409)
    layout = body["layout"]
    try:
        task = layouts.layout_apply(task=task, layout=layout, user=request.user)
    except layouts.LayoutInvalid as error:
        tiles = layout.get("tiles") if isinstance(layout, dict) else None
        return JsonResponse(
            {
                "ok": False,
                "message": "The layout has problems; nothing was sent to ZEGO.",
                "problems": layouts.problems_json(error.problems, tiles),
            },
            status=422,
        )
    except ControlError as error:
        return JsonResponse({"ok": False, "message": str(error)}, status=502)
    return JsonResponse(
        {
            "ok": True,
            "message": f"Layout applied: {layouts.summary(task.layout)}.",
            "layout": task.layout,
        }
    )


# ------------------------------------------------------------------------------------ presets


@require_http_methods(["GET", "POST"])
@capability_required("control_recordings")
def layout_presets(request, app_pk: int):
    app = get_object_or_404(ZegoApp, pk=app_pk)
    if request.method == "GET":
        return JsonResponse({"ok": True, "presets": _presets(app)})
    body = _json_body(request) or {}
    name = body.get("name")
    layout = body.get("layout")
    problem = _preset_problem(name, layout)
    if problem:
        return JsonResponse({"ok": False, "message": problem}, status=400)
    width, height = layout["width"], layout["height"]
    problems = layouts.layout_problems(layout, width=width, height=height)
    if problems:
        return JsonResponse(
            {
                "ok": False,
                "message": layouts.describe_problems(problems, layout.get("tiles")),
                "problems": layouts.problems_json(problems, layout.get("tiles")),
            },
            status=422,
        )
    stored = layouts.clean_layout(layout, width=width, height=height)
    color = layout.get("background_color")
    if isinstance(color, str) and len(color) == 7 and color.startswith("#"):
        stored["background_color"] = color
    preset, created = LayoutPreset.objects.update_or_create(
        app=app, name=name.strip(), defaults={"layout": stored, "created_by": request.user}
    )
    audit(
        action="layout_preset.save",
        request=request,
        obj=preset,
        created=created,
        layout=layouts.summary(stored),
    )
    delete_url = reverse("recordings:layout_preset_delete", args=[preset.pk])
    return JsonResponse(
        {
            "ok": True,
            "preset": layouts.preset_json(preset, delete_url),
            "presets": _presets(app),
        }
    )


def _preset_problem(name: Any, layout: Any) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return "Give the preset a name."
    if len(name.strip()) > 80:
        return "Keep the preset name to 80 characters."
    if not isinstance(layout, dict):
        return "Send the layout to save."
    width, height = layout.get("width"), layout.get("height")
    sizes_ok = all(isinstance(v, int) and not isinstance(v, bool) for v in (width, height))
    if not sizes_ok or not (16 <= width <= 1920 and 16 <= height <= 1920):
        return "The layout needs its canvas size (16–1920 px per side)."
    if width * height > 1920 * 1080:
        return "ZEGO's canvas is at most 1920 × 1080 pixels in area."
    return None


@require_POST
@capability_required("control_recordings")
def layout_preset_delete(request, pk: int):
    preset = get_object_or_404(LayoutPreset.objects.select_related("app"), pk=pk)
    app = preset.app
    audit(action="layout_preset.delete", request=request, obj=preset, name=preset.name)
    preset.delete()
    return JsonResponse({"ok": True, "presets": _presets(app)})
