from __future__ import annotations

import json
import math
import re
import uuid

from django import forms
from django.db.models import QuerySet

import zego
import zego.validation
from core.forms import DateRangeForm, KeepSecretsMixin, SecretField
from core.keyset import KeysetFormMixin
from recordings import pricing, start
from recordings.models import (
    MAX_IDLE_TIME_RANGE,
    MAX_RECORD_TIME_RANGE,
    RETENTION_DAYS_RANGE,
    RecordingTask,
    Room,
    ZegoApp,
)


class ZegoAppForm(KeepSecretsMixin, forms.ModelForm):
    server_secret = SecretField(
        required=False,
        max_length=200,
        help_text=ZegoApp._meta.get_field("server_secret").help_text,
    )
    callback_secret = SecretField(
        required=False,
        max_length=200,
        help_text=ZegoApp._meta.get_field("callback_secret").help_text,
    )

    class Meta:
        model = ZegoApp
        fields = [
            "name",
            "app_id",
            "server_secret",
            "callback_secret",
            "api_url",
            "rtc_api_url",
            "default_max_idle_time",
            "default_max_record_time",
            "is_active",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def clean_server_secret(self):
        secret = self.cleaned_data["server_secret"]
        if not secret and not self.instance.server_secret:
            raise forms.ValidationError("The server secret is required to sign requests to ZEGO.")
        if secret and len(secret) < 16:
            raise forms.ValidationError("A ZEGO server secret is 32 characters long.")
        return secret


class RoomAddForm(forms.Form):
    room_id = forms.CharField(
        label="Room ID",
        max_length=128,
        help_text="The RoomID your app's users join (letters, digits and -_.: only, as ZEGO allows).",
    )
    label = forms.CharField(
        max_length=100, required=False, help_text="Optional name shown in lists."
    )

    def clean_room_id(self):
        room_id = self.cleaned_data["room_id"].strip()
        if not re.fullmatch(r"[A-Za-z0-9_.:\-]+", room_id):
            raise forms.ValidationError("Use letters, digits and - _ . : only (no spaces).")
        return room_id


ESTIMATE_FIELDS = ("record_mode", "stream_type", "resolution", "planned_minutes", "max_record_time")


class StartForm(forms.Form):
    click_token = forms.UUIDField(widget=forms.HiddenInput)
    record_mode = forms.TypedChoiceField(
        label="Mode",
        coerce=int,
        choices=[(2, "Mixed — one file with everyone"), (1, "Single stream — one file per stream")],
        initial=2,
        widget=forms.RadioSelect,
    )
    stream_type = forms.TypedChoiceField(
        label="Record", coerce=int, choices=start.STREAM_TYPES, initial=3
    )
    output_format = forms.ChoiceField(
        label="Output format", choices=start.OUTPUT_FORMATS, initial="mp4"
    )
    resolution = forms.ChoiceField(
        choices=start.RESOLUTIONS,
        initial="1280x720",
        help_text="Mixed mode only. ZEGO allows up to 1920×1080.",
    )
    fps = forms.IntegerField(
        label="Frames per second",
        min_value=5,
        max_value=30,
        initial=15,
        help_text="Mixed mode: 5–30, ZEGO default 15.",
    )
    bitrate_kbps = forms.IntegerField(
        label="Video bitrate (kbps)",
        min_value=100,
        max_value=10000,
        initial=1500,
        help_text="Mixed mode, e.g. 1500 for 720p.",
    )
    mix_mode = forms.TypedChoiceField(
        label="Layout", coerce=int, choices=start.MIX_MODES, initial=2
    )
    fill_mode = forms.TypedChoiceField(
        label="Fill mode", coerce=int, choices=start.FILL_MODES, initial=1
    )
    background_color = forms.CharField(
        label="Background colour",
        initial="#000000",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    max_idle_time = forms.IntegerField(
        label="MaxIdleTime (s)",
        min_value=MAX_IDLE_TIME_RANGE[0],
        max_value=MAX_IDLE_TIME_RANGE[1],
        help_text="Stop after this long with nobody publishing. ZEGO default 30, range 5–86400.",
    )
    max_record_time = forms.IntegerField(
        label="MaxRecordTime (s)",
        min_value=MAX_RECORD_TIME_RANGE[0],
        max_value=MAX_RECORD_TIME_RANGE[1],
        help_text="Longest the task may run. ZEGO default and cap 86400 (24 h), minimum 300.",
    )
    include_streams = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only these streams (none ticked = every stream, including ones that join later).",
    )
    exclude_streams = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, help_text="Never these streams."
    )
    storage_profile = forms.ModelChoiceField(
        queryset=None, help_text="Where ZEGO uploads the files."
    )
    preset_name = forms.CharField(
        label="Save these settings as a preset named", max_length=80, required=False
    )
    whiteboard_id = forms.CharField(
        label="Whiteboard ID",
        required=False,
        max_length=128,
        help_text="Optional: record this whiteboard too (you can switch boards while recording).",
    )
    watch_live = forms.BooleanField(
        label="Watch live while it records",
        required=False,
        help_text="Mixed mode, HLS: ZEGO uploads the segments as it records, and the task page "
        "plays them a few seconds behind.",
    )
    speaker_activity = forms.BooleanField(
        label="Speaker activity",
        required=False,
        help_text="Mixed mode with audio: ZEGO writes each stream's volume per second; the "
        "player draws it under the video.",
    )
    planned_minutes = forms.IntegerField(
        label="Planned length (min)",
        required=False,
        min_value=1,
        max_value=1440,
        initial=60,
        help_text="For the cost estimate only: MaxRecordTime still ends the recording.",
    )
    # Written by the layout editor: {"tiles": [MixInputList tiles]} for a custom layout, else "".
    custom_layout = forms.CharField(required=False, widget=forms.HiddenInput)
    background_image = forms.URLField(
        label="Background image URL",
        required=False,
        max_length=1000,
        help_text="Optional JPG/PNG (≤ 5 MB) stretched over the canvas; ZEGO skips it if it cannot download it.",
    )

    def __init__(self, *args, app: ZegoApp, room: Room, **kwargs):
        super().__init__(*args, **kwargs)
        from storage_profiles.models import StorageProfile

        self.app, self.room = app, room
        profiles = StorageProfile.objects.usable()
        self.fields["storage_profile"].queryset = profiles
        self.fields["storage_profile"].initial = profiles.filter(is_default=True).first()
        self.fields["max_idle_time"].initial = app.default_max_idle_time
        self.fields["max_record_time"].initial = app.default_max_record_time
        self.fields["click_token"].initial = uuid.uuid4()
        streams = [
            (s["stream_id"], f"{s['stream_id']} ({s.get('user_id', '')})") for s in room.streams
        ]
        self.fields["include_streams"].choices = streams
        self.fields["exclude_streams"].choices = streams

    def clean_background_color(self):
        value = self.cleaned_data["background_color"]
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
            raise forms.ValidationError("Pick a colour as #RRGGBB.")
        return value

    def clean_custom_layout(self) -> list[dict]:
        raw = self.cleaned_data["custom_layout"].strip()
        if not raw:
            return []
        try:
            tiles = json.loads(raw).get("tiles")
        except (ValueError, AttributeError) as error:
            raise forms.ValidationError(
                "The drawn layout could not be read; draw it again."
            ) from error
        if not isinstance(tiles, list):
            raise forms.ValidationError("The drawn layout has no tiles.")
        return tiles

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        self._check_combinations(cleaned)
        if not self.errors:
            self._check_custom_layout(cleaned)
        if not self.errors:
            self._check_with_zego_rules()
        return cleaned

    def _check_custom_layout(self, cleaned) -> None:
        from recordings.layouts import problem_text, tile_problems

        tiles = cleaned["custom_layout"]
        if not tiles or cleaned["record_mode"] != 2:
            return
        width, height = (int(part) for part in cleaned["resolution"].split("x"))
        for item in tile_problems(tiles, width=width, height=height):
            self.add_error("custom_layout", problem_text(item, tiles))

    def _check_combinations(self, cleaned) -> None:
        stream_type, output = cleaned["stream_type"], cleaned["output_format"]
        if output == "mp3" and stream_type != 1:
            self.add_error("output_format", "MP3 holds audio only: choose Record → Audio only.")
        if output == "jpg" and stream_type == 1:
            self.add_error(
                "output_format", "Snapshots need video: choose a Record option with video."
            )
        if cleaned.get("watch_live") and output != "hls":
            self.add_error(
                "watch_live", "Watching live needs HLS: choose Output format → HLS, or untick this."
            )
        elif cleaned.get("watch_live") and cleaned["record_mode"] != 2:
            # Single-stream mode makes a playlist per stream: no one picture for the task page.
            self.add_error("watch_live", "Watching live is for mixed recordings: choose Mixed.")
        if cleaned.get("speaker_activity") and cleaned["record_mode"] != 2:
            self.add_error("speaker_activity", "ZEGO records speaker activity in mixed mode only.")
        elif cleaned.get("speaker_activity") and stream_type == zego.StreamType.VIDEO:
            self.add_error(
                "speaker_activity",
                "Speaker activity needs audio: choose a Record option with audio.",
            )
        overlap = set(cleaned["include_streams"]) & set(cleaned["exclude_streams"])
        if overlap:
            self.add_error(
                "exclude_streams", f"Both included and excluded: {', '.join(sorted(overlap))}."
            )
        # options() needs every field; one refused above has left cleaned_data.
        if not self.errors and self.options().selects_nothing():
            self.add_error("exclude_streams", "That leaves no stream to record.")

    def _check_with_zego_rules(self) -> None:
        for problem in start.request_problems(self.options(), self.room.room_id):
            self.add_error(None, problem)

    def options(self) -> start.StartOptions:
        data = self.cleaned_data
        width, height = (int(part) for part in data["resolution"].split("x"))
        return start.StartOptions(
            record_mode=data["record_mode"],
            stream_type=data["stream_type"],
            output_format=data["output_format"],
            width=width,
            height=height,
            fps=data["fps"],
            bitrate_kbps=data["bitrate_kbps"],
            fill_mode=data["fill_mode"],
            mix_mode=data["mix_mode"],
            background_color=data["background_color"],
            max_idle_time=data["max_idle_time"],
            max_record_time=data["max_record_time"],
            include_streams=data["include_streams"],
            exclude_streams=data["exclude_streams"],
            room_streams=[s["stream_id"] for s in self.room.streams],
            storage_profile=data["storage_profile"],
            custom_tiles=self._custom_tiles(data),
            background_image=data.get("background_image", ""),
            whiteboard_id=data.get("whiteboard_id", "").strip(),
            watch_live=bool(data.get("watch_live")),
            speaker_activity=bool(data.get("speaker_activity")),
        )

    def cost_estimate(self) -> pricing.Estimate | None:
        """The cost band of what the form asks for now (None while a field it needs is invalid)."""
        values = {name: self._current(name) for name in ESTIMATE_FIELDS}
        if any(values[name] in (None, "") for name in ESTIMATE_FIELDS):
            return None
        width, height = (int(part) for part in values["resolution"].split("x"))
        return pricing.estimate(
            mixed=int(values["record_mode"]) == zego.RecordMode.MIXED,
            stream_type=int(values["stream_type"]),
            width=width,
            height=height,
            streams=len(self.options_streams()),
            planned_minutes=int(values["planned_minutes"]),
            max_minutes=math.ceil(int(values["max_record_time"]) / 60),
        )

    def _current(self, name: str):
        if not self.is_bound:
            return self.get_initial_for_field(self.fields[name], name)
        self.is_valid()
        return self.cleaned_data.get(name)

    def options_streams(self) -> list[str]:
        """The streams a single-stream task would record now (each one an output)."""
        live = [s["stream_id"] for s in self.room.streams]
        chosen = (self._current("include_streams") or live) if self.is_bound else live
        excluded = set(self._current("exclude_streams") or []) if self.is_bound else set()
        return [stream for stream in chosen if stream not in excluded]

    @staticmethod
    def _custom_tiles(data) -> list[dict]:
        if data["record_mode"] != 2 or data["stream_type"] == zego.StreamType.AUDIO:
            return []
        return data.get("custom_layout") or []

    @staticmethod
    def initial_from_preset(preset) -> dict:
        values = dict(preset.options)
        values["resolution"] = f"{values.pop('width', 1280)}x{values.pop('height', 720)}"
        profile_id = values.pop("storage_profile_id", None)
        if profile_id:  # a preset without one keeps the default profile preselected
            values["storage_profile"] = profile_id
        values.pop("room_streams", None)
        tiles = values.pop("custom_tiles", None)
        values["custom_layout"] = json.dumps({"tiles": tiles}) if tiles else ""
        return values


FEW_ROOMS = 50


def rooms_matching(text: str) -> list[int] | QuerySet[Room]:
    """Rooms whose ID contains `text`: their ids when few (each room's tasks then come from the
    (room, created_at) index), else a subquery (matching tasks are then common enough that walking
    the newest first finds a page quickly)."""
    rooms = Room.objects.filter(room_id__icontains=text).values_list("pk", flat=True)
    few = list(rooms[: FEW_ROOMS + 1])
    return few if len(few) <= FEW_ROOMS else rooms


class TaskFilterForm(KeysetFormMixin, DateRangeForm):
    keyset_model = RecordingTask
    page_size = 25

    app = forms.ModelChoiceField(
        queryset=ZegoApp.objects.order_by("name"), required=False, empty_label="Any app"
    )
    room = forms.CharField(required=False, max_length=128, label="Room ID")
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any status"),
            ("active", "Active (not final)"),
            *RecordingTask.Status.choices,
        ],
    )
    who = forms.CharField(required=False, max_length=150, label="Started by")
    field_order = ["app", "room", "status", "who", "since", "until"]

    def filter(self, queryset):
        if not self.is_valid():
            return queryset.none()
        data = self.cleaned_data
        if data["app"]:
            queryset = queryset.filter(app=data["app"])
        if data["room"]:
            queryset = queryset.filter(room__in=rooms_matching(data["room"]))
        if data["status"] == "active":
            # IN rather than NOT IN: the (status, created_at) index then finds the few live ones.
            queryset = queryset.filter(status__in=RecordingTask.RUNNING_STATUSES)
        elif data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["who"]:
            queryset = queryset.filter(started_by_label__icontains=data["who"])
        return self.filter_dates(queryset)


class WhiteboardForm(forms.Form):
    whiteboard_id = forms.CharField(label="Whiteboard ID", max_length=128)


class RetentionForm(forms.ModelForm):
    class Meta:
        model = ZegoApp
        fields = ["retention_days", "retention_enabled"]
        # One message for every number below 1, whether the form field (≥ 0) or the model (≥ 1)
        # refuses it.
        error_messages = {
            "retention_days": {
                "min_value": f"Keep files at least {RETENTION_DAYS_RANGE[0]} day, or leave it "
                "empty to keep them forever.",
                "max_value": f"Keep files at most {RETENTION_DAYS_RANGE[1]} days (100 years).",
            }
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("retention_enabled") and not cleaned.get("retention_days"):
            self.add_error("retention_days", "Say how many days to keep recordings first.")
        return cleaned


class LegalHoldForm(forms.Form):
    held = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        required=False, max_length=200, label="Reason (case, request, who asked)"
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("held") and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say why the recording is held.")
        return cleaned


class UsageForm(forms.Form):
    app = forms.ModelChoiceField(
        queryset=ZegoApp.objects.order_by("name"), required=False, empty_label=None
    )
