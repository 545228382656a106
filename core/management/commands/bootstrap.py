"""First-run set-up for `make run`: a demo admin, the local emulator's ZEGO app and a storage
profile for the local SeaweedFS bucket. Idempotent."""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.roles import ADMINS
from recordings.models import Room, ZegoApp
from storage_profiles.models import StorageProfile, Vendor

DEMO_ROOMS = [
    ("demo-classroom", "Demo classroom (teacher and two students)"),
    ("demo-standup", "Demo stand-up (two people)"),
]


class Command(BaseCommand):
    help = (
        "Create the demo admin (credentials printed once), register the local ZEGO emulator app "
        "and a storage profile for the local SeaweedFS bucket."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            self._ensure_admin()
            self._ensure_local_app()
            self._ensure_local_storage_profile()

    def _ensure_admin(self) -> None:
        User = get_user_model()
        username = os.environ.get("DEMO_ADMIN_USERNAME", "admin")
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                f"Demo admin '{username}' exists (its password was printed on first run)."
            )
            return
        given = os.environ.get("DEMO_ADMIN_PASSWORD")
        password = given or secrets.token_urlsafe(12)
        user = User.objects.create_superuser(username=username, email="", password=password)
        user.groups.add(Group.objects.get(name=ADMINS))
        shown = "(from DEMO_ADMIN_PASSWORD)" if given else password
        self.stdout.write(self.style.SUCCESS("=" * 64))
        self.stdout.write(self.style.SUCCESS(f"  Demo admin created: {username} / {shown}"))
        self.stdout.write(self.style.SUCCESS("  This password is shown only once; keep it."))
        self.stdout.write(self.style.SUCCESS("=" * 64))

    def _ensure_local_app(self) -> None:
        if not settings.LOCAL_ZEGO_SERVER_SECRET:
            return
        app, created = ZegoApp.objects.get_or_create(
            app_id=settings.LOCAL_ZEGO_APP_ID,
            defaults={
                "name": "Local emulator",
                "server_secret": settings.LOCAL_ZEGO_SERVER_SECRET,
                "callback_secret": settings.LOCAL_ZEGO_CALLBACK_SECRET,
                "api_url": settings.ZEGO_DEFAULT_API_URL,
                "rtc_api_url": settings.ZEGO_DEFAULT_RTC_API_URL,
                "notes": "The embedded ZEGO emulator started by `make run`.",
            },
        )
        if created:
            self.stdout.write(f"Registered ZEGO app {app}.")
            # The rooms the emulator publishes in with --demo-rooms.
            for room_id, label in DEMO_ROOMS:
                Room.objects.get_or_create(app=app, room_id=room_id, defaults={"label": label})

    def _ensure_local_storage_profile(self) -> None:
        if StorageProfile.objects.exists():
            return
        profile = StorageProfile.objects.create(
            name="Local SeaweedFS",
            vendor=Vendor.S3_COMPATIBLE,
            endpoint=settings.S3_ENDPOINT,
            region="us-east-1",
            bucket=settings.S3_BUCKET,
            access_key_id=settings.S3_ACCESS_KEY_ID,
            secret=settings.S3_SECRET_ACCESS_KEY,
            path_prefix="recordings/",
            is_default=True,
            notes="The embedded SeaweedFS S3 server started by `make run`.",
        )
        self.stdout.write(f"Created storage profile {profile}.")
