"""htmx attributes inherit: an element that makes its own request inside a form that targets
itself (`hx-target="this"`) would swap its reply over the whole form unless it names its own
target. That once replaced the start form with its cost estimate while support was filling it in.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUEST_ATTRS = {"hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
TEMPLATE_SYNTAX = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)


class InheritedTargetFinder(HTMLParser):
    """Request-making elements whose inherited hx-target belongs to another request-maker."""

    def __init__(self):
        super().__init__()
        self.open: list[tuple[str, dict]] = []
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if REQUEST_ATTRS & attrs.keys() and "hx-target" not in attrs:
            owner = next((a for _, a in reversed(self.open) if "hx-target" in a), None)
            if owner is not None and REQUEST_ATTRS & owner.keys():
                self.found.append(f"line {self.getpos()[0]}: <{tag} id={attrs.get('id')!r}>")
        if tag not in VOID:
            self.open.append((tag, attrs))

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                del self.open[i:]
                return


def templates():
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        yield from folder.rglob("*.html")


def test_no_request_inherits_the_target_of_an_enclosing_request():
    problems = []
    for path in templates():
        finder = InheritedTargetFinder()
        finder.feed(TEMPLATE_SYNTAX.sub("", path.read_text()))
        problems += [f"{path.relative_to(ROOT)} {where}" for where in finder.found]
    assert problems == []


def test_the_finder_catches_a_nested_request_without_its_own_target():
    finder = InheritedTargetFinder()
    finder.feed(
        '<form hx-post="/a" hx-target="this"><div id="cost" hx-post="/b"></div>'
        '<div hx-post="/c" hx-target="this"></div></form>'
        '<nav hx-target="#results"><a hx-get="/page-2">Next</a></nav>'
    )
    assert finder.found == ["line 1: <div id='cost'>"]
