from __future__ import annotations

from django.tasks import task

from storage_profiles import services


@task
def probe_storage_profile(probe_run_id: int) -> str:
    """Background half of "Probe now": runs the checks and stores each step as it finishes."""
    return services.storage_probe_execute(probe_run_id)
