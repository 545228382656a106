"""A list's filters in the browser (core/filter_form.html; here the files page): their errors mark
the fields without the form being replaced, Back and Forward bring the fields back with the
results, and the CSV export takes the filters on screen."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, shoot
from tests.playback import conftest as playback_conftest
from tests.playback.conftest import make_files, make_task

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
# The files fixtures: an app and a bucket that are never reached.
offline_app = playback_conftest.offline_app
offline_profile = playback_conftest.offline_profile


@pytest.fixture
def files(personas, offline_app, offline_profile):
    """Four MP4 recordings and two JPG snapshots."""
    make_files(make_task(offline_app, "room-a", offline_profile), 4)
    snapshots = make_task(offline_app, "room-b", offline_profile)
    make_files(snapshots, 2, output_format="jpg", step=timedelta(seconds=5))


def url_with(**params: str) -> re.Pattern:
    """The files page's URL with these values (htmx sends every field, so the rest are empty)."""
    query = "".join(f"(?=.*[?&]{name}={re.escape(value)}(&|$))" for name, value in params.items())
    return re.compile(rf".*/files/\?{query}.*")


def rows(page) -> int:
    return page.locator("#results tbody tr").count()


def open_files(page, base_url: str):
    log_in(page, base_url, "reviewer")
    page.goto(f"{base_url}/files/")
    assert rows(page) == 6


def test_bad_filters_mark_their_field_and_typing_elsewhere_goes_on(page, live_server, files):
    open_files(page, live_server.url)
    longer, shorter = page.get_by_label("Longer than (s)"), page.get_by_label("Shorter than (s)")
    longer.fill("50")
    shorter.fill("10")
    shorter.press("Enter")
    # Straight on to another field while the answer is on its way: it lands as this is typed.
    room = page.get_by_label("Room ID")
    room.click()
    page.keyboard.type("room-", delay=60)
    page.get_by_text("Fix the filters above to see files.").wait_for()
    error = page.locator("#id_max_seconds_error")
    assert error.inner_text() == "Make this larger than “Longer than”."
    assert shorter.get_attribute("aria-invalid") == "true"
    assert shorter.get_attribute("aria-describedby") == "id_max_seconds_error"
    assert longer.get_attribute("aria-invalid") is None
    page.keyboard.type("a", delay=60)
    assert room.input_value() == "room-a"
    assert page.evaluate("document.activeElement.name") == "room"
    shoot(page, "filters-01-field-marked")

    shorter.fill("")
    shorter.press("Enter")
    page.wait_for_url(url_with(min_seconds="50", max_seconds=""))
    error.wait_for(state="hidden")
    assert shorter.get_attribute("aria-invalid") is None
    assert rows(page) == 4  # room-a, longer than 50 s


def test_back_and_forward_bring_the_fields_back_with_the_results(page, live_server, files):
    open_files(page, live_server.url)
    fmt = page.get_by_label("Format")
    longer, shorter = page.get_by_label("Longer than (s)"), page.get_by_label("Shorter than (s)")
    error = page.locator("#id_max_seconds_error")
    only_jpg = url_with(format="jpg", min_seconds="")
    longer_than_50 = url_with(format="jpg", min_seconds="50", max_seconds="")
    fmt.select_option("jpg")
    page.wait_for_url(only_jpg)
    for field, value, then in [
        (longer, "50", longer_than_50),
        (shorter, "10", url_with(max_seconds="10")),
        (shorter, "", longer_than_50),
    ]:
        field.fill(value)
        field.press("Enter")
        page.wait_for_url(then)
    expect(error).to_be_hidden()

    page.go_back()
    page.wait_for_url(url_with(format="jpg", min_seconds="50", max_seconds="10"))
    expect(fmt).to_have_value("jpg")
    expect(longer).to_have_value("50")
    expect(shorter).to_have_value("10")
    expect(shorter).to_have_attribute("aria-invalid", "true")
    expect(error).to_be_visible()
    assert rows(page) == 1  # "No files match."

    page.go_back()
    page.wait_for_url(longer_than_50)
    expect(shorter).to_have_value("")
    expect(longer).to_have_value("50")
    expect(shorter).not_to_have_attribute("aria-invalid", "true")
    expect(error).to_be_hidden()

    page.go_back()
    page.wait_for_url(only_jpg)
    expect(longer).to_have_value("")
    expect(fmt).to_have_value("jpg")
    assert rows(page) == 2

    page.go_back()
    page.wait_for_url(re.compile(r".*/files/$"))
    expect(fmt).to_have_value("")
    assert rows(page) == 6
    shoot(page, "filters-02-back-to-the-start")

    page.go_forward()
    page.wait_for_url(only_jpg)
    expect(fmt).to_have_value("jpg")
    assert rows(page) == 2

    # Away to a file and back: the whole page for that URL, not the results fragment htmx got
    # for it from the browser's cache.
    page.get_by_role("link", name="Play").first.click()
    page.wait_for_url(re.compile(r".*/player/\d+/$"))
    page.go_back()
    page.wait_for_url(only_jpg)
    expect(page.get_by_role("heading", name="Files")).to_be_visible()
    expect(fmt).to_have_value("jpg")
    assert rows(page) == 2


def test_the_export_takes_the_filters_on_screen(page, live_server, files):
    open_files(page, live_server.url)
    page.get_by_label("Format").select_option("jpg")
    page.wait_for_url(url_with(format="jpg"))
    assert rows(page) == 2
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    with open(download.value.path(), encoding="utf-8") as exported:
        lines = list(csv.DictReader(io.StringIO(exported.read())))
    assert [line["format"] for line in lines] == ["jpg", "jpg"]

    page.get_by_label("Longer than (s)").fill("50")
    page.get_by_label("Shorter than (s)").fill("10")
    page.get_by_label("Shorter than (s)").press("Enter")
    page.locator("#id_max_seconds_error").wait_for()
    export = page.locator("#export-csv")
    assert export.get_attribute("aria-disabled") == "true" and export.get_attribute("href") is None
