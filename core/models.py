from __future__ import annotations

from django.db import models


class PeriodicJob(models.Model):
    """A periodic job's clock (see core.jobs): when the scheduler last enqueued it, and until
    when the pass running now holds it."""

    name = models.CharField(max_length=40, unique=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    running_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
