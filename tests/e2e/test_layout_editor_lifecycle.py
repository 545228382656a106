"""An editor replaced by an htmx swap of the start form stops drawing: its window listener goes
with it (each re-render used to leave the old editor redrawing a detached canvas on resize)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in
from tests.e2e.test_layout_editor import setup  # noqa: F401 (a fixture)
from tests.recordings.conftest import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COUNT_OLD_EDITOR_DRAWS = """() => {
  const old = document.querySelector('.le').layoutEditor;
  window.oldDraws = 0;
  const draw = old.drawGrid.bind(old);
  old.drawGrid = () => { window.oldDraws += 1; draw(); };
  old.root.dataset.old = '1';
}"""


def test_a_replaced_editor_no_longer_redraws_on_resize(page, live_server, setup):  # noqa: F811
    log_in(page, live_server.url, "support")
    page.goto(f"{live_server.url}/rooms/{setup['room'].pk}/start/")
    page.locator(".le.le-ready").wait_for()
    page.evaluate(COUNT_OLD_EDITOR_DRAWS)
    page.set_viewport_size({"width": 1300, "height": 900})
    # Polled from here: wait_for_function would evaluate a string in the page, which our CSP
    # (no unsafe-eval) refuses.
    wait_for(lambda: page.evaluate("window.oldDraws") > 0, timeout=10, interval=0.1)

    page.get_by_label("MaxIdleTime (s)").fill("-5")
    page.get_by_role("button", name="Start recording").click()
    page.locator(".le.le-ready:not([data-old])").wait_for()  # the form came back with an error
    page.evaluate("window.oldDraws = 0")
    page.set_viewport_size({"width": 1200, "height": 800})
    page.wait_for_timeout(300)
    assert page.evaluate("window.oldDraws") == 0
