"""RecordingFile in Django's admin as one would list it: the files page's baseline."""

from __future__ import annotations


def register_admin() -> None:
    from django.contrib import admin

    from recordings.models import RecordingFile

    if admin.site.is_registered(RecordingFile):
        return

    class RecordingFileAdmin(admin.ModelAdmin):
        list_display = (
            "file_id",
            "task",
            "user_id",
            "stream_id",
            "output_format",
            "duration_ms",
            "size",
            "upload_status",
            "created_at",
        )
        list_select_related = ("task__room", "task__app")
        list_filter = ("upload_status", "output_format", "app")
        ordering = ("-created_at", "-id")
        list_per_page = 50

    admin.site.register(RecordingFile, RecordingFileAdmin)
