"""Opt-in checks against real ZEGO: read-only calls, skipped unless credentials are set."""

from __future__ import annotations

import os

import pytest

import zego

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (os.environ.get("ZEGO_APP_ID") and os.environ.get("ZEGO_SERVER_SECRET")),
        reason="set ZEGO_APP_ID and ZEGO_SERVER_SECRET to run live ZEGO tests",
    ),
]


@pytest.fixture
def live_client() -> zego.Client:
    return zego.Client(
        os.environ["ZEGO_APP_ID"],
        os.environ["ZEGO_SERVER_SECRET"],
        api_url=os.environ.get("ZEGO_API_URL", zego.client.DEFAULT_API_URL),
    )


def test_it_lists_tasks_for_a_room(live_client):
    """A signed DescribeTasks call is accepted (the room need not exist)."""
    result = live_client.describe_tasks(
        zego.DescribeTasksStatus.ENDED, room_id="recdesk-live-test", page_size=1
    )
    assert result.total_count >= 0
    assert result.request_id


def test_it_reports_an_unknown_task(live_client):
    """An unknown TaskId comes back as ZegoNotFoundError."""
    with pytest.raises(zego.ZegoNotFoundError):
        live_client.describe_record_status("AAAAAAAAAAAAAAAA")
