from __future__ import annotations

import re

from django import forms

from policies import schedule
from policies.models import WEEKDAYS, RecordingPolicy
from recordings.models import RecordingPreset, Room, ZegoApp
from recordings.start import StartOptions, request_problems

# ZEGO's rules for IDs (Express SDK docs): stream IDs ≤ 256 bytes of letters, digits, "-" and "_"
# (we also accept "." as the console's room IDs do); user IDs ≤ 64 bytes without spaces. Commas
# and spaces separate the list, so no ID may contain them.
STREAM_ID = re.compile(r"[A-Za-z0-9_.\-]{1,256}")
USER_ID = re.compile(r"[^\s,]{1,64}")
ID_SEPARATORS = re.compile(r"[\s,]+")


class RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, room: Room) -> str:
        return f"{room.room_id} ({room.app.name})"


class PresetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, preset: RecordingPreset) -> str:
        return f"{preset.name} ({preset.app.name})"


class PolicyForm(forms.ModelForm):
    room = RoomChoiceField(
        queryset=Room.objects.select_related("app").order_by("app__name", "room_id"),
        required=False,
        empty_label="Every room of the app",
        help_text="A room's own policy takes precedence over its app's.",
    )
    schedule_days = forms.TypedMultipleChoiceField(
        label="Days",
        coerce=int,
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="No days: no schedule.",
    )
    window_start = forms.TimeField(
        label="Window opens",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    window_end = forms.TimeField(
        label="Window closes",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Recordings the window started are stopped then. Same day: the window "
        "cannot cross midnight.",
    )
    time_zone = forms.ChoiceField(initial="UTC", help_text="The schedule's days and times.")
    preset = PresetChoiceField(
        queryset=RecordingPreset.objects.select_related("app"),
        required=False,
        empty_label="The app's defaults (mixed, grid, 1280×720 MP4)",
        help_text="Saved from the start form. Its stream selection is replaced by the list below.",
    )
    consent_ids = forms.CharField(
        label="Listed IDs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Separated by commas, spaces or new lines.",
    )

    class Meta:
        model = RecordingPolicy
        fields = [
            "name",
            "app",
            "room",
            "enabled",
            "on_first_publisher",
            "schedule_days",
            "window_start",
            "window_end",
            "time_zone",
            "preset",
            "max_idle_time",
            "max_record_time",
            "consent",
            "consent_match",
            "consent_ids",
        ]
        help_texts = {
            "max_idle_time": "Empty: the app's default. Range 5–86400.",
            "max_record_time": "Empty: the app's default. Range 300–86400.",
            "consent": "Who may be recorded. With a list, streams that join after the start "
            "are not recorded (ZEGO records a fixed selection).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["app"].queryset = ZegoApp.objects.filter(is_active=True)
        self.fields["time_zone"].choices = [
            (name, name) for name in sorted(schedule.time_zone_names())
        ]
        self.initial["consent_ids"] = ", ".join(self.instance.consent_ids or [])

    def clean_consent_ids(self) -> list[str]:
        return [item for item in ID_SEPARATORS.split(self.cleaned_data["consent_ids"]) if item]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        self._check_trigger(cleaned)
        self._check_window(cleaned)
        self._check_same_app(cleaned)
        self._check_consent(cleaned)
        if not self.errors:
            self._check_with_zego_rules(cleaned)
        return cleaned

    def _check_trigger(self, cleaned) -> None:
        if not cleaned["on_first_publisher"] and not cleaned["schedule_days"]:
            self.add_error(
                "on_first_publisher",
                "Choose when the policy records: on the first publisher, on schedule days, "
                "or both.",
            )

    def _check_window(self, cleaned) -> None:
        opens, closes = cleaned["window_start"], cleaned["window_end"]
        if not cleaned["schedule_days"]:
            if opens or closes:
                self.add_error("schedule_days", "Choose the days the window applies to.")
            return
        if opens is None:
            self.add_error("window_start", "Give the time the window opens.")
        if closes is None:
            self.add_error("window_end", "Give the time the window closes.")
        if opens and closes and closes <= opens:
            self.add_error(
                "window_end",
                f"The window must close after it opens ({opens:%H:%M}); it cannot cross "
                "midnight — use two days' windows instead.",
            )

    def _check_same_app(self, cleaned) -> None:
        app, room, preset = cleaned["app"], cleaned["room"], cleaned["preset"]
        if room is not None and room.app_id != app.pk:
            self.add_error(
                "room", f"Room {room.room_id} belongs to {room.app.name}, not {app.name}."
            )
        if preset is not None and preset.app_id != app.pk:
            self.add_error(
                "preset",
                f"The preset “{preset.name}” belongs to {preset.app.name}; choose one of "
                f"{app.name}'s presets.",
            )

    def _check_consent(self, cleaned) -> None:
        Consent, MatchBy = RecordingPolicy.Consent, RecordingPolicy.MatchBy
        ids = cleaned["consent_ids"]
        if cleaned["consent"] == Consent.EVERYONE:
            if ids:
                self.add_error(
                    "consent_ids", "Every stream is recorded: remove the IDs or choose a list."
                )
            return
        if not ids:
            self.add_error("consent_ids", "List the IDs to include or exclude.")
            return
        by_user = cleaned["consent_match"] == MatchBy.USER_ID
        pattern = USER_ID if by_user else STREAM_ID
        if bad := [item for item in ids if not pattern.fullmatch(item)]:
            rule = "up to 64 characters" if by_user else "up to 256 letters, digits, - _ or ."
            kind = "user" if by_user else "stream"
            self.add_error("consent_ids", f"Not a ZEGO {kind} ID ({rule}): {', '.join(bad)}.")

    def _check_with_zego_rules(self, cleaned) -> None:
        """A preset saved long ago, with these timers, must still make a StartRecord ZEGO takes."""
        app, preset = cleaned["app"], cleaned["preset"]
        values = preset.options if preset else {"record_mode": 2}
        options = StartOptions.from_preset(values, storage_profile=None)
        options.max_idle_time = cleaned["max_idle_time"] or app.default_max_idle_time
        options.max_record_time = cleaned["max_record_time"] or app.default_max_record_time
        options.include_streams, options.exclude_streams = [], []
        for problem in request_problems(options, "policy-check"):
            self.add_error(None, problem)
