"""The policy evaluation the scheduler enqueues (called from recordings.scheduling.tick)."""

from __future__ import annotations

from datetime import datetime

from core.jobs import due

EVALUATION_JOB = "policies"
# Often enough that a window's opening or a first publisher is acted on within seconds; the pass
# reads cached presence, so it costs no ZEGO call unless presence went stale.
EVALUATE_EVERY_SECONDS = 5


def enqueue_due(now: datetime) -> list[str]:
    """Enqueue a policy evaluation when one is due; returns what was enqueued."""
    from policies import tasks

    if due(EVALUATION_JOB, EVALUATE_EVERY_SECONDS, now):
        tasks.evaluate_policies.enqueue()
        return [EVALUATION_JOB]
    return []
