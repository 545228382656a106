"""The description at /api/v1/openapi.json matches the URL conf and the views' capabilities."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from tests.test_access_matrix import ALL_VIEWS, TOKEN_API


def document(client) -> dict:
    response = client.get(reverse("api:openapi"))
    assert response.status_code == 200
    return response.json()


def documented_operations(doc: dict) -> dict[tuple[str, str], dict]:
    return {
        (method.upper(), path): operation
        for path, item in doc["paths"].items()
        for method, operation in item.items()
    }


def routed_operations() -> dict[tuple[str, str], str]:
    """(method, path as OpenAPI writes it) -> URL name, for every token-authenticated view."""
    operations = {}
    for name in TOKEN_API:
        try:
            path = reverse(name)
        except NoReverseMatch:
            path = reverse(name, kwargs={"pk": 424242}).replace("424242", "{id}")
        for method in ALL_VIEWS[name].api_methods:
            operations[(method, path)] = name
    return operations


def test_it_is_openapi_3_1_served_without_a_token(client):
    doc = document(client)
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


def test_every_endpoint_is_described_and_nothing_else(client):
    documented = documented_operations(document(client))
    routed = routed_operations()
    assert set(documented) == set(routed)


def test_each_operation_names_the_capability_its_view_checks(client):
    routed = routed_operations()
    for key, operation in documented_operations(document(client)).items():
        assert operation["x-capability"] == ALL_VIEWS[routed[key]].required_capability, key


def test_the_start_body_is_the_start_forms_fields(client):
    from recordings.forms import StartForm

    properties = document(client)["components"]["schemas"]["StartRequest"]["properties"]
    assert set(properties) == set(StartForm.base_fields) - {"preset_name"}


def test_the_start_body_takes_the_record_mode_tasks_show_as_well_as_its_code(client):
    schemas = document(client)["components"]["schemas"]
    sent = schemas["StartRequest"]["properties"]["record_mode"]
    shown = schemas["Task"]["properties"]["record_mode"]
    assert set(shown["enum"]) <= set(sent["enum"])
    assert {1, 2} <= set(sent["enum"])
    assert '2 or "mixed"' in sent["description"] and '1 or "single"' in sent["description"]
