from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.fields import EncryptedTextField

# ZEGO's own limits for the two timers (spec §3.1.1).
MAX_IDLE_TIME_RANGE = (5, 86400)
MAX_RECORD_TIME_RANGE = (300, 86400)
RETENTION_DAYS_RANGE = (1, 36500)


def default_api_url() -> str:
    return settings.ZEGO_DEFAULT_API_URL


def default_rtc_api_url() -> str:
    return settings.ZEGO_DEFAULT_RTC_API_URL


class ZegoApp(models.Model):
    """A ZEGO project (AppID) the console records for."""

    name = models.CharField(max_length=100, unique=True)
    app_id = models.PositiveBigIntegerField(
        "AppID", unique=True, validators=[MaxValueValidator(2**32 - 1)]
    )
    server_secret = EncryptedTextField(
        help_text="ZEGO console → Project → Project information → ServerSecret (32 characters)."
    )
    callback_secret = EncryptedTextField(
        blank=True,
        help_text="The secret ZEGO signs recording callbacks with (Cloud Recording → callback configuration).",
    )
    api_url = models.URLField(
        "Cloud recording API URL",
        default=default_api_url,
        help_text="https://cloudrecord-api.zego.im, a regional host, or the local emulator.",
    )
    rtc_api_url = models.URLField(
        "RTC API URL",
        default=default_rtc_api_url,
        help_text="https://rtc-api.zego.im, used to list live rooms' streams and users.",
    )
    default_max_idle_time = models.PositiveIntegerField(
        "Default MaxIdleTime (s)",
        default=30,
        validators=[
            MinValueValidator(MAX_IDLE_TIME_RANGE[0]),
            MaxValueValidator(MAX_IDLE_TIME_RANGE[1]),
        ],
        help_text="Seconds with no stream before a task stops itself. ZEGO default 30, range 5–86400.",
    )
    default_max_record_time = models.PositiveIntegerField(
        "Default MaxRecordTime (s)",
        default=86400,
        validators=[
            MinValueValidator(MAX_RECORD_TIME_RANGE[0]),
            MaxValueValidator(MAX_RECORD_TIME_RANGE[1]),
        ],
        help_text="Longest a task may run. ZEGO default and maximum 86400 (24 h), minimum 300.",
    )
    is_active = models.BooleanField(default=True)
    retention_days = models.PositiveIntegerField(
        "Keep recordings for (days)",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(RETENTION_DAYS_RANGE[0]),
            MaxValueValidator(RETENTION_DAYS_RANGE[1]),
        ],
        help_text="Files older than this are deleted from the bucket. Empty keeps them forever.",
    )
    retention_enabled = models.BooleanField(
        "Delete automatically",
        default=False,
        help_text="Run retention once a day. Off: only the report, and runs started by hand.",
    )
    retention_enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "ZEGO app"

    def __str__(self) -> str:
        return f"{self.name} ({self.app_id})"


class Room(models.Model):
    """A ZEGO room the console knows about; live presence is read from ZEGO and cached here."""

    app = models.ForeignKey(ZegoApp, on_delete=models.CASCADE, related_name="rooms")
    room_id = models.CharField("Room ID", max_length=128)
    label = models.CharField(max_length=100, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Presence snapshot, refreshed in the background (recordings.tasks.refresh_presence).
    streams = models.JSONField(default=list, blank=True)
    user_count = models.PositiveIntegerField(null=True, blank=True)
    presence_refreshed_at = models.DateTimeField(null=True, blank=True)
    presence_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["app", "room_id"]
        constraints = [
            models.UniqueConstraint(fields=["app", "room_id"], name="unique_room_per_app")
        ]

    def __str__(self) -> str:
        return self.label or self.room_id

    @property
    def is_live(self) -> bool:
        return bool(self.streams)


class RecordingTask(models.Model):
    """Our ledger entry for one ZEGO recording task (one click on Start)."""

    class Status(models.TextChoices):
        STARTING = "starting", "Starting"
        UNKNOWN = "unknown", "Outcome unknown"
        INITIALISING = "initialising", "Initialising"
        RECORDING = "recording", "Recording"
        PAUSED = "paused", "Paused"
        STOPPING = "stopping", "Stopping"
        ENDED = "ended", "Ended"
        ENDED_ABNORMALLY = "ended_abnormally", "Ended abnormally"
        FAILED_TO_START = "failed_to_start", "Failed to start"

    # Transitions only move up this ladder; recording ⇄ paused share a rung (ordered by sequence).
    RANK = {
        Status.STARTING: 0,
        Status.UNKNOWN: 1,
        Status.INITIALISING: 2,
        Status.RECORDING: 3,
        Status.PAUSED: 3,
        Status.STOPPING: 4,
        Status.ENDED: 5,
        Status.ENDED_ABNORMALLY: 5,
        Status.FAILED_TO_START: 5,
    }
    FINAL_STATUSES = (Status.ENDED, Status.ENDED_ABNORMALLY, Status.FAILED_TO_START)
    RUNNING_STATUSES = (
        Status.STARTING,
        Status.UNKNOWN,
        Status.INITIALISING,
        Status.RECORDING,
        Status.PAUSED,
        Status.STOPPING,
    )

    class Mode(models.IntegerChoices):
        SINGLE = 1, "Single stream"
        MIXED = 2, "Mixed"

    app = models.ForeignKey(ZegoApp, on_delete=models.PROTECT, related_name="tasks")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="tasks")
    task_id = models.CharField("ZEGO TaskId", max_length=64, null=True, blank=True)  # noqa: DJ001 - NULL until ZEGO answers; unique only when set
    click_token = models.UUIDField(
        unique=True, help_text="One per Start click: a repeat is the same task"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.STARTING)
    record_mode = models.PositiveSmallIntegerField(choices=Mode.choices)
    stream_type = models.PositiveSmallIntegerField()
    output_format = models.CharField(max_length=8, default="mp4")
    storage_profile = models.ForeignKey(
        "storage_profiles.StorageProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    # The StartRecord body as sent, without StorageParams (which hold keys).
    request = models.JSONField(default=dict, blank=True)
    layout = models.JSONField(default=dict, blank=True)
    max_idle_time = models.PositiveIntegerField(default=30)
    max_record_time = models.PositiveIntegerField(default=86400)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_by_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    record_began_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    quit_reason = models.IntegerField(null=True, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    # Pause/resume toggles are ordered by the callback sequence that last set them.
    toggle_sequence = models.IntegerField(default=-1)
    last_callback_at = models.DateTimeField(null=True, blank=True)
    callbacks_received = models.PositiveIntegerField(default=0)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    end_seen_by_poll_at = models.DateTimeField(null=True, blank=True)
    end_callback_received = models.BooleanField(default=False)
    upload_result = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Callback event 1's upload_status: 1 all OK, 2 partial"
    )
    problems = models.JSONField(default=list, blank=True)
    legal_hold = models.BooleanField(
        default=False, help_text="Retention never deletes this task's files while it is held."
    )
    legal_hold_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["app", "task_id"],
                name="unique_zego_task_per_app",
                condition=models.Q(task_id__isnull=False),
            )
        ]
        # The recordings list pages by (created_at, id) keysets, filtered by app, status or room.
        indexes = [
            models.Index(fields=["created_at", "id"], name="task_created_id"),
            models.Index(fields=["app", "created_at", "id"], name="task_app_created_id"),
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["room", "created_at"]),
            models.Index(fields=["started_by", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.task_id or 'pending task'} in {self.room.room_id}"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def is_mixed(self) -> bool:
        return self.record_mode == self.Mode.MIXED

    def can_stop(self) -> bool:
        return self.task_id is not None and self.status in (
            self.Status.INITIALISING,
            self.Status.RECORDING,
            self.Status.PAUSED,
        )

    def can_pause(self) -> bool:
        return self.is_mixed and self.task_id is not None and self.status == self.Status.RECORDING

    def can_resume(self) -> bool:
        return self.task_id is not None and self.status == self.Status.PAUSED

    def can_snapshot(self) -> bool:
        return self.is_mixed and self.task_id is not None and self.status == self.Status.RECORDING

    def can_update_whiteboard(self) -> bool:
        return (
            bool(self.request.get("RecordInputParams", {}).get("HasWhiteboard")) and self.can_stop()
        )


class RecordingFile(models.Model):
    class UploadStatus(models.IntegerChoices):
        RECORDING = 1, "Recording"
        UPLOADING = 2, "Uploading"
        UPLOADED = 3, "Uploaded"
        IN_ZEGO_BACKUP = 4, "In ZEGO backup (3 days)"
        FAILED = 5, "Upload failed"

    FINAL_UPLOAD_STATUSES = (
        UploadStatus.UPLOADED,
        UploadStatus.IN_ZEGO_BACKUP,
        UploadStatus.FAILED,
    )

    task = models.ForeignKey(RecordingTask, on_delete=models.CASCADE, related_name="files")
    # The task's app, kept on the file too: the files page filters a million files by app, and
    # only an (app, created_at, id) index on this table pages that without sorting them all.
    app = models.ForeignKey(ZegoApp, on_delete=models.PROTECT, related_name="+", editable=False)
    file_id = models.CharField("File name", max_length=300)
    user_id = models.CharField(max_length=128, blank=True)
    stream_id = models.CharField(max_length=256, blank=True)
    file_url = models.URLField(max_length=1000, blank=True)
    object_key = models.CharField(max_length=1000, blank=True)
    output_format = models.CharField(max_length=8, blank=True)
    size = models.BigIntegerField(default=0)
    duration_ms = models.BigIntegerField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    media_track_type = models.PositiveSmallIntegerField(null=True, blank=True)
    began_at = models.DateTimeField(null=True, blank=True)
    upload_status = models.PositiveSmallIntegerField(
        choices=UploadStatus.choices, default=UploadStatus.RECORDING
    )
    backup_until = models.DateTimeField(null=True, blank=True)
    missing_in_bucket = models.BooleanField(default=False)
    bucket_checked_at = models.DateTimeField(
        null=True, blank=True, help_text="When reconcile last confirmed the object with a HEAD"
    )
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="When retention deleted the object from the bucket"
    )
    live_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When ZEGO announced this HLS playlist as uploading while it records (event 102)",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["began_at", "file_id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "file_id"], name="unique_file_per_task")
        ]
        # The files page's filters and keyset sorts, each ending in id (see playback.views).
        indexes = [
            models.Index(fields=["created_at", "id"], name="recfile_created_id"),
            models.Index(fields=["app", "created_at", "id"], name="recfile_app_created"),
            models.Index(fields=["size", "id"], name="recfile_size_id"),
            models.Index(fields=["duration_ms", "id"], name="recfile_duration_id"),
            models.Index(
                fields=["upload_status", "created_at", "id"], name="recfile_upload_created"
            ),
            models.Index(
                fields=["output_format", "created_at", "id"], name="recfile_format_created"
            ),
            models.Index(fields=["user_id", "created_at"], name="recfile_user_created"),
            models.Index(fields=["stream_id", "created_at"], name="recfile_stream_created"),
            models.Index(fields=["task", "created_at"], name="recfile_task_created"),
        ]

    def __str__(self) -> str:
        return self.file_id

    def save(self, *args, **kwargs):
        if self.app_id is None:
            self.app_id = self.task.app_id
        super().save(*args, **kwargs)

    @property
    def is_snapshot(self) -> bool:
        return self.output_format == "jpg"


class TaskEvent(models.Model):
    """Append-only timeline of a task: our calls, callbacks, polls, layout changes, problems."""

    class Kind(models.TextChoices):
        API_CALL = "api_call", "Console action"
        CALLBACK = "callback", "ZEGO callback"
        POLL = "poll", "Status poll"
        LAYOUT = "layout", "Layout change"
        PROBLEM = "problem", "Problem"

    task = models.ForeignKey(RecordingTask, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    action = models.CharField(max_length=40, help_text="StartRecord, callback event name, …")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    status_before = models.CharField(max_length=20, blank=True)
    status_after = models.CharField(max_length=20, blank=True)
    zego_code = models.BigIntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    sequence = models.IntegerField(null=True, blank=True)
    # Identifies one fact (a callback's task+sequence+type, a poll's observed state): recorded once.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001 - NULL means "no dedupe"; unique when set

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "dedupe_key"],
                name="unique_event_fact",
                condition=models.Q(dedupe_key__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.action}"


class CallbackReceipt(models.Model):
    """Every POST to the callback endpoint, raw, with our verdict — forged ones included."""

    class Verdict(models.TextChoices):
        APPLIED = "applied", "Applied"
        DUPLICATE = "duplicate", "Duplicate (already applied)"
        FORGED = "forged", "Bad signature"
        STALE = "stale", "Timestamp outside the window"
        MALFORMED = "malformed", "Malformed body"
        UNKNOWN_APP = "unknown_app", "Unknown app"
        UNKNOWN_TASK = "unknown_task", "Unknown task"

    app = models.ForeignKey(
        ZegoApp, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task = models.ForeignKey(
        RecordingTask,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callback_receipts",
    )
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    raw_body = models.TextField()
    verdict = models.CharField(max_length=12, choices=Verdict.choices)
    event_type = models.IntegerField(null=True, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"callback {self.event_type} ({self.verdict})"


class AppPreset(models.Model):
    """Something named, saved per app by a person (recording settings, layouts)."""

    name = models.CharField(max_length=80)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RecordingPreset(AppPreset):
    """Named start-form values per app."""

    app = models.ForeignKey(ZegoApp, on_delete=models.CASCADE, related_name="presets")
    options = models.JSONField(default=dict)

    class Meta(AppPreset.Meta):
        constraints = [
            models.UniqueConstraint(fields=["app", "name"], name="unique_preset_name_per_app")
        ]


class SchedulerLease(models.Model):
    """Which scheduler process leads now (when each job was enqueued: core.PeriodicJob)."""

    name = models.CharField(max_length=40, unique=True)
    holder = models.CharField(max_length=100)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder}"


class LayoutPreset(AppPreset):
    """A named mixed-stream layout per app, drawn in the layout editor and reused at start."""

    app = models.ForeignKey(ZegoApp, on_delete=models.CASCADE, related_name="layout_presets")
    # {"width", "height", "mix_mode", "tiles": [MixInputList tiles], "background_color"?}
    layout = models.JSONField(default=dict)

    class Meta(AppPreset.Meta):
        constraints = [
            models.UniqueConstraint(fields=["app", "name"], name="unique_layout_preset_per_app")
        ]


class RateLimitWindow(models.Model):
    """The most recent ZEGO call slots for one (AppID, action): see recordings.ratelimit."""

    key = models.CharField(max_length=100, unique=True)
    slots = models.JSONField(default=list)

    def __str__(self) -> str:
        return self.key


class RetentionRun(models.Model):
    """One pass of an app's retention: what it deleted, kept on hold, and could not delete."""

    app = models.ForeignKey(ZegoApp, on_delete=models.CASCADE, related_name="retention_runs")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by_label = models.CharField(max_length=150)
    days = models.PositiveIntegerField()
    cutoff = models.DateTimeField(help_text="Files recorded before this were due")
    deleted = models.PositiveIntegerField(default=0)
    deleted_bytes = models.BigIntegerField(default=0)
    held = models.PositiveIntegerField(default=0, help_text="Due files kept by a legal hold")
    failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"retention of {self.app} at {self.started_at:%Y-%m-%d %H:%M}"
