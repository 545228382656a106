from __future__ import annotations

import pytest

from policies.models import RecordingPolicy
from tests.recordings import conftest as recordings_conftest
from tests.recordings.conftest import mixed_options

zego_app = recordings_conftest.zego_app
profile = recordings_conftest.profile
room = recordings_conftest.room


@pytest.fixture
def make_policy(zego_app):
    """make_policy(name=..., **fields) -> a saved RecordingPolicy of the emulated app."""

    def make(**fields) -> RecordingPolicy:
        values = {"app": zego_app, "name": "Auto", "on_first_publisher": True, **fields}
        return RecordingPolicy.objects.create(**values)

    return make


@pytest.fixture
def small_preset(zego_app, profile):
    """A mixed 320×180 preset: the emulator renders it cheaply."""
    from recordings.models import RecordingPreset

    return RecordingPreset.objects.create(
        app=zego_app, name="Small", options=mixed_options(profile).as_preset()
    )
