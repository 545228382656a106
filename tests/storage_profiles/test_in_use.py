"""The delete guard: a profile is in use while a related model's row has a running status."""

from types import SimpleNamespace

import pytest

from storage_profiles.models import StorageProfile
from storage_profiles.services import profile_in_use

pytestmark = pytest.mark.django_db


def fake_relation(running_rows: int, statuses=("recording",)):
    calls = []

    class Manager:
        def filter(self, **lookups):
            calls.append(lookups)
            return SimpleNamespace(exists=lambda: running_rows > 0)

    model = type("FakeTask", (), {"RUNNING_STATUSES": statuses, "_default_manager": Manager()})
    relation = SimpleNamespace(
        related_model=model, one_to_many=True, field=SimpleNamespace(name="storage_profile")
    )
    return relation, calls


def with_relations(monkeypatch, *relations):
    real = list(StorageProfile._meta.related_objects)
    monkeypatch.setattr(StorageProfile._meta, "related_objects", [*real, *relations])


def test_related_rows_with_a_running_status_make_it_in_use(make_profile, monkeypatch):
    profile = make_profile()
    relation, calls = fake_relation(running_rows=1)
    with_relations(monkeypatch, relation)
    assert profile_in_use(profile)
    assert calls == [{"storage_profile": profile, "status__in": ("recording",)}]


def test_only_final_rows_leave_it_free(make_profile, monkeypatch):
    relation, _ = fake_relation(running_rows=0)
    with_relations(monkeypatch, relation)
    assert not profile_in_use(make_profile())


def test_models_without_running_statuses_are_ignored(make_profile, monkeypatch):
    relation, calls = fake_relation(running_rows=1, statuses=None)
    with_relations(monkeypatch, relation)
    assert not profile_in_use(make_profile())
    assert calls == []


def test_probe_runs_never_block_deletion(make_profile):
    profile = make_profile()
    profile.probe_runs.create()
    assert not profile_in_use(profile)


def test_a_running_recording_task_blocks_deletion_until_it_ends(make_profile):
    from django.apps import apps

    try:
        RecordingTask = apps.get_model("recordings", "RecordingTask")
    except LookupError:
        pytest.skip("recordings.RecordingTask does not exist yet")
    from recordings.models import Room, ZegoApp

    profile = make_profile()
    app = ZegoApp.objects.create(name="a", app_id=42, server_secret="x" * 32)
    room = Room.objects.create(app=app, room_id="r")
    task = RecordingTask.objects.create(
        app=app,
        room=room,
        click_token="00000000-0000-0000-0000-0000000000ab",
        record_mode=2,
        stream_type=3,
        storage_profile=profile,
        status=RecordingTask.RUNNING_STATUSES[0],
    )
    assert profile_in_use(profile)
    task.status = RecordingTask.FINAL_STATUSES[0]
    task.save()
    assert not profile_in_use(profile)


def test_finished_recordings_that_protect_the_profile_get_a_clear_refusal(make_profile, client_for):
    from django.apps import apps
    from django.urls import reverse

    try:
        RecordingTask = apps.get_model("recordings", "RecordingTask")
    except LookupError:
        pytest.skip("recordings.RecordingTask does not exist yet")
    from recordings.models import Room, ZegoApp

    profile = make_profile()
    app = ZegoApp.objects.create(name="a", app_id=42, server_secret="x" * 32)
    room = Room.objects.create(app=app, room_id="r")
    RecordingTask.objects.create(
        app=app,
        room=room,
        click_token="00000000-0000-0000-0000-0000000000ac",
        record_mode=2,
        stream_type=3,
        storage_profile=profile,
        status=RecordingTask.FINAL_STATUSES[0],
    )
    response = client_for("storage").post(reverse("storage_profiles:delete", args=[profile.pk]))
    if StorageProfile.objects.filter(pk=profile.pk).exists():
        assert response.status_code == 409
        assert "still referenced by 1 recording(s)" in response.content.decode()
    else:  # the relation does not protect profiles (on_delete is not PROTECT/RESTRICT)
        assert response.status_code == 302
