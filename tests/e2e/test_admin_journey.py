"""An admin logs in, registers a ZEGO app, and sees its secret kept out of the page."""

import pytest

from recordings.models import ZegoApp
from tests.e2e.conftest import log_in, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECRET = "e2e-server-secret-0123456789abcdef"


def test_admin_adds_a_zego_app_and_the_secret_is_never_shown(page, live_server, personas):
    log_in(page, live_server.url, "admin")
    shoot(page, "admin-01-home")
    page.get_by_role("link", name="Apps", exact=True).first.click()
    page.get_by_role("button", name="Add app").click()

    page.get_by_label("Name").fill("Production")
    page.get_by_label("AppID").fill("99")  # too short an id is fine; a bad secret is not
    page.get_by_label("Server secret").fill("short")
    page.get_by_role("button", name="Save").click()
    # The click returns once the answer starts loading: wait for the page to show it.
    page.get_by_text("A ZEGO server secret is 32 characters long.").wait_for()
    shoot(page, "admin-02-app-form-errors")
    assert not ZegoApp.objects.exists()

    page.get_by_label("Server secret").fill(SECRET)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved Production (99).").wait_for()
    shoot(page, "admin-03-app-list")
    assert SECRET not in page.content()

    page.get_by_role("link", name="Edit Production").click()
    page.get_by_text("Set. Type a new value to replace it").first.wait_for()
    assert SECRET not in page.content()


def test_a_reviewer_sees_only_their_sections_and_gets_403_on_apps(page, live_server, personas):
    log_in(page, live_server.url, "reviewer")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Apps").count() == 0
    response = page.goto(f"{live_server.url}/apps/")
    assert response.status == 403
