"""Roles are Django groups; what each may do is a set of global permissions (accounts.Capability).

Every view names the one capability it needs (accounts.access.capability_required), so the
permission matrix test can check every URL against every role.
"""

from __future__ import annotations

SUPPORT = "Support"
STORAGE_ADMINS = "Storage admins"
REVIEWERS = "Reviewers"
ADMINS = "Admins"
ROLES = (SUPPORT, STORAGE_ADMINS, REVIEWERS, ADMINS)

CAPABILITIES = {
    "view_rooms": "See live rooms and their publishers",
    "control_recordings": "Start, stop, pause, resume, snapshot and re-layout recordings",
    "view_recordings": "See recording tasks and their timelines",
    "play_files": "Browse and play recorded files, create share links",
    "manage_storage": "Add, edit and probe storage profiles",
    "manage_apps": "Add and edit ZEGO apps and their secrets",
    "view_audit": "Read the audit log",
    "view_alerts": "See alerts and their history",
}

ROLE_CAPABILITIES = {
    SUPPORT: {"view_rooms", "control_recordings", "view_recordings", "play_files", "view_alerts"},
    STORAGE_ADMINS: {"manage_storage", "view_recordings"},
    REVIEWERS: {"view_recordings", "play_files"},
    ADMINS: set(CAPABILITIES),
}


def sync_roles(apps) -> None:
    """Create the groups and give each exactly its capabilities (idempotent; run from migrations)."""
    from django.contrib.auth.management import create_permissions

    accounts_config = apps.get_app_config("accounts")
    accounts_config.models_module = True
    create_permissions(accounts_config, apps=apps, verbosity=0)
    accounts_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_CAPABILITIES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames)
        )
