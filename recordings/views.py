from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.access import capability_required
from accounts.audit import audit
from core.csp import allow_media_from
from core.htmx import is_partial, template_for
from policies.selectors import with_policy_name
from recordings import services, tasks
from recordings.forms import RoomAddForm, StartForm, TaskFilterForm, WhiteboardForm, ZegoAppForm
from recordings.models import RecordingFile, RecordingPreset, RecordingTask, Room, ZegoApp
from storage_profiles.models import StorageProfile

# ------------------------------------------------------------------------------------ ZEGO apps


@require_GET
@capability_required("manage_apps")
def app_list(request):
    return render(request, "recordings/app_list.html", {"apps": ZegoApp.objects.all()})


@require_http_methods(["GET", "POST"])
@capability_required("manage_apps")
def app_create(request):
    return _app_form(request, ZegoApp())


@require_http_methods(["GET", "POST"])
@capability_required("manage_apps")
def app_edit(request, pk: int):
    return _app_form(request, get_object_or_404(ZegoApp, pk=pk))


def _app_form(request, app: ZegoApp):
    creating = app.pk is None
    form = ZegoAppForm(request.POST or None, instance=app)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            app = form.save()
            audit(
                action="zego_app.create" if creating else "zego_app.update",
                request=request,
                obj=app,
                changed=form.changed_data,
            )
        messages.success(request, f"Saved {app}.")
        return redirect("recordings:app_list")
    return render(
        request, "recordings/app_form.html", {"form": form, "app": app, "creating": creating}
    )


# ------------------------------------------------------------------------------------ Rooms


def _selected_app(request) -> ZegoApp | None:
    apps = ZegoApp.objects.filter(is_active=True)
    chosen = request.GET.get("app", "")
    if chosen.isdigit():
        return apps.filter(pk=chosen).first() or apps.first()
    return apps.first()


# The add-a-room form's refused input, kept across the redirect that follows it (POST, redirect,
# GET), so reloading the page shows the form again instead of sending it again.
REFUSED_ROOM_ADD = "refused_room_add"


@require_GET
@capability_required("view_rooms")
def room_list(request):
    app = _selected_app(request)
    if app is not None:
        _refresh_presence_if_stale(app)
    context = _rooms_page(app, _room_add_form(request, app))
    return render(request, template_for(request, "recordings/room_list.html", "rooms"), context)


@require_POST
@capability_required("control_recordings")
def room_add(request, app_pk: int):
    app = get_object_or_404(ZegoApp, pk=app_pk, is_active=True)
    form = RoomAddForm(request.POST)
    if not form.is_valid():
        data = {name: form.data.get(name, "") for name in form.fields}
        request.session[REFUSED_ROOM_ADD] = {"app": app.pk, "data": data}
    else:
        room, created = services.room_add(app=app, user=request.user, **form.cleaned_data)
        if created:
            messages.success(request, f"Added room {room.room_id}.")
        else:
            messages.info(request, f"Room {room.room_id} is already in the list; nothing changed.")
        _refresh_presence_if_stale(app)
    return redirect(f"{reverse('recordings:room_list')}?app={app.pk}")


def _refresh_presence_if_stale(app: ZegoApp) -> None:
    """In the background: a page never waits for ZEGO (or for its rate limit)."""
    if services.presence_is_stale(app):
        tasks.refresh_presence.enqueue(app.pk)


def _room_add_form(request, app: ZegoApp | None) -> RoomAddForm:
    """An empty form, or the one just refused for this app, with its errors."""
    if is_partial(request):
        return RoomAddForm()  # the polled table; the form is not part of it
    refused = request.session.pop(REFUSED_ROOM_ADD, None)
    if refused and app is not None and refused["app"] == app.pk:
        return RoomAddForm(refused["data"])
    return RoomAddForm()


def _rooms_page(app: ZegoApp | None, add_form: RoomAddForm) -> dict:
    """The rooms page: the app's rooms, recording ones first, and the add-a-room form."""
    rooms = []
    if app is not None:
        running = RecordingTask.objects.filter(room=OuterRef("pk")).exclude(
            status__in=RecordingTask.FINAL_STATUSES
        )
        rooms = app.rooms.annotate(recording=Exists(running)).order_by("-recording", "room_id")
        rooms = with_policy_name(rooms, app)
    return {
        "app": app,
        "apps": ZegoApp.objects.filter(is_active=True),
        "rooms": rooms,
        "add_form": add_form,
    }


@require_http_methods(["GET", "POST"])
@capability_required("control_recordings")
def room_start(request, pk: int):
    room = get_object_or_404(Room.objects.select_related("app"), pk=pk)
    presets = RecordingPreset.objects.filter(app=room.app)
    if request.method == "GET":
        chosen = request.GET.get("preset", "")
        preset = presets.filter(pk=chosen).first() if chosen.isdigit() else None
        initial = StartForm.initial_from_preset(preset) if preset else {}
        form = StartForm(initial=initial, app=room.app, room=room)
        return _render_start(request, room, form, presets, preset)
    form = StartForm(request.POST, app=room.app, room=room)
    if not form.is_valid():
        return _render_start(request, room, form, presets, None)
    if "save_preset" in request.POST:
        return _save_preset(request, room, form, presets)
    task = services.recording_start(
        app=room.app,
        room=room,
        options=form.options(),
        user=request.user,
        click_token=form.cleaned_data["click_token"],
    )
    url = reverse("recordings:task_detail", args=[task.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _save_preset(request, room, form, presets):
    name = form.cleaned_data["preset_name"].strip()
    if not name:
        form.add_error("preset_name", "Give the preset a name to save it.")
        return _render_start(request, room, form, presets, None)
    preset, _ = RecordingPreset.objects.update_or_create(
        app=room.app,
        name=name,
        defaults={"options": form.options().as_preset(), "created_by": request.user},
    )
    audit(action="preset.save", request=request, obj=preset)
    url = f"{reverse('recordings:room_start', args=[room.pk])}?preset={preset.pk}"
    if not is_partial(request):
        messages.success(request, f"Saved preset “{name}”.")
        return redirect(url)
    # The form again, from the preset as saved, with its confirmation; the picker above the form
    # (out of band) lists it, chosen; the address is the one a reload should show.
    form = StartForm(initial=StartForm.initial_from_preset(preset), app=room.app, room=room)
    response = _render_start(request, room, form, presets, preset, preset_saved=True)
    response["HX-Replace-Url"] = url
    return response


@require_POST
@capability_required("control_recordings")
def start_cost(request, pk: int):
    """The start form's cost estimate, again for the values being chosen (starts nothing)."""
    room = get_object_or_404(Room.objects.select_related("app"), pk=pk)
    form = StartForm(request.POST, app=room.app, room=room)
    context = {"room": room, "form": form, "estimate": form.cost_estimate()}
    return render(request, "recordings/room_start.html#cost", context)


def _render_start(request, room, form, presets, preset, *, preset_saved=False):
    context = {
        "room": room,
        "form": form,
        "presets": presets,
        "preset": preset,
        "preset_saved": preset_saved,
        "estimate": form.cost_estimate(),
    }
    return render(
        request, template_for(request, "recordings/room_start.html", "start-form"), context
    )


# ------------------------------------------------------------------------------------ Tasks


@require_GET
@capability_required("view_recordings")
def task_list(request):
    form = TaskFilterForm(request.GET)
    tasks = RecordingTask.objects.only(*TASK_LIST_FIELDS).prefetch_related(*TASK_LIST_RELATED)
    page = form.page(form.filter(tasks)) if form.is_valid() else None
    live = page is not None and any(not task.is_final for task in page)
    context = {"form": form, "page": page, "live": live}
    return render(request, template_for(request, "recordings/task_list.html", "results"), context)


# Rows from the tasks table alone, so the database walks the (created_at, id) index and stops
# after one page whatever its planner makes of joins; names of the page's rooms, apps and storage
# profiles follow in one query each. Only what a row shows: a whole app or profile would decrypt
# their secrets for every row, and the request/layout JSON would be parsed for nothing.
TASK_LIST_FIELDS = (
    "app",
    "room",
    "storage_profile",
    "created_at",
    "task_id",
    "status",
    "record_mode",
    "output_format",
    "record_began_at",
    "ended_at",
    "started_by_label",
    "problems",
    "legal_hold",
)
TASK_LIST_RELATED = (
    Prefetch("room", Room.objects.only("room_id")),
    Prefetch("app", ZegoApp.objects.only("name")),
    Prefetch("storage_profile", StorageProfile.objects.only("name")),
)


def _task_for(pk: int) -> RecordingTask:
    return get_object_or_404(
        RecordingTask.objects.select_related("app", "room", "storage_profile"), pk=pk
    )


def _task_context(task: RecordingTask) -> dict:
    files = list(task.files.all())
    return {
        "task": task,
        "files": files,
        "snapshots": _snapshot_links(task, files),
        "events": task.events.order_by("-created_at", "-id")[:100],
        "whiteboard_form": WhiteboardForm(),
        "settled": services.task_is_settled(task, files),
    }


def _snapshot_links(task: RecordingTask, files: list[RecordingFile]) -> list[tuple]:
    """Short-lived links to the task's uploaded snapshots, to show them on the page."""
    shots = [f for f in files if f.is_snapshot and f.upload_status == 3 and f.object_key]
    return [(shot, url) for shot in shots if (url := _bucket_link(task, shot.object_key))]


def _bucket_link(task: RecordingTask, key: str) -> str | None:
    from storage_profiles.presign import NotS3Reachable, presigned_url

    if task.storage_profile is None:
        return None
    try:
        return presigned_url(task.storage_profile, key)
    except NotS3Reachable:
        return None


def _render_live(request, context: dict):
    return render(request, "recordings/task_detail.html#live", context)


@require_GET
@capability_required("view_recordings")
def task_detail(request, pk: int):
    task = _task_for(pk)
    if services.watched_task_is_stale(task):
        tasks.reconcile_one.enqueue(task.pk)
        task = _task_for(pk)
    context = _task_context(task)
    if is_partial(request):
        response = _render_live(request, context)
        if context["settled"]:
            response.status_code = 286  # htmx: stop polling, nothing more will change
        return response
    response = render(request, "recordings/task_detail.html", context)
    # Snapshots arrive later by HTMX swaps, which keep this page's CSP: allow the bucket now.
    allow_media_from(response, [_bucket_link(task, "any-object")])  # only its origin counts
    return response


CONTROL_ACTIONS = {
    "stop": services.recording_stop,
    "pause": services.recording_pause,
    "resume": services.recording_resume,
    "snapshot": services.recording_snapshot,
}


@require_POST
@capability_required("control_recordings")
def task_control(request, pk: int, action: str):
    task = _task_for(pk)
    try:
        if action == "whiteboard":
            form = WhiteboardForm(request.POST)
            if not form.is_valid():
                raise services.ControlError("Give the whiteboard ID to switch to.")
            services.recording_update_whiteboard(task=task, user=request.user, **form.cleaned_data)
        elif action in CONTROL_ACTIONS:
            CONTROL_ACTIONS[action](task=task, user=request.user)
        else:
            return HttpResponse("Unknown action.", status=404)
    except services.ControlError as error:
        messages.error(request, f"{action.capitalize()} failed: {error}")
    else:
        messages.success(request, ACTION_DONE[action])
    if request.htmx:
        return _render_live(request, _task_context(_task_for(pk)))
    return redirect("recordings:task_detail", pk=pk)


ACTION_DONE = {
    "stop": "Stop sent. ZEGO is finishing the files.",
    "pause": "Paused: nothing is recorded until you resume.",
    "resume": "Resumed.",
    "snapshot": "Snapshot requested: it appears under Files once uploaded.",
    "whiteboard": "Whiteboard switched.",
}


# ------------------------------------------------------------------------------------ Callbacks


@csrf_exempt
@require_POST
def zego_callback(request, app_id: str):
    result = services.callback_ingest(
        app_id=app_id, body=request.body, remote_addr=request.META.get("REMOTE_ADDR")
    )
    text = f"{result.verdict}: {result.reason}" if result.reason else result.verdict
    return HttpResponse(text, status=result.http_status, content_type="text/plain")
