from django.contrib import admin

from recordings.models import ZegoApp


@admin.register(ZegoApp)
class ZegoAppAdmin(admin.ModelAdmin):
    list_display = ("name", "app_id", "api_url", "is_active")
    exclude = ("server_secret", "callback_secret")
