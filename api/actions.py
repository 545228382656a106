"""Starting and controlling recordings through the API: the console's services, with their
outcomes turned into API answers (which status, which error code)."""

from __future__ import annotations

from typing import Any

from api.errors import ApiError, zego_failure, zego_failure_for_code
from api.forms import click_token_reused, layout_from, no_body_expected, whiteboard_form
from api.representations import task_json
from recordings import layouts, services
from recordings.forms import StartForm
from recordings.models import RecordingTask, Room, TaskEvent

Status = RecordingTask.Status


def start(*, form: StartForm, room: Room, user) -> tuple[RecordingTask, bool]:
    """Start (or, for a repeated click token, find) the task; True when this call created it."""
    reused = click_token_reused(form, room)
    if reused is not None:
        raise ApiError(
            409,
            "click_token_reused",
            f"This click_token already started task {reused.pk} in another room.",
            fields={"click_token": ["Already used; send a new one for a new recording."]},
        )
    token = form.cleaned_data["click_token"]
    existed = _click_token_used(token)
    task = services.recording_start(
        app=room.app, room=room, options=form.options(), user=user, click_token=token
    )
    created = not existed and not _still_starting(task)
    if task.status == Status.FAILED_TO_START and created:
        raise _start_failed(task)
    return task, created


def _click_token_used(token) -> bool:
    return RecordingTask.objects.filter(click_token=token).exists()


def _still_starting(task: RecordingTask) -> bool:
    """A task the start service hands back unanswered was another request's: the call that
    creates a task returns only once ZEGO answered (or it gave up), never still starting.
    So of two identical starts at once, only one answers 201."""
    return task.status == Status.STARTING


def _start_failed(task: RecordingTask) -> ApiError:
    event = (
        task.events.filter(kind=TaskEvent.Kind.API_CALL, action="StartRecord")
        .order_by("-created_at", "-id")
        .first()
    )
    status, code = zego_failure_for_code(event.zego_code if event else None)
    message = task.error_message or "ZEGO did not start the recording."
    return ApiError(status, code, message, extra={"task": task_json(task)})


# What each action calls, and the model's rule for when it may be done (as the task page shows
# its buttons).
CONTROLS = {
    "stop": (services.recording_stop, RecordingTask.can_stop),
    "pause": (services.recording_pause, RecordingTask.can_pause),
    "resume": (services.recording_resume, RecordingTask.can_resume),
    "snapshot": (services.recording_snapshot, RecordingTask.can_snapshot),
    "whiteboard": (services.recording_update_whiteboard, RecordingTask.can_update_whiteboard),
}


def control(*, task: RecordingTask, action: str, body: dict[str, Any], user) -> RecordingTask:
    call, allowed = CONTROLS[action]
    arguments = (
        whiteboard_form(body).cleaned_data if action == "whiteboard" else _no_arguments(body)
    )
    if not allowed(task):
        raise ApiError(409, "task_state", why_not(task, action))
    try:
        return call(task=task, user=user, **arguments)
    except services.ControlError as error:
        raise _refused(error) from error


def _no_arguments(body: dict[str, Any]) -> dict[str, Any]:
    no_body_expected(body)
    return {}


def why_not(task: RecordingTask, action: str) -> str:
    if action in ("pause", "snapshot") and not task.is_mixed:
        return f"Only mixed recordings can {action}; this one records each stream on its own."
    if action == "whiteboard" and not layouts.has_whiteboard(task):
        return "This recording was started without a whiteboard."
    if task.task_id is None and not task.is_final:
        return f"ZEGO has not confirmed this task yet ({task.get_status_display().lower()})."
    return f"Cannot {action} a recording that is {task.get_status_display().lower()}."


def relayout(*, task: RecordingTask, body: dict[str, Any], user) -> RecordingTask:
    layout = layout_from(body)
    if not layouts.can_relayout(task):
        raise ApiError(409, "task_state", layouts.why_not_relayout(task))
    try:
        return layouts.layout_apply(task=task, layout=layout, user=user)
    except layouts.LayoutInvalid as error:
        tiles = layout.get("tiles") if isinstance(layout, dict) else None
        raise ApiError(
            400,
            "invalid_layout",
            "The layout has problems; nothing was sent to ZEGO.",
            fields=_layout_fields(error, tiles),
        ) from error
    except services.ControlError as error:
        raise _refused(error) from error


def _layout_fields(error: layouts.LayoutInvalid, tiles) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for item in layouts.problems_json(error.problems, tiles):
        name = "layout"
        if item["index"] is not None:
            name += f".tiles[{item['index']}]"
        if item["field"] and item["field"] != "layout":
            name += f".{item['field']}"
        fields.setdefault(name, []).append(item["text"])
    return fields


def _refused(error: services.ControlError) -> ApiError:
    status, code = zego_failure(error.__cause__)
    return ApiError(status, code, str(error))
