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


def polled_elements(elements: Elements) -> dict[str, dict]:
    return {a["id"]: a for _, _, a, _ in elements.seen if is_polled(a) and "id" in a}


def polling_problems(elements: Elements, polled: dict[str, dict]) -> list[str]:
    problems = []
    for line, tag, attrs, ancestors in elements.seen:
        inside = [a for a in ancestors if is_polled(a)]
        if REQUEST_ATTRS & attrs.keys() and not is_polled(attrs):
            target = (inherited("hx-target", attrs, ancestors) or "").lstrip("#")
            into = inside[-1].get("id") if inside else target if target in polled else None
            if into is not None:
                problem = sync_problem(attrs, ancestors, into, polled)
                problems += [f"line {line}: <{tag}> {problem}"] if problem else []
        focusable = (tag == "a" and "href" in attrs) or tag in ("button", "select", "summary")
        if inside and focusable and not attrs.get("id"):
            problems.append(f"line {line}: <{tag}> in a polled element has no id to keep focus")
        typed = tag == "textarea" or (tag == "input" and attrs.get("type", "") in TYPED_INPUTS)
        if inside and typed:
            problems.append(
                f"line {line}: <{tag} name={attrs.get('name')!r}> inside a polled element"
            )
    return problems


def sync_problem(attrs: dict, ancestors: list[dict], into: str, polled: dict[str, dict]) -> str:
    """Why a request answering into the polled element `into` is not synchronised with it."""
    declaring = next((a for a in [attrs, *reversed(ancestors)] if "hx-sync" in a), None)
    if declaring is None or is_polled(declaring):
        return f"answers into #{into} without an hx-sync of its own"
    selector, _, strategy = declaring["hx-sync"].partition(":")
    if selector.strip() not in (f"#{into}", f"closest #{into}"):
        return f"answers into #{into} but syncs with {selector.strip()!r}"
    # Dropped behind a refresh unless the refresh gives way (hx-sync="this:abort" on the poller).
    gives_way = polled.get(into, {}).get("hx-sync", "").replace(" ", "") == "this:abort"
    if strategy.strip() in ("", "drop") and not gives_way:
        return f"would be dropped behind a refresh of #{into}, which does not give way"
    return ""


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
    polled = {}
    for elements in parsed.values():
        polled.update(polled_elements(elements))
    assert {"live", "results", "rooms"} <= polled.keys()  # the check sees the pages that poll
    assert problems_in(parsed, lambda elements: polling_problems(elements, polled)) == []


def test_the_checks_catch_what_they_are_for():
    nested = parse(
        '<form hx-post="/a" hx-target="this"><div id="cost" hx-post="/b"></div>'
        '<div hx-post="/c" hx-target="this"></div></form>'
        '<nav hx-target="#results"><a hx-get="/page-2">Next</a></nav>'
    )
    assert inherited_target_problems(nested) == ["line 1: <div id='cost'> takes its target"]

    page = parse(
        '<div id="live" hx-get="/t" hx-trigger="every 2s" hx-sync="this:abort">\n'
        '<form hx-post="/pause" hx-target="#live"><input type="hidden" name="csrf"></form>\n'
        '<section hx-sync="#live:drop"><form hx-post="/stop" hx-target="#live"></form></section>\n'
        '<form hx-post="/wb" hx-sync="this:replace"><input name="whiteboard_id"></form>\n'
        "</div>\n"
        '<form hx-get="/list" hx-target="#live"></form>\n'
        '<form hx-get="/list" hx-target="#live" hx-sync="#live:replace"></form>\n'
        '<div id="rooms" hx-get="/r" hx-trigger="every 5s"></div>\n'
        '<form hx-post="/add" hx-target="#rooms" hx-sync="#rooms:drop"></form>\n'
    )
    assert polling_problems(page, polled_elements(page)) == [
        "line 2: <form> answers into #live without an hx-sync of its own",
        "line 4: <form> answers into #live but syncs with 'this'",
        "line 4: <input name='whiteboard_id'> inside a polled element",
        "line 6: <form> answers into #live without an hx-sync of its own",
        "line 9: <form> would be dropped behind a refresh of #rooms, which does not give way",
    ]


def test_no_template_comment_spans_lines():
    """Django prints a `{# … #}` that spans lines as text; {% comment %} is for those."""
    unclosed = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in [ROOT / "templates", *ROOT.glob("*/templates")]
        for path in folder.rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "{#" in line and "#}" not in line.split("{#", 1)[1]
    ]
    assert unclosed == []
