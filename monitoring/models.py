from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.fields import EncryptedTextField
from recordings.models import ZegoApp


class ZegoCallCount(models.Model):
    """ZEGO requests of one app, action and result code within one minute, from every process.

    The `zego.Client` observer adds to these rows (recordings.zego_clients); old minutes are
    folded into ZegoCallTotal so the lifetime counters behind /metrics never go down.
    """

    app = models.ForeignKey(ZegoApp, on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    action = models.CharField(max_length=40)
    code = models.BigIntegerField(help_text="ZEGO's Code: 0 success, -1 no ZEGO reply")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["app", "minute", "action", "code"], name="unique_call_count_bucket"
            )
        ]
        indexes = [models.Index(fields=["minute", "app"], name="callcount_minute_app")]

    def __str__(self) -> str:
        return f"{self.action} {self.code} ×{self.count} at {self.minute:%H:%M}"


class ZegoCallTotal(models.Model):
    """Calls from minutes older than the buckets kept, per app, action and code."""

    app = models.ForeignKey(ZegoApp, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=40)
    code = models.BigIntegerField()
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["app", "action", "code"], name="unique_call_total")
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.code} ×{self.count}"


class AlertRule(models.Model):
    """One condition watched for one app, and where to say so when it appears."""

    class Kind(models.TextChoices):
        RECORDING_FAILED = "recording_failed", "Recording failed or ended abnormally"
        NO_CALLBACK = "no_callback", "No end callback after a task ended"
        STUCK_INITIALISING = "stuck_initialising", "Stuck initialising"
        BACKUP_UPLOAD = "backup_upload", "Upload went to ZEGO's backup storage (or failed)"
        PROBE_FAILING = "probe_failing", "Storage probe failing"
        ZEGO_ERROR_RATE = "zego_error_rate", "ZEGO error rate above a threshold"

    app = models.ForeignKey(ZegoApp, on_delete=models.CASCADE, related_name="alert_rules")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    enabled = models.BooleanField(default=True)
    minutes = models.PositiveIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
        help_text="Error rate: the window. Failures and missing callbacks: how long an alert "
        "stays open after the task ended.",
    )
    threshold_percent = models.PositiveSmallIntegerField(
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Error rate only: alert when at least this share of calls failed.",
    )
    min_calls = models.PositiveIntegerField(
        default=5,
        validators=[MinValueValidator(1)],
        help_text="Error rate only: ignore windows with fewer calls than this.",
    )
    storage_profile = models.ForeignKey(
        "storage_profiles.StorageProfile",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Probe rule only: the profile to watch. Empty: the default profile and every "
        "profile this app recorded to in the last 3 days.",
    )
    email_to = models.TextField(
        "Email to", blank=True, help_text="Addresses, separated by commas or new lines."
    )
    # A Slack incoming webhook's URL is its credential: encrypted at rest, write-only in forms.
    webhook_url = EncryptedTextField(
        "Webhook URL",
        blank=True,
        help_text='Receives a signed POST of {"text": …, "alerts": […]} (a Slack incoming webhook '
        "works).",
    )
    webhook_secret = EncryptedTextField(
        blank=True,
        help_text="Signs each webhook POST (HMAC-SHA256 in X-Recdesk-Signature).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["app__name", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.app.name}"

    @property
    def email_recipients(self) -> list[str]:
        return split_addresses(self.email_to)

    @property
    def webhook_host(self) -> str:
        """Where the webhook goes, without the path and query that may carry its token."""
        return urlsplit(self.webhook_url).hostname or ""


def split_addresses(text: str) -> list[str]:
    parts = (part.strip() for part in text.replace("\n", ",").replace(";", ",").split(","))
    return [part for part in parts if part]


class Alert(models.Model):
    """One occurrence of a rule's condition: opened when it appears, cleared when it goes away.

    At most one open alert per rule and subject (a task, a file, a profile, the app), so a
    condition that persists is reported once. It clears once the condition has been absent for a
    while, and is reopened (not reported again) if it comes back soon after. Delivery is retried
    until every channel took it, for a day at most.
    """

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLEARED = "cleared", "Cleared"

    # Kept (rule-less) when its rule is deleted: the history stays.
    rule = models.ForeignKey(
        AlertRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    app = models.ForeignKey(ZegoApp, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=AlertRule.Kind.choices)
    subject = models.CharField(max_length=100, help_text="What it is about, e.g. task:12")
    title = models.CharField(max_length=200)
    message = models.TextField()
    link = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(db_index=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    webhook_sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_attempts = models.PositiveIntegerField(default=0)
    delivery_error = models.CharField(max_length=500, blank=True)
    next_delivery_at = models.DateTimeField(null=True, blank=True, db_index=True)
    undeliverable_at = models.DateTimeField(
        null=True, blank=True, help_text="When delivery was given up after failing for a day."
    )
    absent_since = models.DateTimeField(
        null=True, blank=True, help_text="Open, but its condition was not found from then on."
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject"],
                condition=models.Q(state="open"),
                name="one_open_alert_per_subject",
            )
        ]
        # The alerts page pages by (opened_at, id) keysets, optionally for one state or app.
        indexes = [
            models.Index(fields=["state", "opened_at"], name="alert_state_opened"),
            models.Index(fields=["opened_at", "id"], name="alert_opened_id"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN
