"""Background work for playback, run by the worker (django.tasks)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.tasks import task

from playback import services
from recordings.models import RecordingFile


@task()
def rescue_backup_file(file_pk: int, user_pk: int | None = None) -> str:
    """Fetch a file from ZEGO's backup storage into the bucket; the outcome goes to the timeline."""
    file = RecordingFile.objects.select_related("task__storage_profile").get(pk=file_pk)
    user = get_user_model().objects.filter(pk=user_pk).first() if user_pk else None
    try:
        services.backup_rescue(file=file, user=user)
    except services.RescueFailed as error:
        return f"failed: {error}"
    return "rescued"


@task()
def check_bucket(task_pk: int) -> int:
    """HEAD every uploaded file of a task; returns the number of problems found."""
    from recordings.models import RecordingTask

    checks = services.bucket_check(task=RecordingTask.objects.get(pk=task_pk))
    return sum(check.is_problem for check in checks)
