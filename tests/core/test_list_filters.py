"""Every list page with filters: its htmx answer marks the filter fields in error (the form itself
is outside the swapped results), and the full page and the fragment are cached apart."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

# (page, a query with one invalid filter, the field that must be marked)
LISTS = [
    ("recordings:task_list", {"since": "not-a-date"}, "since"),
    ("accounts:audit", {"since": "not-a-date"}, "since"),
    ("monitoring:alert_list", {"state": "melted"}, "state"),
    ("playback:file_list", {"since": "not-a-date"}, "since"),
]


@pytest.mark.parametrize(("name", "query", "field"), LISTS)
def test_an_htmx_answer_marks_the_field_in_error_out_of_band(client_for, name, query, field):
    response = client_for("admin").get(reverse(name), query, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    spot = f'id="id_{field}_error" data-error-for="id_{field}" role="alert" hx-swap-oob="true"'
    assert spot in body and "<html" not in body


@pytest.mark.parametrize(("name", "query", "field"), LISTS)
def test_the_page_and_its_fragment_are_cached_apart(client_for, name, query, field):
    response = client_for("admin").get(reverse(name))
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("path", ["/", "/rooms/", "/recordings/", "/files/"])
def test_pages_that_refresh_themselves_are_cached_apart_from_their_fragments(client_for, path):
    for headers in ({}, {"HX-Request": "true"}):
        response = client_for("admin").get(path, headers=headers)
        assert "HX-Request" in response["Vary"], (path, headers)
