"""The Policies pages: who may use them, validation in words, audit, and the rooms page badge."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEntry
from policies.models import RecordingPolicy
from recordings.models import RecordingPreset, Room, ZegoApp

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(db) -> ZegoApp:
    return ZegoApp.objects.create(
        name="Main", app_id=7, server_secret="x" * 32, api_url="http://127.0.0.1:9"
    )


@pytest.fixture
def no_zego_calls(monkeypatch):
    """The rooms page refreshes stale presence; this app's ZEGO is unreachable."""
    monkeypatch.setattr("recordings.services.presence_refresh", lambda **kwargs: 0)


@pytest.fixture
def other_app(db) -> ZegoApp:
    return ZegoApp.objects.create(
        name="Other", app_id=8, server_secret="y" * 32, api_url="http://127.0.0.1:9"
    )


def form_data(app, **overrides) -> dict:
    data = {
        "name": "Office hours",
        "app": app.pk,
        "room": "",
        "enabled": "on",
        "schedule_days": ["1", "2", "3", "4", "5"],
        "window_start": "09:00",
        "window_end": "17:00",
        "time_zone": "Europe/Paris",
        "preset": "",
        "max_idle_time": "",
        "max_record_time": "",
        "consent": "everyone",
        "consent_match": "stream_id",
        "consent_ids": "",
        **overrides,
    }
    return {key: value for key, value in data.items() if value is not None}


def post_new(client, data):
    return client.post(reverse("policies:create"), data)


def test_an_admin_creates_a_policy_and_it_is_audited(client_for, app):
    response = post_new(client_for("admin"), form_data(app))

    assert response.status_code == 302 and response["Location"] == reverse("policies:list")
    policy = RecordingPolicy.objects.get()
    assert policy.schedule_days == [1, 2, 3, 4, 5] and policy.time_zone == "Europe/Paris"
    assert policy.created_by.username == "admin"
    entry = AuditEntry.objects.get(action="policy.create")
    assert entry.actor_label == "admin" and entry.object_id == str(policy.pk)


def test_the_list_shows_the_policy(client_for, app):
    RecordingPolicy.objects.create(app=app, name="Always", on_first_publisher=True)

    response = client_for("admin").get(reverse("policies:list"))

    assert response.status_code == 200
    assert "Always" in response.text and "On first publisher" in response.text


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"window_end": "08:00"}, "window_end", "must close after it opens"),
        ({"window_end": "09:00"}, "window_end", "must close after it opens"),
        ({"window_start": ""}, "window_start", "Give the time the window opens"),
        ({"schedule_days": None}, "on_first_publisher", "Choose when the policy records"),
        (
            {"schedule_days": None, "on_first_publisher": "on"},
            "schedule_days",
            "Choose the days",
        ),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice"),
        (
            {"consent": "include", "consent_ids": "teacher-cam, bad id!"},
            "consent_ids",
            "Not a ZEGO stream ID",
        ),
        ({"consent": "exclude", "consent_ids": ""}, "consent_ids", "List the IDs"),
        ({"consent_ids": "teacher-cam"}, "consent_ids", "Every stream is recorded"),
        ({"max_idle_time": "2"}, "max_idle_time", "greater than or equal to 5"),
        ({"max_record_time": "100000"}, "max_record_time", "less than or equal to 86400"),
    ],
)
def test_bad_input_is_explained_and_saves_nothing(client_for, app, overrides, field, words):
    response = post_new(client_for("admin"), form_data(app, **overrides))

    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[field])
    assert not RecordingPolicy.objects.exists() and not AuditEntry.objects.exists()


def test_a_preset_or_room_of_another_app_is_refused(client_for, app, other_app):
    preset = RecordingPreset.objects.create(app=other_app, name="Theirs", options={})
    room = Room.objects.create(app=other_app, room_id="their-room")

    response = post_new(client_for("admin"), form_data(app, preset=preset.pk, room=room.pk))

    errors = response.context["form"].errors
    assert "belongs to Other" in errors["preset"][0] and "their-room" in errors["room"][0]
    assert not RecordingPolicy.objects.exists()


def test_a_preset_zego_would_refuse_is_refused(client_for, app):
    broken = RecordingPreset.objects.create(
        app=app, name="Broken", options={"record_mode": 2, "fps": 500}
    )

    response = post_new(client_for("admin"), form_data(app, preset=broken.pk))

    assert "Fps" in " ".join(response.context["form"].non_field_errors())
    assert not RecordingPolicy.objects.exists()


def test_a_second_app_wide_policy_is_refused_in_words(client_for, app):
    RecordingPolicy.objects.create(app=app, name="First", on_first_publisher=True)

    response = post_new(client_for("admin"), form_data(app, name="Second"))

    assert "already has an app-wide policy" in " ".join(response.context["form"].non_field_errors())
    assert RecordingPolicy.objects.count() == 1


def test_user_id_lists_are_saved_as_lists(client_for, app):
    data = form_data(
        app, consent="exclude", consent_match="user_id", consent_ids="guest-1,\nguest.2  x@y"
    )

    post_new(client_for("admin"), data)

    assert RecordingPolicy.objects.get().consent_ids == ["guest-1", "guest.2", "x@y"]


def test_editing_is_audited_with_what_changed(client_for, app):
    policy = RecordingPolicy.objects.create(
        app=app, name="Office hours", on_first_publisher=True, created_by=None
    )
    url = reverse("policies:edit", args=[policy.pk])

    response = client_for("admin").post(url, form_data(app, on_first_publisher="on"))

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="policy.update")
    assert "window_start" in entry.detail["changed"]


def test_turning_off_and_deleting_are_audited(client_for, app):
    policy = RecordingPolicy.objects.create(app=app, name="Always", on_first_publisher=True)
    client = client_for("admin")

    client.post(reverse("policies:toggle", args=[policy.pk]), {"enabled": "off"})
    policy.refresh_from_db()
    assert policy.enabled is False
    client.post(reverse("policies:delete", args=[policy.pk]))

    assert not RecordingPolicy.objects.exists()
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["policy.disable", "policy.delete"]


def test_turning_a_policy_on_or_off_sets_the_state_the_button_named(client_for, app):
    """A second click on a stale page's "Turn off" leaves it off rather than turning it on."""
    policy = RecordingPolicy.objects.create(app=app, name="Always", on_first_publisher=True)
    client = client_for("admin")
    url = reverse("policies:toggle", args=[policy.pk])

    assert 'name="enabled" value="off"' in client.get(reverse("policies:list")).text
    client.post(url, {"enabled": "off"})
    client.post(url, {"enabled": "off"})
    policy.refresh_from_db()
    assert policy.enabled is False
    assert 'name="enabled" value="on"' in client.get(reverse("policies:list")).text
    client.post(url, {"enabled": "on"})
    policy.refresh_from_db()
    assert policy.enabled is True

    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["policy.disable", "policy.enable"]


def test_a_toggle_that_does_not_say_which_state_changes_nothing(client_for, app):
    policy = RecordingPolicy.objects.create(app=app, name="Always", on_first_publisher=True)

    response = client_for("admin").post(reverse("policies:toggle", args=[policy.pk]))

    assert response.status_code == 400
    policy.refresh_from_db()
    assert policy.enabled is True and not AuditEntry.objects.exists()


@pytest.mark.parametrize("persona", ["support", "storage", "reviewer", "outsider"])
def test_only_app_managers_may_change_policies(client_for, app, persona):
    policy = RecordingPolicy.objects.create(app=app, name="Always", on_first_publisher=True)
    client = client_for(persona)

    assert client.get(reverse("policies:list")).status_code == 403
    assert post_new(client, form_data(app, name="Mine")).status_code == 403
    assert client.post(reverse("policies:toggle", args=[policy.pk])).status_code == 403
    assert client.post(reverse("policies:delete", args=[policy.pk])).status_code == 403

    assert list(RecordingPolicy.objects.values_list("name", "enabled")) == [("Always", True)]
    assert not AuditEntry.objects.exists()


def test_the_rooms_page_names_the_policy_recording_each_room(client_for, app, no_zego_calls):
    covered = Room.objects.create(app=app, room_id="covered")
    own = Room.objects.create(app=app, room_id="own")
    RecordingPolicy.objects.create(app=app, name="Whole app", on_first_publisher=True)
    RecordingPolicy.objects.create(app=app, room=own, name="Just this", on_first_publisher=True)

    response = client_for("support").get(reverse("recordings:room_list"), {"app": app.pk})

    rooms = {room.room_id: room.policy_name for room in response.context["rooms"]}
    assert rooms == {covered.room_id: "Whole app", own.room_id: "Just this"}
    assert "Just this" in response.text


def test_a_disabled_room_policy_leaves_the_room_to_its_apps(client_for, app, no_zego_calls):
    room = Room.objects.create(app=app, room_id="quiet")
    RecordingPolicy.objects.create(
        app=app, room=room, name="Off", on_first_publisher=True, enabled=False
    )
    RecordingPolicy.objects.create(app=app, name="Whole app", on_first_publisher=True)

    response = client_for("support").get(reverse("recordings:room_list"), {"app": app.pk})

    assert [room.policy_name for room in response.context["rooms"]] == ["Whole app"]
    assert "Whole app" in response.text


def test_the_list_costs_the_same_queries_for_one_policy_or_many(client_for, app):
    def policies_page_queries(count: int) -> int:
        for index in range(RecordingPolicy.objects.count(), count):
            room = Room.objects.create(app=app, room_id=f"room-{index}")
            RecordingPolicy.objects.create(
                app=app, room=room, name=f"Policy {index}", on_first_publisher=True
            )
        client = client_for("admin")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("policies:list")).status_code == 200
        return len(queries)

    assert policies_page_queries(1) == policies_page_queries(6)
