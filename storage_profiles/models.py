from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.fields import EncryptedTextField


class Vendor(models.IntegerChoices):
    """ZEGO's storage vendor numbers (spec §3.1.10 `StorageParams.Vendor`)."""

    AMAZON_S3 = 1, "Amazon S3"
    ALIBABA_OSS = 2, "Alibaba Cloud OSS"
    TENCENT_COS = 3, "Tencent Cloud COS"
    QINIU_KODO = 4, "Qiniu Kodo"
    ALIBABA_VOD = 5, "Alibaba Cloud VOD"
    TENCENT_VOD = 6, "Tencent Cloud VOD"
    HUAWEI_OBS = 7, "Huawei Cloud OBS"
    GOOGLE_CLOUD_STORAGE = 8, "Google Cloud Storage"
    CHINA_MOBILE_EOS = 9, "China Mobile eCloud EOS"
    S3_COMPATIBLE = 10, "S3-compatible"


VOD_VENDORS = frozenset({Vendor.ALIBABA_VOD, Vendor.TENCENT_VOD})


class StorageProfileQuerySet(models.QuerySet):
    def usable(self) -> StorageProfileQuerySet:
        """Profiles anyone starting a recording may pick: complete ones, the default first.

        A failed last probe does not hide a profile (CORS alone can fail while uploads work);
        pickers show `last_probe` next to each name instead.
        """
        return self.exclude(secret="").select_related("last_probe").order_by("-is_default", "name")


class StorageProfile(models.Model):
    """Where ZEGO uploads recordings, and how the console reads them back."""

    name = models.CharField(max_length=100, unique=True)
    vendor = models.PositiveSmallIntegerField(choices=Vendor.choices)
    region = models.CharField(max_length=64, blank=True)
    bucket = models.CharField(max_length=222, blank=True)
    endpoint = models.URLField(
        max_length=200,
        blank=True,
        help_text="S3 endpoint. Required for S3-compatible; for other vendors it overrides the "
        "endpoint derived from the region (the console's probe and links only, not ZEGO).",
    )
    access_key_id = models.CharField("Access key ID", max_length=128, blank=True)
    secret = EncryptedTextField(
        blank=True, help_text="Secret key (for VOD: the AccessKey secret or SecretKey)."
    )
    path_prefix = models.CharField(
        max_length=200,
        blank=True,
        help_text="Folder recordings go under (ZEGO's OutputFolder), e.g. recordings/.",
    )
    extras = models.JSONField(
        default=dict,
        blank=True,
        help_text="Vendor-specific values: Alibaba VOD Title and StorageLocation, Tencent VOD SubAppId.",
    )
    notes = models.TextField(blank=True)
    is_default = models.BooleanField(
        "Default profile", default=False, help_text="Preselected when starting a recording."
    )
    last_probe = models.ForeignKey(
        "ProbeRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StorageProfileQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_storage_profile",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_vod(self) -> bool:
        return self.vendor in VOD_VENDORS

    def in_use_by_running_tasks(self) -> bool:
        """Whether a recording that still runs (or uploads) points at this profile.

        Recording tasks live in another app, so this looks at every model with a ForeignKey to
        StorageProfile and counts only those declaring `RUNNING_STATUSES` (the values of their
        `status` field that mean "not final yet"); with none, nothing can be in use.
        """
        for relation in self._meta.related_objects:
            statuses = getattr(relation.related_model, "RUNNING_STATUSES", None)
            if not statuses or not relation.one_to_many:
                continue
            manager = relation.related_model._default_manager
            if manager.filter(**{relation.field.name: self, "status__in": statuses}).exists():
                return True
        return False


class ProbeRun(models.Model):
    """One run of the storage probe: its steps fill in as the background task goes."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        OK = "ok", "Passed"
        PARTIAL = "partial", "Not fully checked"
        FAILED = "failed", "Failed"

    # A run still "running" after this long lost its worker; the page stops waiting for it.
    STALE_AFTER = timedelta(minutes=2)

    profile = models.ForeignKey(StorageProfile, on_delete=models.CASCADE, related_name="probe_runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    steps = models.JSONField(default=list, blank=True)
    not_checked = models.JSONField(
        default=list, blank=True, help_text="What this vendor's S3 endpoint cannot show"
    )
    endpoint = models.CharField(max_length=200, blank=True, help_text="The endpoint probed")
    origin = models.CharField(max_length=200, blank=True, help_text="The origin checked for CORS")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_label = models.CharField(max_length=150, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Probe of {self.profile_id} ({self.status})"

    @property
    def is_running(self) -> bool:
        return self.status == self.Status.RUNNING and not self.is_stale

    @property
    def is_stale(self) -> bool:
        return (
            self.status == self.Status.RUNNING
            and timezone.now() - self.started_at > self.STALE_AFTER
        )

    @property
    def state(self) -> str:
        """The status as people should see it: a lost run is "stale", not forever "running"."""
        return "stale" if self.is_stale else self.status

    @property
    def state_label(self) -> str:
        return "Did not finish" if self.is_stale else self.get_status_display()

    @property
    def first_failure(self) -> dict | None:
        return next((step for step in self.steps if step["status"] == "failed"), None)

    @property
    def is_waiting_for_worker(self) -> bool:
        return self.is_running and all(step["status"] == "pending" for step in self.steps)

    @property
    def duration_ms(self) -> int | None:
        if self.finished_at is None:
            return None
        return int((self.finished_at - self.started_at).total_seconds() * 1000)
