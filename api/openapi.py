"""The OpenAPI 3.1 description of /api/v1/, served at /api/v1/openapi.json.

Request parameters and bodies come from the same forms and schemas the views validate with
(api.forms), so they cannot drift; response schemas describe api.representations, and
tests/api/test_schemathesis.py checks every answer against them.
"""

from __future__ import annotations

from typing import Any

from api.forms import (
    LAYOUT_PROPERTIES,
    START_PROPERTIES,
    WHITEBOARD_PROPERTIES,
    ApiFileFilterForm,
    ApiTaskFilterForm,
    RoomFilterForm,
    query_properties,
)
from api.representations import RECORD_MODE_NAMES
from recordings.models import RecordingFile, RecordingTask, TaskEvent

API_VERSION = "1.0.0"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(type_name: str, **extra: Any) -> dict[str, Any]:
    return {"type": [type_name, "null"], **extra}


def _object(properties: dict[str, Any], *, required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_DATETIME = _nullable("string", format="date-time")

SCHEMAS: dict[str, Any] = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {**STRING, "description": "Stable, for programs: e.g. `invalid`."},
                    "message": {**STRING, "description": "For people."},
                    "fields": {
                        "type": "object",
                        "description": "Per input field (`__all__`: across fields), what is wrong.",
                        "additionalProperties": {"type": "array", "items": STRING},
                    },
                },
                required=["code", "message"],
            ),
            "task": {
                **_ref("Task"),
                "description": "When a start failed: the task recording the attempt.",
            },
        },
        required=["error"],
    ),
    "Room": _object(
        {
            "id": INTEGER,
            "room_id": STRING,
            "label": STRING,
            "app": _object({"id": INTEGER, "name": STRING, "app_id": INTEGER}),
            "recording": {**BOOLEAN, "description": "A recording of this room is not final."},
            "presence": _object(
                {
                    "streams": {
                        "type": "array",
                        "items": _object(
                            {"stream_id": STRING, "user_id": STRING, "user_name": STRING}
                        ),
                    },
                    "user_count": _nullable("integer"),
                    "refreshed_at": NULLABLE_DATETIME,
                    "error": STRING,
                }
            ),
        }
    ),
    "Task": _object(
        {
            "id": INTEGER,
            "task_id": _nullable("string", description="ZEGO's TaskId, once ZEGO answered."),
            "status": {"type": "string", "enum": list(RecordingTask.Status.values)},
            "status_label": STRING,
            "is_final": BOOLEAN,
            "app": _object({"id": INTEGER, "name": STRING}),
            "room": _object({"id": INTEGER, "room_id": STRING}),
            "record_mode": {
                "type": "string",
                "enum": list(RECORD_MODE_NAMES.values()),
                "description": "A start takes this name, or its code, as `record_mode`.",
            },
            "output_format": STRING,
            "storage_profile": {
                "oneOf": [_object({"id": INTEGER, "name": STRING}), {"type": "null"}]
            },
            "started_by": STRING,
            "created_at": DATETIME,
            "record_began_at": NULLABLE_DATETIME,
            "ended_at": NULLABLE_DATETIME,
            "error_message": STRING,
            "problems": {"type": "array", "items": _object({"code": STRING, "message": STRING})},
            "can": _object(
                {"stop": BOOLEAN, "pause": BOOLEAN, "resume": BOOLEAN, "snapshot": BOOLEAN}
            ),
        }
    ),
    "Event": _object(
        {
            "id": INTEGER,
            "created_at": DATETIME,
            "kind": {"type": "string", "enum": list(TaskEvent.Kind.values)},
            "action": STRING,
            "actor": STRING,
            "status_before": STRING,
            "status_after": STRING,
            "zego_code": _nullable("integer"),
            "message": STRING,
        }
    ),
    "File": _object(
        {
            "id": INTEGER,
            "task": INTEGER,
            "file_id": STRING,
            "object_key": STRING,
            "output_format": STRING,
            "user_id": STRING,
            "stream_id": STRING,
            "size": INTEGER,
            "duration_ms": INTEGER,
            "width": INTEGER,
            "height": INTEGER,
            "began_at": NULLABLE_DATETIME,
            "created_at": DATETIME,
            "upload_status": {"type": "integer", "enum": list(RecordingFile.UploadStatus.values)},
            "upload_status_label": STRING,
            "backup_until": NULLABLE_DATETIME,
            "missing_in_bucket": BOOLEAN,
            "deleted_at": {
                **NULLABLE_DATETIME,
                "description": "When retention deleted the file from its bucket (null: not deleted).",
            },
            "url": _nullable(
                "string",
                format="uri",
                description="Presigned URL to play (MP4, audio) or show (JPG) the file; null "
                "for HLS/FLV, for files not in the bucket yet, and in task details.",
            ),
            "download_url": _nullable(
                "string",
                format="uri",
                description="Presigned URL that downloads the file (for HLS: its playlist).",
            ),
        }
    ),
    "StorageProfile": _object(
        {
            "id": INTEGER,
            "name": STRING,
            "vendor": {"type": "integer", "minimum": 1, "maximum": 10},
            "vendor_name": STRING,
            "region": STRING,
            "bucket": STRING,
            "endpoint": STRING,
            "access_key_id": STRING,
            "secret_set": {**BOOLEAN, "description": "The secret itself is never returned."},
            "path_prefix": STRING,
            "is_default": BOOLEAN,
            "notes": STRING,
            "last_probe": {
                "oneOf": [
                    _object(
                        {
                            "state": {
                                "type": "string",
                                "enum": ["running", "ok", "partial", "failed", "stale"],
                            },
                            "state_label": STRING,
                            "started_at": DATETIME,
                            "finished_at": NULLABLE_DATETIME,
                            "first_failure": _nullable("string"),
                        }
                    ),
                    {"type": "null"},
                ]
            },
            "created_at": DATETIME,
            "updated_at": DATETIME,
        }
    ),
}
SCHEMAS["TaskDetail"] = {
    "allOf": [
        _ref("Task"),
        _object(
            {
                "layout": _nullable("object", description="The layout recording now (mixed)."),
                "files": {"type": "array", "items": _ref("File")},
                "events": {
                    "type": "array",
                    "items": _ref("Event"),
                    "description": "The timeline, oldest first (the latest 500).",
                },
                "events_truncated": BOOLEAN,
            }
        ),
    ]
}
PAGE_LINKS = {
    "next": _nullable("string", format="uri", description="The next page, or null."),
    "previous": _nullable("string", format="uri", description="The previous page, or null."),
}
SCHEMAS["TaskPage"] = _object({"results": {"type": "array", "items": _ref("Task")}, **PAGE_LINKS})
SCHEMAS["FilePage"] = _object(
    {
        "results": {"type": "array", "items": _ref("File")},
        **PAGE_LINKS,
        "urls_expire_at": {**DATETIME, "description": "When this page's presigned URLs expire."},
    }
)
SCHEMAS["StartRequest"] = {
    "type": "object",
    "properties": START_PROPERTIES,
    "additionalProperties": False,
    "description": "Every field is optional: omitted ones take the start form's defaults (the "
    "app's MaxIdleTime/MaxRecordTime, the default storage profile, mixed 1280×720…).",
}

ERRORS = {
    400: "Invalid input; `error.fields` says which values and why. Nothing changed.",
    401: "No token, or an unknown or revoked one.",
    403: "Your role does not have the capability this needs.",
    404: "No such object (or endpoint).",
    405: "Method not allowed.",
    409: "Not possible in the recording's state (or ZEGO refused it in its state).",
    413: "Body too large.",
    429: "ZEGO's rate limit for this app was reached: try again in a moment.",
    502: "ZEGO could not be reached or refused our credentials.",
}
COMMON_ERRORS = (400, 401, 403, 405)


def _responses(success: dict[int, tuple[str, dict]], errors: tuple[int, ...]) -> dict:
    responses: dict[str, Any] = {
        str(status): {
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
        for status, (description, schema) in success.items()
    }
    for status in sorted({*COMMON_ERRORS, *errors}):
        responses[str(status)] = {
            "description": ERRORS[status],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
    return responses


def _query(form_class) -> list[dict]:
    return [
        {"name": name, "in": "query", "required": False, "schema": schema}
        for name, schema in query_properties(form_class).items()
    ]


def _id(description: str) -> dict:
    return {
        "name": "id",
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
    }


def _body(schema: dict, *, required: bool = False) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _operation(
    operation_id: str,
    summary: str,
    capability: str,
    responses: dict,
    **extra: Any,
) -> dict:
    return {
        "operationId": operation_id,
        "summary": summary,
        "description": f"Needs the `{capability}` capability.",
        "x-capability": capability,
        "responses": responses,
        **extra,
    }


def _control(action: str, summary: str, body: dict, *, body_required: bool = False) -> dict:
    return {
        "post": _operation(
            f"task_{action}",
            summary,
            "control_recordings",
            _responses(
                {200: ("The task after the action.", _ref("Task"))}, (404, 409, 413, 429, 502)
            ),
            parameters=[_id("The task's id.")],
            requestBody=_body(body, required=body_required),
        )
    }


NO_BODY = {"type": "object", "additionalProperties": False, "maxProperties": 0}


def paths() -> dict[str, Any]:
    return {
        "/api/v1/rooms": {
            "get": _operation(
                "rooms_list",
                "Rooms with live presence (streams, head count) and whether one records",
                "view_rooms",
                _responses(
                    {
                        200: (
                            "Rooms of the active apps.",
                            _object({"results": {"type": "array", "items": _ref("Room")}}),
                        )
                    },
                    (),
                ),
                parameters=_query(RoomFilterForm),
            )
        },
        "/api/v1/rooms/{id}/recordings": {
            "post": _operation(
                "recording_start",
                "Start recording a room",
                "control_recordings",
                _responses(
                    {
                        201: ("Started: ZEGO created the task.", _ref("Task")),
                        202: (
                            "ZEGO did not answer in time; the console is looking the task up.",
                            _ref("Task"),
                        ),
                        200: ("The task this click_token started before.", _ref("Task")),
                    },
                    (404, 409, 413, 429, 502),
                ),
                parameters=[_id("The room's id (from GET /api/v1/rooms).")],
                requestBody=_body(_ref("StartRequest")),
            )
        },
        "/api/v1/tasks": {
            "get": _operation(
                "tasks_list",
                "Recording tasks, newest first, filtered, in keyset pages",
                "view_recordings",
                _responses({200: ("A page of tasks.", _ref("TaskPage"))}, ()),
                parameters=_query(ApiTaskFilterForm),
            )
        },
        "/api/v1/tasks/{id}": {
            "get": _operation(
                "task_detail",
                "A task with its files (without URLs) and timeline",
                "view_recordings",
                _responses({200: ("The task.", _ref("TaskDetail"))}, (404,)),
                parameters=[_id("The task's id.")],
            )
        },
        "/api/v1/tasks/{id}/stop": _control("stop", "Stop a recording", NO_BODY),
        "/api/v1/tasks/{id}/pause": _control("pause", "Pause a mixed recording", NO_BODY),
        "/api/v1/tasks/{id}/resume": _control("resume", "Resume a paused recording", NO_BODY),
        "/api/v1/tasks/{id}/snapshot": _control(
            "snapshot", "Take a snapshot of a mixed recording", NO_BODY
        ),
        "/api/v1/tasks/{id}/whiteboard": _control(
            "whiteboard",
            "Switch the recorded whiteboard",
            _object(WHITEBOARD_PROPERTIES) | {"additionalProperties": False},
            body_required=True,
        ),
        "/api/v1/tasks/{id}/layout": {
            "post": _operation(
                "task_layout",
                "Change a mixed recording's layout (one UpdateLayout)",
                "control_recordings",
                _responses(
                    {200: ("The task, its new layout applied.", _ref("Task"))},
                    (404, 409, 413, 429, 502),
                ),
                parameters=[_id("The task's id.")],
                requestBody=_body(
                    _object(LAYOUT_PROPERTIES) | {"additionalProperties": False}, required=True
                ),
            )
        },
        "/api/v1/files": {
            "get": _operation(
                "files_list",
                "Recorded files with short-lived presigned URLs, in keyset pages",
                "play_files",
                _responses({200: ("A page of files.", _ref("FilePage"))}, ()),
                parameters=_query(ApiFileFilterForm),
            )
        },
        "/api/v1/storage-profiles": {
            "get": _operation(
                "storage_profiles_list",
                "Storage profiles (never their secrets)",
                "manage_storage",
                _responses(
                    {
                        200: (
                            "Every storage profile.",
                            _object(
                                {"results": {"type": "array", "items": _ref("StorageProfile")}}
                            ),
                        )
                    },
                    (),
                ),
            )
        },
        "/api/v1/storage-profiles/{id}": {
            "get": _operation(
                "storage_profile_detail",
                "One storage profile (never its secret)",
                "manage_storage",
                _responses({200: ("The profile.", _ref("StorageProfile"))}, (404,)),
                parameters=[_id("The profile's id.")],
            )
        },
    }


def openapi_document(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Recdesk API",
            "version": API_VERSION,
            "description": "The console's actions for programs. Authenticate with a personal "
            "token (the console's API tokens page) as `Authorization: Bearer <token>`; it acts "
            "as you, with your role's capabilities, and is audited like the console.",
        },
        "servers": [{"url": server_url.rstrip("/")}],
        "security": [{"token": []}],
        "paths": paths(),
        "components": {
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token.",
                }
            },
            "schemas": SCHEMAS,
        },
    }
