"""Indexes the files page needs on recordings.RecordingFile (owned by the recordings app).

The files page filters and sorts with these; each keyset sort is (field, id) so a page is one
index range scan. They belong in `RecordingFile.Meta.indexes` (recordings' migration); until they
are there, `bench/bench_files_page.py` adds them to its own throwaway database.
"""

from django.db import models

RECORDING_FILE_INDEXES = [
    # sorts: newest/oldest (and the date range filter), largest, longest (and the duration filter)
    models.Index(fields=["created_at", "id"], name="recfile_created_id"),
    models.Index(fields=["size", "id"], name="recfile_size_id"),
    models.Index(fields=["duration_ms", "id"], name="recfile_duration_id"),
    # equality filters, newest first within them
    models.Index(fields=["upload_status", "created_at", "id"], name="recfile_upload_created"),
    models.Index(fields=["output_format", "created_at", "id"], name="recfile_format_created"),
    models.Index(fields=["user_id", "created_at"], name="recfile_user_created"),
    models.Index(fields=["stream_id", "created_at"], name="recfile_stream_created"),
    # room/app filters go through the task: (task, created_at) serves "files of these tasks"
    models.Index(fields=["task", "created_at"], name="recfile_task_created"),
]
