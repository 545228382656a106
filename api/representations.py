"""How each object looks in the API's JSON. The OpenAPI schemas in api/openapi.py describe these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from playback.services import Links
from recordings.models import RecordingFile, RecordingTask, Room, TaskEvent
from storage_profiles.models import ProbeRun, StorageProfile

# Codes the API returns by name; api.forms takes the names back as input too.
RECORD_MODE_NAMES: dict[int, str] = {mode.value: mode.name.lower() for mode in RecordingTask.Mode}


def timestamp(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def room_json(room: Room, *, recording: bool) -> dict[str, Any]:
    return {
        "id": room.pk,
        "room_id": room.room_id,
        "label": room.label,
        "app": {"id": room.app.pk, "name": room.app.name, "app_id": room.app.app_id},
        "recording": recording,
        "presence": {
            "streams": [
                {
                    "stream_id": str(stream.get("stream_id", "")),
                    "user_id": str(stream.get("user_id", "")),
                    "user_name": str(stream.get("user_name") or ""),
                }
                for stream in room.streams
            ],
            "user_count": room.user_count,
            "refreshed_at": timestamp(room.presence_refreshed_at),
            "error": room.presence_error,
        },
    }


def task_json(task: RecordingTask) -> dict[str, Any]:
    profile = task.storage_profile
    return {
        "id": task.pk,
        "task_id": task.task_id,
        "status": task.status,
        "status_label": task.get_status_display(),
        "is_final": task.is_final,
        "app": {"id": task.app.pk, "name": task.app.name},
        "room": {"id": task.room_id, "room_id": task.room.room_id},
        "record_mode": RECORD_MODE_NAMES[task.record_mode],
        "output_format": task.output_format,
        "storage_profile": {"id": profile.pk, "name": profile.name} if profile else None,
        "started_by": task.started_by_label,
        "created_at": timestamp(task.created_at),
        "record_began_at": timestamp(task.record_began_at),
        "ended_at": timestamp(task.ended_at),
        "error_message": task.error_message,
        "problems": [
            {"code": str(item.get("code", "")), "message": str(item.get("message", ""))}
            for item in task.problems
        ],
        "can": {
            "stop": task.can_stop(),
            "pause": task.can_pause(),
            "resume": task.can_resume(),
            "snapshot": task.can_snapshot(),
        },
    }


def event_json(event: TaskEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "created_at": timestamp(event.created_at),
        "kind": event.kind,
        "action": event.action,
        "actor": event.actor_label,
        "status_before": event.status_before,
        "status_after": event.status_after,
        "zego_code": event.zego_code,
        "message": event.message,
    }


def file_json(file: RecordingFile, links: Links | None = None) -> dict[str, Any]:
    return {
        "id": file.pk,
        "task": file.task_id,
        "file_id": file.file_id,
        "object_key": file.object_key,
        "output_format": file.output_format,
        "user_id": file.user_id,
        "stream_id": file.stream_id,
        "size": file.size,
        "duration_ms": file.duration_ms,
        "width": file.width,
        "height": file.height,
        "began_at": timestamp(file.began_at),
        "created_at": timestamp(file.created_at),
        "upload_status": file.upload_status,
        "upload_status_label": file.get_upload_status_display(),
        "backup_until": timestamp(file.backup_until),
        "missing_in_bucket": file.missing_in_bucket,
        "deleted_at": timestamp(file.deleted_at),  # by retention: gone from the bucket
        "url": (links.url or None) if links else None,
        "download_url": (links.download or None) if links else None,
    }


def probe_json(run: ProbeRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    failure = run.first_failure
    return {
        "state": run.state,
        "state_label": run.state_label,
        "started_at": timestamp(run.started_at),
        "finished_at": timestamp(run.finished_at),
        "first_failure": f"{failure['label']}: {failure['detail']}" if failure else None,
    }


def profile_json(profile: StorageProfile) -> dict[str, Any]:
    """A storage profile without its secret: only whether one is set (`has_secret`, annotated by
    the query so the secret is never loaded)."""
    return {
        "id": profile.pk,
        "name": profile.name,
        "vendor": profile.vendor,
        "vendor_name": profile.get_vendor_display(),
        "region": profile.region,
        "bucket": profile.bucket,
        "endpoint": profile.endpoint,
        "access_key_id": profile.access_key_id,
        "secret_set": profile.has_secret,
        "path_prefix": profile.path_prefix,
        "is_default": profile.is_default,
        "notes": profile.notes,
        "last_probe": probe_json(profile.last_probe),
        "created_at": timestamp(profile.created_at),
        "updated_at": timestamp(profile.updated_at),
    }
