from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from accounts.access import has_capability

# (label, url name, capability). Sections appear once their pages exist and the user may use them.
NAVIGATION = [
    ("Rooms", "recordings:room_list", "view_rooms"),
    ("Recordings", "recordings:task_list", "view_recordings"),
    ("Usage", "recordings:usage", "view_recordings"),
    ("Files", "playback:file_list", "play_files"),
    ("Storage", "storage_profiles:list", "manage_storage"),
    ("Alerts", "monitoring:alert_list", "view_alerts"),
    ("Apps", "recordings:app_list", "manage_apps"),
    ("Policies", "policies:list", "manage_apps"),
    ("Audit", "accounts:audit", "view_audit"),
]


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, name, capability in NAVIGATION:
        url = _url(name)
        if url and has_capability(user, capability):
            items.append({"label": label, "url": url, "active": request.path.startswith(url)})
    return {"nav_items": items}
