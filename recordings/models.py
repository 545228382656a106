from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.fields import EncryptedTextField

# ZEGO's own limits for the two timers (spec §3.1.1).
MAX_IDLE_TIME_RANGE = (5, 86400)
MAX_RECORD_TIME_RANGE = (300, 86400)


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
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "ZEGO app"

    def __str__(self) -> str:
        return f"{self.name} ({self.app_id})"
