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
