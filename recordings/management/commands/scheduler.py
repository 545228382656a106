"""The one scheduler: enqueues reconcile, presence refreshes and alert evaluation, on a timer.

Several copies may run (e.g. one per host); a lease in the database makes exactly one the leader.
"""

from __future__ import annotations

import logging
import signal
import socket
import time
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from recordings import scheduling

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Enqueue reconcile, room-presence refreshes and alert evaluation periodically (run one per deployment)."

    def add_arguments(self, parser):
        parser.add_argument("--iterations", type=int, default=0, help="Stop after N ticks (tests).")

    def handle(self, *args, iterations: int = 0, **options):
        holder = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        running = True

        def stop(*_):
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Scheduler {holder}: reconcile every {settings.RECONCILE_INTERVAL}s")
        ticks = 0
        while running and (not iterations or ticks < iterations):
            tick_safely(holder)
            ticks += 1
            time.sleep(min(settings.RECONCILE_INTERVAL, settings.PRESENCE_INTERVAL) / 2)


def tick_safely(holder: str) -> None:
    """One tick; a failure (the database restarting, say) is logged and the next tick tries again,
    so the spare scheduler is never lost to one bad moment."""
    try:
        scheduling.tick(holder)
    except Exception:
        logger.exception("scheduler: this tick failed; trying again at the next one")
        close_old_connections()
