from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.access import capability_required
from accounts.audit import audit, client_ip
from core.csp import allow_media_from
from core.htmx import is_partial, template_for
from playback import services, tasks
from playback.forms import FileFilterForm, ShareLinkForm
from playback.models import ShareLink
from recordings.models import RecordingFile, RecordingTask

# ------------------------------------------------------------------------------------ Files


def _files():
    """The files page's rows: from the files table alone, so the database walks the sort's index
    and stops after one page whatever its planner makes of joins (SQLite, given statistics, would
    start from the rooms and sort a million rows); the tasks' room and app names follow in one
    more query. Only names: a whole app would decrypt its secrets for every row."""
    tasks = RecordingTask.objects.select_related("app", "room").only("app__name", "room__room_id")
    return RecordingFile.objects.prefetch_related(Prefetch("task", tasks))


@require_GET
@capability_required("play_files")
def file_list(request):
    form = FileFilterForm(request.GET)
    page = form.page(form.filter(_files())) if form.is_valid() else None
    context = {"form": form, "page": page}
    return render(request, template_for(request, "playback/files.html", "results"), context)


@require_GET
@capability_required("play_files")
def file_export(request):
    form = FileFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "playback/files.html", {"form": form, "page": None}, status=400)
    queryset = form.filter(RecordingFile.objects.all())
    audit(action="files.export", request=request, filters=request.GET.dict())
    response = StreamingHttpResponse(
        services.csv_lines(queryset), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="recdesk-files-{stamp}.csv"'
    return response


# ------------------------------------------------------------------------------------ Player


def _task_for(pk: int) -> RecordingTask:
    return get_object_or_404(
        RecordingTask.objects.select_related("app", "room", "storage_profile"), pk=pk
    )


def _file_for(pk: int) -> RecordingFile:
    return get_object_or_404(
        RecordingFile.objects.select_related("task__storage_profile", "task__room"), pk=pk
    )


def _render_player(request, task: RecordingTask, fragment: str = "files", **extra):
    context = {
        **services.player_context(task),
        **_player_settings(),
        "share_form": ShareLinkForm(),
        **extra,
    }
    for track in context["tracks"]:
        if track.kind == "hls":
            track.playlist_url = reverse("playback:hls_playlist", args=[track.file.pk])
    template = "playback/player.html"
    if not is_partial(request):
        context["activity"] = services.speaker_activity(task, context["tracks"])
    response = render(
        request, f"{template}#{fragment}" if is_partial(request) else template, context
    )
    allow_media_from(response, _urls(context["links"]))
    return response


def _player_settings() -> dict:
    from django.conf import settings

    return {"ttl": services.url_ttl(), "hls_buffer": settings.PLAYBACK_HLS_BUFFER_SECONDS}


def _urls(link_set) -> list[str]:
    return [links.download for links in link_set.links.values()]


@require_GET
@never_cache
@capability_required("play_files")
def player(request, pk: int):
    return _render_player(request, _task_for(pk))


@require_GET
@never_cache
@capability_required("play_files")
def player_urls(request, pk: int):
    task = _task_for(pk)
    files = list(task.files.select_related("task__storage_profile"))
    return JsonResponse(services.links_for(files).as_json())


@require_GET
@never_cache
@capability_required("play_files")
def live_player(request, pk: int):
    """The task page's live view: the growing playlist once ZEGO has announced it (event 102);
    until then a placeholder that asks again, while the task can still produce one. While it
    plays, its state line asks whether the task has ended: nothing to swap until it has."""
    task = _task_for(pk)
    if request.htmx.target == "live-state":
        if not task.is_final:
            return HttpResponse(status=204)
        # 286: htmx swaps this in and stops asking.
        return render(request, "playback/live.html#ended", {"task": task}, status=286)
    track = services.live_track(task)
    if track is not None:
        track.playlist_url = reverse("playback:hls_playlist", args=[track.file.pk])
    context = {
        "task": task,
        "track": track,
        "waiting": track is None and not task.is_final,
        **_player_settings(),
    }
    return render(request, "playback/live.html", context)


@require_GET
@never_cache
@capability_required("play_files")
def hls_playlist(request, pk: int):
    file = _file_for(pk)
    return _playlist(file, reverse("playback:hls_segment", args=[file.pk, "x"])[:-1])


@require_GET
@never_cache
@capability_required("play_files")
def hls_segment(request, pk: int, name: str):
    return _segment(_file_for(pk), name)


def _playlist(file: RecordingFile, segment_base: str):
    try:
        text = services.hls_playlist(file, segment_base)
    except services.PlaylistUnavailable as error:
        return HttpResponse(str(error), status=404, content_type="text/plain")
    return HttpResponse(text, content_type="application/vnd.apple.mpegurl")


def _segment(file: RecordingFile, name: str, *, expires_in: int | None = None):
    if services.play_kind(file) != "hls" and not services.is_live(file):
        raise Http404("Not an HLS file.")
    try:
        url = services.segment_url(file, name, expires_in=expires_in)
    except (ValueError, services.NotS3Reachable) as error:
        raise Http404(str(error)) from error
    return redirect(url)


@require_POST
@capability_required("play_files")
def bucket_check(request, pk: int):
    task = _task_for(pk)
    checks = services.bucket_check(task=task, user=request.user)
    problems = [check for check in checks if check.is_problem]
    if not checks:
        messages.info(request, "No uploaded files to check.")
    elif problems:
        messages.error(request, f"{len(problems)} of {len(checks)} files do not match the bucket.")
    else:
        messages.success(request, f"All {len(checks)} files are in the bucket, sizes match.")
    return _after_post(request, task)


@require_POST
@capability_required("play_files")
def file_rescue(request, pk: int):
    file = _file_for(pk)
    tasks.rescue_backup_file.enqueue(file.pk, request.user.pk)
    file.refresh_from_db()
    if file.upload_status == RecordingFile.UploadStatus.UPLOADED:
        messages.success(request, f"Fetched {file.file_id} from ZEGO's backup into the bucket.")
    else:
        rescue = file.task.events.filter(action="BackupRescue").order_by("-id").first()
        if rescue is not None and rescue.message.startswith("Failed"):
            messages.error(request, f"Rescue of {file.file_id}: {rescue.message}")
        else:
            messages.info(request, f"Fetching {file.file_id} from ZEGO's backup…")
    return _after_post(request, file.task)


def _after_post(request, task):
    if request.htmx:
        return _render_player(request, _task_for(task.pk))
    return redirect("playback:player", pk=task.pk)


# ------------------------------------------------------------------------------------ Share links


@require_POST
@capability_required("play_files")
def share_create(request, pk: int):
    file = _file_for(pk)
    form = ShareLinkForm(request.POST)
    new_link = None
    if form.is_valid() and services.play_kind(file) == "none":
        form.add_error(
            None, "This file is not in the bucket (not uploaded, or deleted by retention)."
        )
    if form.is_valid():
        link, token = services.share_link_create(
            file=file,
            user=request.user,
            expires_at=form.cleaned_data["expires_at"],
            request=request,
        )
        new_link = request.build_absolute_uri(reverse("playback:share_page", args=[token]))
        form = ShareLinkForm()
    if not is_partial(request):
        if new_link:
            messages.success(request, f"Share link (shown once): {new_link}")
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("playback:player", pk=file.task_id)
    context = {
        "row": _share_row(file),
        "share_form": form,
        "new_link": new_link,
        **_player_settings(),
    }
    return render(request, "playback/player.html#share", context)


def _share_row(file: RecordingFile) -> dict:
    from django.db.models import Count

    links = list(file.share_links.annotate(use_count=Count("uses")))
    return {"file": file, "share_links": links, "kind": services.play_kind(file)}


@require_POST
@capability_required("play_files")
def share_revoke(request, pk: int):
    link = get_object_or_404(ShareLink.objects.select_related("file__task"), pk=pk)
    services.share_link_revoke(link=link, user=request.user, request=request)
    if not is_partial(request):
        messages.success(request, "Link revoked.")
        return redirect("playback:player", pk=link.file.task_id)
    context = {"row": _share_row(link.file), "share_form": ShareLinkForm(), **_player_settings()}
    return render(request, "playback/player.html#share", context)


def _use(request, token: str, *, record: bool) -> ShareLink:
    try:
        return services.share_link_use(
            token,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            record=record,
        )
    except services.ShareRefused as error:
        raise Http404(str(error)) from error


@require_GET
@never_cache
def share_page(request, token: str):
    try:
        link = services.share_link_use(
            token,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            record=True,
        )
    except services.ShareRefused as error:
        return render(
            request,
            "playback/share.html",
            {"refused": str(error) if error.link else "This link does not exist."},
            status=404 if error.link is None else 410,
        )
    file = link.file
    link_set = services.links_for([file], expires_in=services.share_ttl(link))
    kind = services.play_kind(file)
    links = link_set.links.get(file.pk)
    track = None
    if kind in ("video", "audio", "hls") and links is not None:
        track = services.Track(file, kind, 0.0, url=links.url)
        if kind == "hls":
            track.playlist_url = reverse("playback:share_playlist", args=[token])
    context = {
        "link": link,
        "file": file,
        "kind": kind,
        "track": track,
        "token": token,
        "links": links,
        "expires_ms": int(link_set.expires_at.timestamp() * 1000),
        **_player_settings(),
    }
    response = render(request, "playback/share.html", context)
    allow_media_from(response, _urls(link_set))
    response["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response


@require_GET
@never_cache
def share_urls(request, token: str):
    link = _use(request, token, record=False)
    link_set = services.links_for([link.file], expires_in=services.share_ttl(link))
    return JsonResponse(link_set.as_json())


@require_GET
@never_cache
def share_playlist(request, token: str):
    link = _use(request, token, record=False)
    base = reverse("playback:share_segment", args=[token, "x"])[:-1]
    return _playlist(link.file, base)


@require_GET
@never_cache
def share_segment(request, token: str, name: str):
    link = _use(request, token, record=False)
    return _segment(link.file, name, expires_in=services.share_ttl(link))
