from django.contrib import admin

from storage_profiles.models import ProbeRun, StorageProfile


@admin.register(StorageProfile)
class StorageProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "vendor", "region", "bucket", "is_default")
    # Secrets are never shown; edit profiles on the console's Storage pages.
    exclude = ("secret",)
    readonly_fields = ("last_probe",)


@admin.register(ProbeRun)
class ProbeRunAdmin(admin.ModelAdmin):
    list_display = ("profile", "status", "started_at", "finished_at", "requested_by_label")
    list_filter = ("status",)
