"""JSON Schema for a Django form's fields, and the type check of JSON input against it.

The API feeds JSON into the console's own forms, so each rule lives in the form only. JSON
adds types the form never sees in a browser (a number where text belongs, an object for a
list), so the input's types are checked first against this schema — the same schema the
OpenAPI description publishes — and the form then applies every rule.
"""

from __future__ import annotations

from typing import Any

from django import forms

JSON_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,),
    "number": (int, float),
    "string": (str,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def field_schema(field: forms.Field) -> dict[str, Any]:
    schema = _base_schema(field)
    if field.help_text:
        schema["description"] = str(field.help_text)
    return schema


def _base_schema(field: forms.Field) -> dict[str, Any]:
    if isinstance(field, forms.ModelChoiceField):
        return {"type": "integer", "description": "An id"}
    if isinstance(field, forms.MultipleChoiceField):
        return {"type": "array", "items": {"type": "string"}}
    if isinstance(field, forms.TypedChoiceField) and field.coerce is int:
        return {
            "type": "integer",
            "enum": [int(value) for value, _ in field.choices if value != ""],
        }
    if isinstance(field, forms.ChoiceField):
        return {"type": "string", "enum": [str(value) for value, _ in field.choices]}
    if isinstance(field, forms.BooleanField):
        return {"type": "boolean"}
    if isinstance(field, forms.IntegerField):
        return _bounded({"type": "integer"}, field.min_value, field.max_value)
    if isinstance(field, forms.UUIDField):
        return {"type": "string", "format": "uuid"}
    if isinstance(field, forms.DateField):
        return {"type": "string", "format": "date"}
    schema: dict[str, Any] = {"type": "string"}
    if isinstance(field, forms.URLField):
        schema["format"] = "uri"
    if getattr(field, "max_length", None):
        schema["maxLength"] = field.max_length
    return schema


def _bounded(schema: dict[str, Any], low, high) -> dict[str, Any]:
    if low is not None:
        schema["minimum"] = low
    if high is not None:
        schema["maximum"] = high
    return schema


def form_properties(form_class: type[forms.Form], exclude: tuple[str, ...] = ()) -> dict:
    return {
        name: field_schema(field)
        for name, field in form_class.base_fields.items()
        if name not in exclude
    }


def type_problems(data: dict[str, Any], properties: dict[str, dict]) -> dict[str, list[str]]:
    """Per field, why its JSON value has the wrong type (unknown fields included)."""
    problems: dict[str, list[str]] = {}
    for name, value in data.items():
        schema = properties.get(name)
        if schema is None:
            known = ", ".join(sorted(properties))
            problems[name] = [
                f"Unknown field; known fields: {known}."
                if known
                else "This action takes no fields."
            ]
        elif not _has_type(value, schema):
            problems[name] = [f"Must be {_type_words(schema)}."]
    return problems


def _has_type(value: Any, schema: dict[str, Any]) -> bool:
    allowed = schema.get("type")
    types = allowed if isinstance(allowed, list) else [allowed]
    return any(_is_json_type(value, name, schema) for name in types)


def _is_json_type(value: Any, name: str, schema: dict[str, Any]) -> bool:
    if name == "null":
        return value is None
    if isinstance(value, bool) and name != "boolean":
        return False  # True is an int to Python, never to JSON
    if name == "integer" and isinstance(value, float):
        return value.is_integer()
    if not isinstance(value, JSON_TYPES[name]):
        return False
    items = schema.get("items")
    if name == "array" and items:
        return all(_has_type(item, items) for item in value)
    return True


def _type_words(schema: dict[str, Any]) -> str:
    allowed = schema.get("type")
    types = allowed if isinstance(allowed, list) else [allowed]
    words = {
        "integer": "a whole number",
        "number": "a number",
        "string": "a string",
        "boolean": "true or false",
        "array": "a list",
        "object": "an object",
        "null": "null",
    }
    text = " or ".join(words[name] for name in types)
    items = schema.get("items")
    if "array" in types and items:
        text += f" of {_type_words(items).removeprefix('a ').removeprefix('an ')}s"
    return text
