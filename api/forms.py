"""The API's input: JSON bodies and query strings fed to the console's own forms.

Each rule lives in the console's form (StartForm, TaskFilterForm, FileFilterForm, WhiteboardForm);
this module only translates JSON to what those forms read, checks JSON types first
(api.formschema), and adds what only the API has: page size, a task filter, strict cursors.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django import forms
from django.http import QueryDict

from api.errors import ApiError, form_error
from api.formschema import form_properties, type_problems
from api.representations import RECORD_MODE_NAMES
from playback.forms import FileFilterForm
from recordings.forms import StartForm, TaskFilterForm, WhiteboardForm
from recordings.models import RecordingTask, Room, ZegoApp

MAX_PAGE_SIZE = 100

# ----------------------------------------------------------------------------- start a recording

# Choices the API returns by name (api.representations): the start takes the code or that name,
# so a client can send back what it received.
START_NAMES: dict[str, dict[int, str]] = {"record_mode": RECORD_MODE_NAMES}


def _code_or_name_schema(field: forms.TypedChoiceField, names: dict[int, str]) -> dict:
    codes = [int(code) for code, _ in field.choices]
    meanings = "; ".join(f'{code} or "{names[code]}": {label}' for code, label in field.choices)
    return {
        "type": ["integer", "string"],
        "enum": [*codes, *(names[code] for code in codes)],
        "description": f"{meanings}. Tasks show the name.",
    }


START_PROPERTIES: dict[str, dict] = {
    **form_properties(StartForm, exclude=("preset_name", "click_token", "custom_layout")),
    **{
        name: _code_or_name_schema(StartForm.base_fields[name], names)
        for name, names in START_NAMES.items()
    },
    "click_token": {
        "type": "string",
        "format": "uuid",
        "description": "Makes retries safe: a second start with the same token returns the "
        "first one's task instead of starting another. A new one is made when omitted.",
    },
    "custom_layout": {
        "type": ["object", "null"],
        "description": "Mixed mode: a custom layout drawn on the output canvas, as the layout "
        'editor makes it: {"tiles": [{"StreamId", "Left", "Top", "Right", "Bottom", "Layer"}]}.',
        "properties": {"tiles": {"type": "array", "items": {"type": "object"}}},
        "required": ["tiles"],
    },
}


def start_form(body: dict[str, Any], *, room: Room) -> StartForm:
    """The console's start form, bound to `body` over the values the form would show first."""
    _check_types(body, START_PROPERTIES)
    data = _start_defaults(room)
    data.update(body)
    data.update(_codes_for_names(body, START_NAMES))
    data["click_token"] = body.get("click_token") or str(uuid.uuid4())
    layout = body.get("custom_layout")
    data["custom_layout"] = json.dumps(layout) if layout else ""
    return StartForm(data, app=room.app, room=room)


def _codes_for_names(body: dict[str, Any], named: dict[str, dict[int, str]]) -> dict[str, int]:
    """The code of each named choice in `body`, given as code or name; any other value is refused
    with the values allowed."""
    codes, problems = {}, {}
    for field, names in named.items():
        if field not in body:
            continue
        value = body[field]
        by_name = {name: code for code, name in names.items()}
        if value in by_name:
            codes[field] = by_name[value]
        elif value in names:
            codes[field] = int(value)
        else:
            allowed = ", ".join(json.dumps(item) for item in [*names, *names.values()])
            problems[field] = [f"{json.dumps(value)} is not one of {allowed}."]
    if problems:
        raise ApiError(400, "invalid", "Some values are not allowed.", fields=problems)
    return codes


def _start_defaults(room: Room) -> dict[str, Any]:
    unbound = StartForm(app=room.app, room=room)
    defaults = {}
    for name in START_PROPERTIES:
        value = unbound[name].initial
        if value is not None and value != "":
            defaults[name] = getattr(value, "pk", value)
    return defaults


def click_token_reused(form: StartForm, room: Room) -> RecordingTask | None:
    """The task an earlier start with this click token made for another room, if any."""
    return (
        RecordingTask.objects.filter(click_token=form.cleaned_data["click_token"])
        .exclude(room=room)
        .first()
    )


# --------------------------------------------------------------------------------- task actions

WHITEBOARD_PROPERTIES = form_properties(WhiteboardForm)
LAYOUT_PROPERTIES = {
    "layout": {
        "type": "object",
        "description": "The full layout to record from now on (see the layout editor).",
    }
}


def whiteboard_form(body: dict[str, Any]) -> WhiteboardForm:
    _check_types(body, WHITEBOARD_PROPERTIES)
    form = WhiteboardForm(body)
    if not form.is_valid():
        raise form_error(form)
    return form


def layout_from(body: dict[str, Any]) -> dict[str, Any]:
    _check_types(body, LAYOUT_PROPERTIES)
    if "layout" not in body:
        raise ApiError(
            400,
            "invalid",
            'Send the layout as {"layout": {...}}.',
            fields={"layout": ["Required."]},
        )
    return body["layout"]


def no_body_expected(body: dict[str, Any]) -> None:
    _check_types(body, {})


def _check_types(body: dict[str, Any], properties: dict[str, dict]) -> None:
    problems = type_problems(body, properties)
    if problems:
        raise ApiError(400, "invalid", "Some values have the wrong type.", fields=problems)


# ------------------------------------------------------------------------------------ listings


class ApiPagingMixin(forms.Form):
    """Page size from `limit`, and cursors that must be the list's own (never silently dropped:
    a client paging with a bad cursor would otherwise start again from the first page)."""

    limit = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, help_text="Rows per page."
    )

    def clean(self):
        cleaned = super().clean()
        self.page_size = cleaned.get("limit") or self.page_size
        for name in ("after", "before"):
            if self.data.get(name) and cleaned.get(name) is None:
                self.add_error(name, "Not a cursor of this list: use `next` or `previous`.")
        if self.data.get("after") and self.data.get("before"):
            self.add_error("before", "Give either `after` or `before`, not both.")
        return cleaned


class ApiTaskFilterForm(ApiPagingMixin, TaskFilterForm):
    pass


class ApiFileFilterForm(ApiPagingMixin, FileFilterForm):
    task = forms.IntegerField(required=False, min_value=1, help_text="Only this task's files.")

    def filter(self, queryset):
        if self.cleaned_data["task"]:
            queryset = queryset.filter(task_id=self.cleaned_data["task"])
        return super().filter(queryset)


def filter_form(form_class: type[forms.Form], query: QueryDict) -> forms.Form:
    """A listing's filter form, valid, from the query string; 400 for unknown or bad values."""
    unknown = sorted(set(query) - set(form_class.base_fields))
    if unknown:
        known = ", ".join(form_class.base_fields)
        raise ApiError(
            400,
            "invalid",
            "Unknown query parameters.",
            fields={name: [f"Unknown; known parameters: {known}."] for name in unknown},
        )
    empty = sorted(name for name, value in query.items() if value == "")
    if empty:
        raise ApiError(
            400,
            "invalid",
            "Empty query parameters.",
            fields={name: ["Give a value, or leave the parameter out."] for name in empty},
        )
    form = form_class(query)
    if not form.is_valid():
        raise form_error(form, "Some filters are not valid.")
    return form


def query_properties(form_class: type[forms.Form]) -> dict[str, dict]:
    """The query parameters of a listing; an empty value is refused (leave the parameter out)."""
    properties = form_properties(form_class)
    for name in ("after", "before"):
        properties[name] = {
            "type": "string",
            "description": "A cursor from a previous page's `next` / `previous`.",
        }
    for schema in properties.values():
        if "enum" in schema:
            schema["enum"] = [value for value in schema["enum"] if value != ""]
        elif schema["type"] == "string":
            schema["minLength"] = 1
    return properties


# --------------------------------------------------------------------------------- tokens (UI)


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="What will use it, so you know which to revoke (e.g. “nightly export”).",
    )


class RoomFilterForm(forms.Form):
    app = forms.ModelChoiceField(
        queryset=ZegoApp.objects.filter(is_active=True),
        required=False,
        help_text="Only this ZEGO app's rooms (its id).",
    )


class NoFilters(forms.Form):
    """For listings that take no query parameters (any is refused as unknown)."""
