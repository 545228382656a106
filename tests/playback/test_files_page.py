"""The files page: filters, sorting, keyset pages, CSV export, roles, pinned query counts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from recordings.models import RecordingFile
from tests.core.test_htmx_targets import parse
from tests.playback.conftest import HTMX, make_files, make_task

pytestmark = pytest.mark.django_db
URL = "/files/"


@pytest.fixture
def catalogue(offline_app, offline_profile):
    """Two rooms, two users, formats and statuses, recorded over the last days."""
    now = timezone.now()
    room_a = make_task(offline_app, "room-a", offline_profile)
    room_b = make_task(offline_app, "room-b", offline_profile, record_mode=1)
    return {
        "a": make_files(room_a, 5, start=now, user_id="teacher", stream_id="teacher-cam"),
        "b_mp4": make_files(
            room_b,
            3,
            start=now - timedelta(days=3),
            user_id="alice",
            stream_id="alice-cam",
            duration_ms=5_000,
            size=50,
        ),
        "b_flv": make_files(
            room_b,
            2,
            start=now - timedelta(days=5),
            user_id="bob",
            stream_id="bob-cam",
            output_format="flv",
            upload_status=4,
            duration_ms=600_000,
        ),
    }


def names(response) -> list[str]:
    return [f.file_id for f in response.context["page"].rows]


def test_it_lists_every_file_newest_first(client_for, catalogue):
    response = client_for("reviewer").get(URL)
    assert response.status_code == 200
    assert b"<html" in response.content
    files = catalogue["a"] + catalogue["b_mp4"] + catalogue["b_flv"]
    assert names(response) == [f.file_id for f in files]  # built newest first
    assert b"room-b" in response.content and b"In ZEGO backup" in response.content


@pytest.mark.parametrize(
    ("query", "group"),
    [
        ({"room": "room-a"}, "a"),
        ({"who": "alice"}, "b_mp4"),
        ({"who": "bob-cam"}, "b_flv"),
        ({"format": "flv"}, "b_flv"),
        ({"upload_status": "4"}, "b_flv"),
        ({"max_seconds": "10"}, "b_mp4"),
        ({"min_seconds": "300"}, "b_flv"),
    ],
)
def test_each_filter_narrows_the_list(client_for, catalogue, query, group):
    response = client_for("reviewer").get(URL, query)
    assert sorted(names(response)) == sorted(f.file_id for f in catalogue[group])


def test_the_date_range_and_app_filters(client_for, catalogue, offline_app):
    today = timezone.localdate()
    client = client_for("reviewer")
    response = client.get(
        URL, {"since": today - timedelta(days=4), "until": today - timedelta(days=2)}
    )
    assert sorted(names(response)) == sorted(f.file_id for f in catalogue["b_mp4"])
    assert len(names(client.get(URL, {"app": offline_app.pk}))) == 10


def test_bad_filters_show_errors_and_no_files(client_for, catalogue):
    response = client_for("reviewer").get(URL, {"since": "2026-05-02", "until": "2026-05-01"})
    assert b"The end date is before the start date." in response.content
    assert response.context["page"] is None
    response = client_for("reviewer").get(URL, {"min_seconds": "-1"})
    assert response.context["page"] is None


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("oldest", lambda f: (f.created_at, f.pk)),
        ("largest", lambda f: (-f.size, -f.pk)),
        ("longest", lambda f: (-f.duration_ms, -f.pk)),
    ],
)
def test_sorting(client_for, catalogue, sort, key):
    files = sorted(RecordingFile.objects.all(), key=key)
    assert names(client_for("reviewer").get(URL, {"sort": sort})) == [f.file_id for f in files]


def test_keyset_pages_walk_the_whole_list_both_ways(client_for, offline_app, offline_profile):
    task = make_task(offline_app, "big", offline_profile)
    # Equal timestamps in pairs: the id breaks ties, so no file is skipped or repeated.
    files = make_files(task, 60, step=timedelta(0))
    make_files(make_task(offline_app, "big", offline_profile), 60, step=timedelta(seconds=1))
    client = client_for("reviewer")
    seen, pages, response = [], [], client.get(URL, {"sort": "newest"})
    while True:
        page = response.context["page"]
        pages.append(names(response))
        seen += names(response)
        if not page.next_cursor:
            break
        response = client.get(URL, {"sort": "newest", "after": page.next_cursor}, headers=HTMX)
        assert b"<html" not in response.content
    assert len(seen) == len(set(seen)) == 120 and len(pages) == 3
    assert files[0].file_id in seen
    # ... and back from the last page.
    previous = response.context["page"].previous_cursor
    response = client.get(URL, {"sort": "newest", "before": previous})
    assert names(response) == pages[1]
    assert client.get(URL, {"after": "garbage~x"}).context["page"].rows  # first page instead


def test_it_serves_the_results_fragment_to_htmx(client_for, catalogue):
    response = client_for("reviewer").get(URL, {"room": "room-a"}, headers=HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'id="results"' in response.content
    assert response.content.count(b">Play</a>") == 5
    # The page at the same URL is another answer: Back must not be given this one from cache.
    assert "HX-Request" in response["Vary"]
    assert "HX-Request" in client_for("reviewer").get(URL, {"room": "room-a"})["Vary"]


def element(html: str, element_id: str) -> dict:
    """The attributes of the element with that id (the last one: an out-of-band copy is later)."""
    found = [attrs for _, _, attrs, _ in parse(html).seen if attrs.get("id") == element_id]
    assert found, f"no #{element_id}"
    return found[-1]


def test_an_htmx_filter_replaces_the_export_link_with_one_for_its_filters(client_for, catalogue):
    """The link sits outside #results: each result brings it out of band, never left stale."""
    client = client_for("reviewer")
    html = client.get(URL, {"format": "flv", "after": "x~1"}, headers=HTMX).content.decode()
    link = element(html, "export-csv")
    assert link["hx-swap-oob"] == "true"
    assert link["href"] == reverse("playback:file_export") + "?format=flv"
    rows = _csv(client.get(link["href"]))
    assert sorted(r["file"] for r in rows) == sorted(f.file_id for f in catalogue["b_flv"])

    html = client.get(URL, {"min_seconds": "-1"}, headers=HTMX).content.decode()
    link = element(html, "export-csv")
    assert "href" not in link and link["aria-disabled"] == "true"


def test_an_htmx_filter_marks_the_fields_in_error_out_of_band(client_for, catalogue):
    """The form is outside #results (so never replaced while being typed into): each result
    brings every field's error spot out of band, filled or emptied."""
    client = client_for("reviewer")
    html = client.get(URL, {"min_seconds": "50", "max_seconds": "10"}, headers=HTMX).content
    html = html.decode()
    spot = element(html, "id_max_seconds_error")
    assert spot["hx-swap-oob"] == "true" and "hidden" not in spot
    assert spot["data-error-for"] == "id_max_seconds"
    assert "Make this larger than “Longer than”." in html
    assert "hidden" in element(html, "id_min_seconds_error")
    assert 'name="min_seconds"' not in html  # the fields themselves are left alone

    html = client.get(URL, {"min_seconds": "5"}, headers=HTMX).content.decode()
    assert "hidden" in element(html, "id_max_seconds_error")


def test_a_full_page_marks_the_fields_in_error_in_the_form(client_for, catalogue):
    html = client_for("reviewer").get(URL, {"since": "2026-05-02", "until": "2026-05-01"})
    html = html.content.decode()
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_until_error"' in html
    spots = [a for _, _, a, _ in parse(html).seen if a.get("id") == "id_until_error"]
    assert "hx-swap-oob" not in spots[0] and "hidden" not in spots[0]


@pytest.mark.parametrize("persona", ["outsider", "storage"])
def test_it_is_for_people_who_play_files(client_for, persona):
    assert client_for(persona).get(URL).status_code == 403
    assert client_for(persona).get(reverse("playback:file_export")).status_code == 403


def test_anonymous_users_log_in_first(client, db):
    assert client.get(URL)["Location"].startswith(reverse("accounts:login"))


def _queries(client, params, headers=None) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(URL, params, headers=headers)
        assert response.status_code == 200
    return len(context.captured_queries)


def test_the_query_count_is_the_same_for_20_and_2000_files_on_any_page(
    client_for, offline_app, offline_profile
):
    """No COUNT, no OFFSET, no per-row queries: a page costs the same at any size and depth."""
    client = client_for("reviewer")
    task = make_task(offline_app, "room-a", offline_profile)
    make_files(task, 20)
    small = _queries(client, {})
    small_filtered = _queries(client, {"room": "room-a", "format": "mp4", "sort": "largest"})
    small_htmx = _queries(client, {"format": "mp4"}, HTMX)
    for index in range(10):
        other = make_task(offline_app, f"room-{index}", offline_profile)
        make_files(other, 198)
    assert RecordingFile.objects.count() == 2000
    assert _queries(client, {}) == small
    assert (
        _queries(client, {"room": "room-a", "format": "mp4", "sort": "largest"}) == small_filtered
    )
    # session, user, two of permissions, the page of files, their tasks: none for the form.
    assert _queries(client, {"format": "mp4"}, HTMX) == small_htmx == 6
    cursor = client.get(URL).context["page"].next_cursor
    deep = client.get(URL, {"after": cursor})
    for _ in range(20):
        cursor = deep.context["page"].next_cursor
        deep = client.get(URL, {"after": cursor})
    assert _queries(client, {"after": cursor}) == small
    assert not any(
        "COUNT(" in q["sql"].upper() or "OFFSET" in q["sql"].upper() for q in _sql(client)
    )


def _sql(client):
    with CaptureQueriesContext(connection) as context:
        client.get(URL)
    return [q for q in context.captured_queries if "recordings_recordingfile" in q["sql"]]


def _csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_csv_export_streams_the_filtered_set(client_for, catalogue):
    response = client_for("reviewer").get(reverse("playback:file_export"), {"room": "room-b"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert [r["file"] for r in rows] == [f.file_id for f in catalogue["b_mp4"] + catalogue["b_flv"]]
    first = rows[0]
    assert first["room"] == "room-b" and first["app"] == "Offline"
    assert first["user_id"] == "alice" and first["format"] == "mp4"
    assert first["duration_s"] == "5.000" and first["size_bytes"] == "50"
    assert first["upload_status"] == "Uploaded"
    assert rows[-1]["upload_status"] == "In ZEGO backup (3 days)"
    assert AuditEntry.objects.filter(action="files.export", actor_label="reviewer").exists()


def test_the_csv_export_neutralises_formulas_and_takes_any_size(
    client_for, offline_app, offline_profile
):
    task = make_task(offline_app, "room-x", offline_profile)
    make_files(task, 2500, user_id='=HYPERLINK("http://evil")')
    rows = _csv(client_for("reviewer").get(reverse("playback:file_export")))
    assert len(rows) == 2500
    assert rows[0]["user_id"].startswith("'=")
