"""The JSON API, /api/v1/. Thin: parse (api.forms), act (console services via api.actions),
answer (api.representations). api.access.api_endpoint does tokens, methods, roles and errors."""

from __future__ import annotations

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from api import actions, forms
from api.access import api_endpoint, json_body
from api.errors import error_response
from api.openapi import openapi_document
from api.representations import event_json, file_json, profile_json, room_json, task_json
from core.keyset import KeysetPage
from playback.services import links_for
from recordings import services, tasks
from recordings.models import RecordingFile, RecordingTask, Room
from storage_profiles.models import StorageProfile

EVENT_LIMIT = 500


@csrf_exempt  # public and read-only; other methods get the JSON 405, not the CSRF page
def openapi(request):
    if request.method not in ("GET", "HEAD"):
        return error_response(405, "method_not_allowed", "Use GET.", headers={"Allow": "GET, HEAD"})
    return JsonResponse(openapi_document(request.build_absolute_uri("/")))


@csrf_exempt  # a POST to a wrong path deserves the JSON 404, not the CSRF failure page
def not_found(request):
    """Anything under /api/ that is not an endpoint: JSON, never the HTML 404 page."""
    return error_response(404, "not_found", f"No API endpoint at {request.path}.")


# ------------------------------------------------------------------------------------ rooms


@api_endpoint(capability="view_rooms")
def room_list(request):
    form = forms.filter_form(forms.RoomFilterForm, request.GET)
    rooms = _rooms(form.cleaned_data["app"])
    _refresh_stale_presence(rooms)
    return JsonResponse({"results": [room_json(room, recording=room.recording) for room in rooms]})


def _rooms(app) -> list[Room]:
    running = RecordingTask.objects.filter(room=OuterRef("pk")).exclude(
        status__in=RecordingTask.FINAL_STATUSES
    )
    rooms = Room.objects.filter(app__is_active=True).select_related("app")
    if app is not None:
        rooms = rooms.filter(app=app)
    rooms = rooms.annotate(recording=Exists(running)).only(
        *(f.name for f in Room._meta.concrete_fields), "app__name", "app__app_id"
    )
    return list(rooms.order_by("app__name", "-recording", "room_id"))


def _refresh_stale_presence(rooms: list[Room]) -> None:
    """As the rooms page does: presence too old is refreshed in the background, never inline."""
    for app in {room.app for room in rooms}:
        if services.presence_is_stale(app):
            tasks.refresh_presence.enqueue(app.pk)


@api_endpoint(capability="control_recordings", methods=("POST",))
def room_start(request, pk: int):
    room = get_object_or_404(Room.objects.select_related("app"), pk=pk, app__is_active=True)
    form = forms.start_form(json_body(request), room=room)
    if not form.is_valid():
        raise forms.form_error(form, "The recording was not started: fix these values.")
    task, created = actions.start(form=form, room=room, user=request.user)
    return _task_response(task, status=_start_status(task, created))


def _start_status(task: RecordingTask, created: bool) -> int:
    if not created:
        return 200  # the same click again: the task the first one made
    return 202 if task.status == RecordingTask.Status.UNKNOWN else 201


# ------------------------------------------------------------------------------------ tasks


def _task_for(pk: int) -> RecordingTask:
    return get_object_or_404(
        RecordingTask.objects.select_related("app", "room", "storage_profile"), pk=pk
    )


def _task_response(task: RecordingTask, *, status: int = 200) -> JsonResponse:
    task = _task_for(task.pk)
    response = JsonResponse(task_json(task), status=status)
    if status in (201, 202):
        response["Location"] = reverse("api:task_detail", args=[task.pk])
    return response


@api_endpoint(capability="view_recordings")
def task_list(request):
    form = forms.filter_form(forms.ApiTaskFilterForm, request.GET)
    queryset = RecordingTask.objects.select_related("app", "room", "storage_profile").only(
        *TASK_FIELDS
    )
    page = form.page(form.filter(queryset))
    return JsonResponse(_page_json(request, page, [task_json(task) for task in page]))


# A row needs these; the whole app or profile would decrypt their secrets for every row.
TASK_FIELDS = (
    *(f.name for f in RecordingTask._meta.concrete_fields if f.name not in ("request", "layout")),
    "app__name",
    "room__room_id",
    "storage_profile__name",
)


@api_endpoint(capability="view_recordings")
def task_detail(request, pk: int):
    task = _task_for(pk)
    if services.watched_task_is_stale(task):
        tasks.reconcile_one.enqueue(task.pk)  # as the task page: a watched task is kept fresh
        task = _task_for(pk)
    events = list(task.events.order_by("-created_at", "-id")[: EVENT_LIMIT + 1])
    return JsonResponse(
        {
            **task_json(task),
            "layout": task.layout or None,
            "files": [file_json(file) for file in task.files.all()],
            "events": [event_json(event) for event in reversed(events[:EVENT_LIMIT])],
            "events_truncated": len(events) > EVENT_LIMIT,
        }
    )


@api_endpoint(capability="control_recordings", methods=("POST",))
def task_action(request, pk: int, action: str):
    task = actions.control(
        task=_task_for(pk), action=action, body=json_body(request), user=request.user
    )
    return _task_response(task)


@api_endpoint(capability="control_recordings", methods=("POST",))
def task_layout(request, pk: int):
    task = actions.relayout(task=_task_for(pk), body=json_body(request), user=request.user)
    return _task_response(task)


# ------------------------------------------------------------------------------------ files


@api_endpoint(capability="play_files")
def file_list(request):
    form = forms.filter_form(forms.ApiFileFilterForm, request.GET)
    page = form.page(form.filter(RecordingFile.objects.only(*FILE_FIELDS)))
    files = _with_storage_profiles(page.rows)
    links = links_for(files)
    results = [file_json(file, links.links.get(file.pk)) for file in files]
    return JsonResponse(
        {**_page_json(request, page, results), "urls_expire_at": links.expires_at.isoformat()}
    )


FILE_FIELDS = [f.name for f in RecordingFile._meta.concrete_fields]


def _with_storage_profiles(files: list[RecordingFile]) -> list[RecordingFile]:
    """Attach each file's task and storage profile: two queries for the page, one decryption per
    profile (not per row), so presigning needs no further query."""
    task_ids = {file.task_id for file in files}
    tasks_by_id = RecordingTask.objects.only("id", "storage_profile_id").in_bulk(task_ids)
    profile_ids = {task.storage_profile_id for task in tasks_by_id.values()} - {None}
    profiles = StorageProfile.objects.in_bulk(profile_ids)
    for task in tasks_by_id.values():
        task.storage_profile = profiles.get(task.storage_profile_id)
    for file in files:
        file.task = tasks_by_id[file.task_id]
    return files


# ------------------------------------------------------------------------------------ storage


@api_endpoint(capability="manage_storage")
def storage_profile_list(request):
    forms.filter_form(forms.NoFilters, request.GET)
    return JsonResponse({"results": [profile_json(profile) for profile in _profiles()]})


@api_endpoint(capability="manage_storage")
def storage_profile_detail(request, pk: int):
    return JsonResponse(profile_json(get_object_or_404(_profiles(), pk=pk)))


def _profiles():
    """Profiles that know whether a secret is set without loading (and decrypting) it."""
    has_secret = ExpressionWrapper(~Q(secret=""), output_field=BooleanField())
    return (
        StorageProfile.objects.select_related("last_probe")
        .defer("secret")
        .annotate(has_secret=has_secret)
    )


# ------------------------------------------------------------------------------------ paging


def _page_json(request, page: KeysetPage, results: list[dict]) -> dict:
    return {
        "results": results,
        "next": _page_url(request, after=page.next_cursor),
        "previous": _page_url(request, before=page.previous_cursor),
    }


def _page_url(request, **cursor: str | None) -> str | None:
    ((name, value),) = cursor.items()
    if value is None:
        return None
    query = request.GET.copy()
    query.pop("after", None)
    query.pop("before", None)
    query[name] = value
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
