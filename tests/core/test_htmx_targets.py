"""Static checks of the templates' htmx attributes, for races a browser test only hits sometimes.

- htmx attributes inherit: an element that makes its own request inside a form that targets
  itself (`hx-target="this"`) swaps its reply over the whole form unless it names its own target.
  That once replaced the start form with its cost estimate while support was filling it in.
- A polled element (`hx-trigger="every …"`) is replaced wholesale on each refresh: a request whose
  answer goes into it must be synchronised with it (`hx-sync`), or a refresh landing first swallows
  the answer (a control's message, a filter's results); and nobody can type into a field inside it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUEST_ATTRS = {"hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
DEFAULTED = re.compile(r"{{\s*\w+\|default:'([^']*)'\s*}}")
TEMPLATE_SYNTAX = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
TYPED_INPUTS = {"text", "search", "email", "url", "number", "tel", "password", ""}


def markup(text: str) -> str:
    """The template as HTML: `{{ x|default:'y' }}` becomes y, other template syntax goes."""
    return TEMPLATE_SYNTAX.sub("", DEFAULTED.sub(r"\1", text))


def is_polled(attrs: dict) -> bool:
    return "every " in (attrs.get("hx-trigger") or "")


class Elements(HTMLParser):
    """Each start tag with its attributes and its open ancestors' attributes (nearest last)."""

    def __init__(self):
        super().__init__()
        self.open: list[tuple[str, dict]] = []
        self.seen: list[tuple[int, str, dict, list[dict]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        self.seen.append((self.getpos()[0], tag, attrs, [a for _, a in self.open]))
        if tag not in VOID:
            self.open.append((tag, attrs))

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                del self.open[i:]
                return


def parse(text: str) -> Elements:
    elements = Elements()
    elements.feed(markup(text))
    return elements


def inherited(name: str, attrs: dict, ancestors: list[dict]) -> str | None:
    for candidate in [attrs, *reversed(ancestors)]:
        if name in candidate:
            return candidate[name]
    return None


def inherited_target_problems(elements: Elements) -> list[str]:
    problems = []
    for line, tag, attrs, ancestors in elements.seen:
        if REQUEST_ATTRS & attrs.keys() and "hx-target" not in attrs:
            owner = next((a for a in reversed(ancestors) if "hx-target" in a), None)
            if owner is not None and REQUEST_ATTRS & owner.keys():
                problems.append(f"line {line}: <{tag} id={attrs.get('id')!r}> takes its target")
    return problems


def polled_ids(elements: Elements) -> set[str]:
    return {attrs["id"] for _, _, attrs, _ in elements.seen if is_polled(attrs) and "id" in attrs}


def polling_problems(elements: Elements, polled: set[str]) -> list[str]:
    problems = []
    for line, tag, attrs, ancestors in elements.seen:
        inside = [a for a in ancestors if is_polled(a)]
        if REQUEST_ATTRS & attrs.keys() and not is_polled(attrs):
            target = inherited("hx-target", attrs, ancestors) or ""
            into_polled = inside or target.lstrip("#") in polled
            if into_polled and not inherited("hx-sync", attrs, ancestors):
                problems.append(f"line {line}: <{tag}> answers into a polled element, no hx-sync")
        typed = tag == "textarea" or (tag == "input" and attrs.get("type", "") in TYPED_INPUTS)
        if inside and typed:
            problems.append(
                f"line {line}: <{tag} name={attrs.get('name')!r}> inside a polled element"
            )
    return problems


def templates() -> dict[Path, Elements]:
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]
    return {path: parse(path.read_text()) for folder in folders for path in folder.rglob("*.html")}


def problems_in(parsed: dict[Path, Elements], check) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} {problem}"
        for path, els in parsed.items()
        for problem in check(els)
    ]


def test_no_request_inherits_the_target_of_an_enclosing_request():
    assert problems_in(templates(), inherited_target_problems) == []


def test_answers_into_polled_elements_are_synchronised_and_nobody_types_inside_one():
    parsed = templates()
    polled = set().union(*(polled_ids(elements) for elements in parsed.values()))
    assert {"live", "results", "rooms"} <= polled  # the check sees the pages that poll
    assert problems_in(parsed, lambda elements: polling_problems(elements, polled)) == []


def test_the_checks_catch_what_they_are_for():
    nested = parse(
        '<form hx-post="/a" hx-target="this"><div id="cost" hx-post="/b"></div>'
        '<div hx-post="/c" hx-target="this"></div></form>'
        '<nav hx-target="#results"><a hx-get="/page-2">Next</a></nav>'
    )
    assert inherited_target_problems(nested) == ["line 1: <div id='cost'> takes its target"]

    page = parse(
        '<div id="live" hx-get="/t" hx-trigger="every 2s">\n'
        '<form hx-post="/pause" hx-target="#live"><input type="hidden" name="csrf"></form>\n'
        '<section hx-sync="#live:replace"><form hx-post="/stop" hx-target="#live"></form></section>\n'
        '<form hx-post="/wb"><input name="whiteboard_id"></form>\n'
        "</div>\n"
        '<form hx-get="/list" hx-target="#live"></form>\n'
        '<form hx-get="/list" hx-target="#live" hx-sync="#live:replace"></form>\n'
    )
    assert polling_problems(page, polled_ids(page)) == [
        "line 2: <form> answers into a polled element, no hx-sync",
        "line 4: <form> answers into a polled element, no hx-sync",
        "line 4: <input name='whiteboard_id'> inside a polled element",
        "line 6: <form> answers into a polled element, no hx-sync",
    ]
