"""Share links to recorded files (and who used them), and bucket checks of recorded files."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone


def token_digest(token: str) -> str:
    """Only this digest is stored: the token itself is shown once, to whoever made the link."""
    return hashlib.sha256(token.encode()).hexdigest()


class ShareLinkQuerySet(models.QuerySet):
    def usable(self, now=None) -> ShareLinkQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ShareLink(models.Model):
    """A public, unguessable, time-limited and revocable link to one recorded file."""

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    file = models.ForeignKey(
        "recordings.RecordingFile", on_delete=models.CASCADE, related_name="share_links"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    token_hint = models.CharField(max_length=8, help_text="The token's first characters")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by_label = models.CharField(max_length=150, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["file", "created_at"])]

    def __str__(self) -> str:
        return f"share link {self.token_hint}… to {self.file_id}"

    def state(self, now=None) -> str:
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return self.State.EXPIRED
        return self.State.ACTIVE

    @property
    def is_usable(self) -> bool:
        return self.state() == self.State.ACTIVE


class ShareLinkUse(models.Model):
    """Every time a share link was opened, including refused attempts on expired or revoked ones."""

    class Outcome(models.TextChoices):
        SERVED = "served", "Served"
        EXPIRED = "expired", "Refused: expired"
        REVOKED = "revoked", "Refused: revoked"

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="uses")
    used_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-used_at", "-id"]
        indexes = [models.Index(fields=["link", "used_at"])]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} at {self.used_at:%Y-%m-%d %H:%M}"


class FileCheck(models.Model):
    """One HEAD of a recorded file's object: is it in the bucket, with the size ZEGO reported?"""

    class Result(models.TextChoices):
        OK = "ok", "In the bucket"
        MISSING = "missing", "Missing from the bucket"
        SIZE_MISMATCH = "size_mismatch", "Size differs"
        ERROR = "error", "Could not check"

    file = models.ForeignKey(
        "recordings.RecordingFile", on_delete=models.CASCADE, related_name="bucket_checks"
    )
    checked_at = models.DateTimeField(auto_now_add=True)
    result = models.CharField(max_length=16, choices=Result.choices)
    expected_size = models.BigIntegerField(default=0)
    found_size = models.BigIntegerField(null=True, blank=True)
    message = models.CharField(max_length=300, blank=True)
    checked_by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["file", "checked_at"])]

    def __str__(self) -> str:
        return f"{self.file_id}: {self.get_result_display()}"

    @property
    def is_problem(self) -> bool:
        return self.result in (self.Result.MISSING, self.Result.SIZE_MISMATCH)
