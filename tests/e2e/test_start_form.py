"""Support saves the start form's settings as a preset and sees it saved, in the picker too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from recordings.models import RecordingPreset, RecordingTask, Room, ZegoApp
from tests.e2e.conftest import log_in, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def room(personas):
    from storage_profiles.models import StorageProfile

    app = ZegoApp.objects.create(name="Presets", app_id=4321, server_secret="s" * 32)
    StorageProfile.objects.create(
        name="Bucket",
        vendor=10,
        region="us-east-1",
        bucket="rec",
        endpoint="http://127.0.0.1:9",
        access_key_id="AK",
        secret="SK",
        is_default=True,
    )
    return Room.objects.create(app=app, room_id="lecture-hall")


def test_saving_a_preset_shows_the_error_or_the_saved_preset(page, live_server, room):
    log_in(page, live_server.url, "support")
    page.goto(f"{live_server.url}/rooms/{room.pk}/start/")
    save_box = page.locator("details.save-preset")
    save_box.locator("summary").click()
    save_box.get_by_role("button", name="Save preset").click()
    expect(save_box.get_by_text("Give the preset a name to save it.")).to_be_visible()
    expect(save_box).to_have_attribute("open", "")

    held = []  # the save request, held until the form has been looked at mid-flight

    def hold_posts(route):
        if route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    page.route("**/start/", hold_posts)
    page.get_by_label("Save these settings as a preset named").fill("Lecture")
    save_box.get_by_role("button", name="Save preset").click()
    page.wait_for_function(
        "() => document.querySelector('#start-form button[name=start]').disabled"
    )
    expect(page.get_by_role("button", name="Start recording")).to_be_disabled()
    expect(save_box.get_by_role("button", name="Save preset")).to_be_disabled()
    held[0].continue_()

    confirmation = page.locator("details.save-preset").get_by_role("status")
    expect(confirmation).to_contain_text("Saved preset “Lecture”")
    picker = page.get_by_label("Recording preset")
    expect(picker.locator("option:checked")).to_have_text("Lecture")
    expect(page.get_by_role("button", name="Start recording")).to_be_enabled()
    shoot(page, "start-form-preset-saved")
    assert page.url.endswith(f"?preset={RecordingPreset.objects.get(name='Lecture').pk}")
    assert not RecordingTask.objects.exists()
