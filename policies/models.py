from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from recordings.models import (
    MAX_IDLE_TIME_RANGE,
    MAX_RECORD_TIME_RANGE,
    RecordingPreset,
    RecordingTask,
    Room,
    ZegoApp,
)

# How a policy signs what it does; a username cannot contain the space, so no person's label can.
POLICY_ACTOR_PREFIX = "policy: "

WEEKDAYS = [
    (1, "Mon"),
    (2, "Tue"),
    (3, "Wed"),
    (4, "Thu"),
    (5, "Fri"),
    (6, "Sat"),
    (7, "Sun"),
]


class RecordingPolicy(models.Model):
    """When to record a room without anyone clicking Start, and with which options.

    An app-wide policy covers every room of the app; an enabled room policy replaces it for
    its room.
    """

    class Consent(models.TextChoices):
        EVERYONE = "everyone", "Every stream"
        INCLUDE = "include", "Only the listed ones"
        EXCLUDE = "exclude", "Every stream except the listed ones"

    class MatchBy(models.TextChoices):
        STREAM_ID = "stream_id", "Stream IDs"
        USER_ID = "user_id", "User IDs"

    app = models.ForeignKey(ZegoApp, on_delete=models.CASCADE, related_name="recording_policies")
    room = models.ForeignKey(
        Room,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="recording_policies",
        help_text="Empty: every room of the app (a room's own policy takes precedence).",
    )
    name = models.CharField(max_length=80)
    enabled = models.BooleanField(default=True)
    on_first_publisher = models.BooleanField(
        "Start on first publisher",
        default=False,
        help_text="Start when a room goes from nobody publishing to someone publishing.",
    )
    # ISO weekdays (1 = Monday); empty means no schedule.
    schedule_days = models.JSONField("Days", default=list, blank=True)
    window_start = models.TimeField("Window opens", null=True, blank=True)
    window_end = models.TimeField("Window closes", null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    max_idle_time = models.PositiveIntegerField(
        "MaxIdleTime (s)",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(MAX_IDLE_TIME_RANGE[0]),
            MaxValueValidator(MAX_IDLE_TIME_RANGE[1]),
        ],
    )
    max_record_time = models.PositiveIntegerField(
        "MaxRecordTime (s)",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(MAX_RECORD_TIME_RANGE[0]),
            MaxValueValidator(MAX_RECORD_TIME_RANGE[1]),
        ],
    )
    # RESTRICT: a preset in use cannot be deleted on its own, only with its whole app.
    preset = models.ForeignKey(
        RecordingPreset,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="policies",
    )
    consent = models.CharField(max_length=10, choices=Consent.choices, default=Consent.EVERYONE)
    consent_match = models.CharField(
        "Listed by", max_length=10, choices=MatchBy.choices, default=MatchBy.STREAM_ID
    )
    consent_ids = models.JSONField("Listed IDs", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["app", "room", "name"]
        verbose_name_plural = "recording policies"
        constraints = [
            models.UniqueConstraint(fields=["app", "name"], name="unique_policy_name_per_app"),
            models.UniqueConstraint(
                fields=["app"],
                condition=models.Q(room__isnull=True),
                name="one_app_wide_policy",
                violation_error_message="This app already has an app-wide policy; edit that "
                "one, or choose a room.",
            ),
            models.UniqueConstraint(
                fields=["room"],
                condition=models.Q(room__isnull=False),
                name="one_policy_per_room",
                violation_error_message="This room already has a policy; edit that one.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_schedule(self) -> bool:
        return bool(self.schedule_days)

    @property
    def actor_label(self) -> str:
        """How the policy signs what it does (tasks' "Started by", timeline, audit log)."""
        return f"{POLICY_ACTOR_PREFIX}{self.name}"[:150]

    def days_display(self) -> str:
        names = dict(WEEKDAYS)
        return ", ".join(names[day] for day in sorted(self.schedule_days))


class PolicyOccasion(models.Model):
    """One stretch of time in which a policy records a room: a live session or a schedule window.

    A policy starts at most the recordings an occasion needs, and none after a person stopped
    one during it.
    """

    class Kind(models.TextChoices):
        SESSION = "session", "Live session"
        WINDOW = "window", "Schedule window"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    key = models.CharField(max_length=64)
    began_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    # The newest TaskEvent id when the occasion was first seen: a person's Stop recorded after it
    # happened during the occasion (ids order events whatever the clocks say).
    events_before = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-began_at"]
        constraints = [
            models.UniqueConstraint(fields=["room", "kind", "key"], name="unique_policy_occasion"),
            # Two workers noticing the same first publisher open one session, not two.
            models.UniqueConstraint(
                fields=["room"],
                condition=models.Q(kind="session", ended_at__isnull=True),
                name="one_open_session_per_room",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key} in {self.room}"


class PolicyStart(models.Model):
    """A recording a policy started, and when the policy must stop it (a schedule's close)."""

    policy = models.ForeignKey(
        RecordingPolicy, null=True, on_delete=models.SET_NULL, related_name="starts"
    )
    policy_name = models.CharField(max_length=80)
    occasion = models.ForeignKey(PolicyOccasion, on_delete=models.CASCADE, related_name="starts")
    task = models.OneToOneField(
        RecordingTask, on_delete=models.CASCADE, related_name="policy_start"
    )
    attempt = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=300)
    stop_at = models.DateTimeField(null=True, blank=True)
    stop_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["stop_at", "stop_sent_at"])]

    def __str__(self) -> str:
        return f"{self.policy_name} → {self.task}"
