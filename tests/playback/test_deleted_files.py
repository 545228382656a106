"""Files retention deleted stay listed, but never as playable or uploaded."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from api.representations import file_json
from tests.playback.conftest import make_files, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def deleted(offline_app, offline_profile):
    task = make_task(offline_app, profile=offline_profile)
    files = make_files(task, 2)
    for file in files:
        file.deleted_at = timezone.now()
        file.save(update_fields=["deleted_at"])
    return task, files


def test_the_player_says_the_files_were_deleted_not_uploaded(client_for, deleted):
    task, _ = deleted
    body = client_for("reviewer").get(reverse("playback:player", args=[task.pk])).content.decode()
    assert "retention deleted this recording's files" in body
    assert "Deleted by retention" in body and ">Uploaded<" not in body
    assert "Nothing to play yet" not in body


def test_the_files_page_offers_no_play_for_a_deleted_file(client_for, deleted):
    task, _ = deleted
    body = client_for("reviewer").get(reverse("playback:file_list")).content.decode()
    assert "Deleted by retention" in body
    assert reverse("playback:player", args=[task.pk]) not in body


def test_the_api_says_when_a_file_was_deleted(deleted):
    _, (file, _) = deleted
    assert file_json(file)["deleted_at"] == file.deleted_at.isoformat()
