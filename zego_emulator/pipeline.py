"""After a task stops (or a snapshot is due): build the render plan, render, upload, fall back to backup.

Runs on the engine's worker threads. Holds the engine lock only while reading or writing task state,
never while rendering or uploading. A mixed HLS task with RealtimeUploadFragment has its playlist
written while it records (`live.py`); the rest of its files are rendered here as usual.
"""

from __future__ import annotations

import importlib
import logging
import math
import mimetypes
import secrets
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from .live import LiveUpload, wants_live_upload
from .state import (
    FILE_FAILED,
    FILE_IN_BACKUP,
    FILE_UPLOADED,
    FILE_UPLOADING,
    NO_URL_VENDORS,
    THREE_DAYS,
    TRACK_TYPES,
    VOD_VENDORS,
    FileEntry,
    Task,
    file_name,
    output_format_of,
)

if TYPE_CHECKING:
    from .engine import Engine

log = logging.getLogger("zego_emulator.pipeline")

EVENT_UPLOADED = 1
EVENT_HLS_PLAYLIST = 102
UPLOAD_ALL_OK = 1
UPLOAD_PARTIAL = 2
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".aac": "audio/aac",
    ".flv": "video/x-flv",
    ".sw": "application/json",
}
# How long finalize waits for a live upload to encode its last seconds after the stop.
LIVE_FINISH_TIMEOUT = 300.0


class InjectedUploadFailure(Exception):
    pass


class MediaBackend:
    """`zego_emulator.media` and `zego_emulator.storage`, imported on first use."""

    @property
    def types(self):
        return importlib.import_module("zego_emulator.media")

    def render(self, plan, out_dir: Path) -> list:
        return self.types.render(plan, out_dir)

    def render_snapshot(self, plan, at: float, out_path: Path) -> Path:
        return self.types.render_snapshot(plan, at, out_path)

    def object_url(self, storage_params: dict, object_key: str, *, default_s3_endpoint: str) -> str:
        storage = importlib.import_module("zego_emulator.storage")
        endpoint = storage.storage_endpoint(storage_params, default_s3_endpoint)
        return storage.file_url(endpoint, storage_params.get("Bucket", ""), object_key)

    def upload(
        self,
        storage_params: dict,
        local_path: Path,
        object_key: str,
        content_type: str,
        *,
        default_s3_endpoint: str,
    ) -> str:
        storage = importlib.import_module("zego_emulator.storage")
        return storage.upload(
            storage_params,
            local_path,
            object_key,
            content_type,
            default_s3_endpoint=default_s3_endpoint,
        )


def content_type_for(path: Path | str) -> str:
    suffix = Path(path).suffix.lower()
    return (
        CONTENT_TYPES.get(suffix)
        or mimetypes.guess_type(str(path))[0]
        or "application/octet-stream"
    )


def probe_resolution(path: Path) -> tuple[int, int]:
    try:
        import av

        with av.open(str(path)) as container:
            for stream in container.streams.video:
                return stream.codec_context.width, stream.codec_context.height
    except Exception:  # noqa: BLE001 - a file we cannot probe simply reports 0x0
        pass
    return 0, 0


class Pipeline:
    def __init__(self, engine: Engine, backend: MediaBackend) -> None:
        self.engine = engine
        self.backend = backend
        self.live: dict[str, LiveUpload] = {}  # by task id, while recording and until finalized

    def start_live_upload_if_due(self, task: Task) -> None:
        """Called under the engine lock on every tick: begin once the task records."""
        if task.started is None or task.task_id in self.live or not wants_live_upload(task):
            return
        live = self.live[task.task_id] = LiveUpload(self, task)
        live.start()

    @property
    def data_dir(self) -> Path:
        return self.engine.config.data_dir

    # -- plans --------------------------------------------------------------------------------

    def build_plan(
        self,
        task: Task,
        now: float,
        only_stream: str | None = None,
        *,
        open_until: float | None = None,
    ):
        types = self.backend.types
        end = task.ended or now
        tracks = []
        for tracked in task.tracked.values():
            intervals = task.media_intervals(tracked, end, open_until)
            if intervals and only_stream in (None, tracked.stream.stream_id):
                s = tracked.stream
                tracks.append(
                    types.StreamTrack(
                        user_id=s.user_id,
                        stream_id=s.stream_id,
                        audio=s.audio,
                        video=s.video,
                        index=s.index,
                        intervals=intervals,
                    )
                )
        return types.RenderPlan(
            task_id=task.task_id,
            room_id=task.room_id,
            record_mode=task.request.record_mode,
            stream_type=task.request.stream_type,
            output_format=task.request.output_format,
            begin_timestamp_ms=int(task.started * 1000),
            duration=round(task.media_seconds(end), 3),
            tracks=tracks,
            mix=self.build_mix_plan(task, types) if task.is_mixed else None,
            fill_blank=task.request.fill_blank,
            fragment_seconds=task.request.fragment_seconds,
            snapshot_interval=task.request.snapshot_interval,
        )

    def build_mix_plan(self, task: Task, types):
        mix = task.request.mix
        return types.MixPlan(
            output_stream_id=mix.output_stream_id,
            width=mix.width,
            height=mix.height,
            fps=mix.fps,
            bitrate=mix.bitrate,
            audio_bitrate=mix.audio_bitrate,
            background_color=mix.background_color,
            background_image=task.images.get(mix.background_image_url)
            if mix.background_image_url
            else None,
            layouts=self.layout_timeline(task, types),
        )

    def layout_timeline(self, task: Task, types) -> list:
        """(media-second, LayoutSpec) pairs; a later change at the same media second replaces an earlier one."""
        timeline = {}
        for wall, layout in task.layouts:
            second = (
                round(task.media_seconds(wall), 3) if task.started and wall > task.started else 0.0
            )
            timeline[second] = self.layout_spec(task, layout, types)
        return sorted(timeline.items(), key=lambda item: item[0])

    def layout_spec(self, task: Task, layout, types):
        mix = task.request.mix
        default_image = (
            task.images.get(mix.default_tile_image_url)
            if task.request.fill_blank and mix.default_tile_image_url
            else None
        )
        tiles = None
        if layout.tiles is not None:
            tiles = [
                types.Tile(
                    left=t.left,
                    top=t.top,
                    right=t.right,
                    bottom=t.bottom,
                    layer=t.layer,
                    stream_id=t.stream_id,
                    fill_mode=t.fill_mode,
                    view_type=t.view_type,
                    background_image=(
                        task.images.get(t.background_image_url) if t.background_image_url else None
                    )
                    or (default_image if t.stream_id else None),
                )
                for t in layout.tiles
            ]
        return types.LayoutSpec(
            mix_mode=layout.mix_mode,
            tiles=tiles,
            fill_mode=mix.fill_mode,
            max_resolution_stream_id=layout.max_resolution_stream_id,
        )

    # -- file lists ---------------------------------------------------------------------------

    def media_types(self, task: Task) -> list[tuple[str, str]]:
        """(Type, extension) of the files one stream (or the mix) produces."""
        fmt = task.request.output_format
        extension = "m3u8" if fmt == "hls" else fmt
        separate_audio = "mp3" if fmt == "mp3" else "aac"
        return {
            1: [("A", extension)],
            2: [("V", extension)],
            3: [("VA", extension)],
            4: [("V", extension), ("A", separate_audio)],
        }[task.request.stream_type]

    def provisional_files(self, task: Task, now: float) -> list[FileEntry]:
        """What the recorder is writing right now (Status 1), before the real files exist."""
        if task.started is None or task.request.output_format == "jpg":
            return []
        owners = []
        if task.is_mixed:
            mix_id = task.request.mix.output_stream_id
            owners.append(([mix_id], mix_id, mix_id, mix_id, task.started, task.media_seconds(now)))
        else:
            for tracked in task.tracked.values():
                intervals = task.media_intervals(tracked, now)
                if intervals:
                    s = tracked.stream
                    first_wall = max(tracked.intervals[0][0], task.started)
                    seconds = sum(end - start for start, end in intervals)
                    owners.append(
                        (
                            [s.user_id, s.stream_id],
                            s.user_id,
                            s.user_name,
                            s.stream_id,
                            first_wall,
                            seconds,
                        )
                    )
        return [
            self.provisional_entry(task, *owner, media_type, extension)
            for owner in owners
            for media_type, extension in self.media_types(task)
        ]

    def provisional_entry(
        self, task, parts, user_id, user_name, stream_id, begin_wall, seconds, media_type, extension
    ) -> FileEntry:
        begin_ms = int(begin_wall * 1000)
        return FileEntry(
            file_id=file_name(task, parts, media_type, begin_ms, extension),
            user_id=user_id,
            user_name=user_name,
            stream_id=stream_id,
            output_file_format=output_format_of(f"x.{extension}"),
            media_track_type=TRACK_TYPES[media_type],
            begin_timestamp=begin_ms,
            duration=int(seconds * 1000),
            resolution_width=task.request.mix.width if task.is_mixed and "V" in media_type else 0,
            resolution_height=task.request.mix.height if task.is_mixed and "V" in media_type else 0,
            show_url=task.vendor not in NO_URL_VENDORS,
        )

    def entry_for(self, task: Task, rendered) -> FileEntry:
        user_name = rendered.user_id
        tracked = task.tracked.get(rendered.stream_id)
        if tracked is not None:
            user_name = tracked.stream.user_name
        if task.is_mixed:
            width, height = task.request.mix.width, task.request.mix.height
        else:
            width, height = probe_resolution(rendered.path)
        if "V" not in rendered.media_type:
            width = height = 0
        return FileEntry(
            file_id=rendered.file_name,
            user_id=rendered.user_id,
            user_name=user_name,
            stream_id=rendered.stream_id,
            output_file_format=output_format_of(rendered.file_name),
            media_track_type=TRACK_TYPES.get(rendered.media_type, 3),
            begin_timestamp=rendered.begin_timestamp_ms,
            duration=rendered.duration_ms,
            file_size=rendered.size,
            resolution_width=width,
            resolution_height=height,
            status=FILE_UPLOADING,
            video_id=secrets.token_hex(16) if task.vendor in VOD_VENDORS else "",
            show_url=task.vendor not in NO_URL_VENDORS,
        )

    # -- after stop ---------------------------------------------------------------------------

    def finalize(self, task: Task) -> None:
        try:
            self._finalize(task)
        except Exception:
            log.exception("finalizing task %s failed", task.task_id)
            with self.engine.lock:
                for entry in task.files:
                    entry.status = FILE_FAILED
                task.files_final = True
                self.engine.emit(
                    task,
                    EVENT_UPLOADED,
                    {
                        "upload_status": UPLOAD_PARTIAL,
                        "file_info": [e.to_callback() for e in task.files],
                    },
                )

    def _finalize(self, task: Task) -> None:
        if task.discarded:
            return
        if task.request.output_format == "jpg":
            with self.engine.lock:
                task.files_final = True
            return
        if task.started is None:
            with self.engine.lock:
                task.files, task.files_final = [], True
                self.engine.emit(
                    task, EVENT_UPLOADED, {"upload_status": UPLOAD_ALL_OK, "file_info": []}
                )
            return
        self.wait_for_images(task)
        live = self.finished_live_upload(task)
        # A cancelled upload's result, even one set as finalize gave up, is not used: its files
        # are gone with its render folder.
        written_live = live is not None and not live.cancelled.is_set() and live.result is not None
        with self.engine.lock:
            plan = self.build_plan(task, task.ended)
        plan.hls_written_live = written_live
        rendered = (
            self.backend.render(plan, self.data_dir / "render" / task.task_id)
            if plan.tracks or task.is_mixed
            else []
        )
        if written_live:
            rendered.insert(0, live.result)
        entries = [self.entry_for(task, item) for item in rendered]
        with self.engine.lock:
            task.files = entries
        for entry, item in zip(entries, rendered, strict=True):
            if written_live and item is live.result:
                playlist, remaining = live.final_upload()
                self.upload(task, entry, playlist, item.file_name, item.content_type, remaining)
            else:
                self.upload(task, entry, item.path, item.file_name, item.content_type, item.extra)
        self.upload_sound_wave(task, plan, entries)
        if live is None or not live.announced:
            self.report_hls_playlists(task, entries)
        with self.engine.lock:
            task.files_final = True
            ok = all(entry.status == FILE_UPLOADED for entry in entries)
            detail = {
                "upload_status": UPLOAD_ALL_OK if ok else UPLOAD_PARTIAL,
                "file_info": [e.to_callback() for e in entries],
            }
            self.engine.emit(task, EVENT_UPLOADED, detail)

    def finished_live_upload(self, task: Task) -> LiveUpload | None:
        """The task's live upload once it is done; its `result` is None if it failed, and the
        HLS file is then rendered after the stop like any other."""
        with self.engine.lock:
            live = self.live.pop(task.task_id, None)
        if live is not None and not live.done.wait(LIVE_FINISH_TIMEOUT):
            log.warning(
                "live upload of task %s did not finish in %.0f s; rendering its HLS file again",
                task.task_id,
                LIVE_FINISH_TIMEOUT,
            )
            live.cancel()
        return live

    def upload_sound_wave(self, task: Task, plan, entries: list[FileEntry]) -> None:
        """RecordSoundWave: the `.sw` sidecar beside the mixed file, same base name (spec 3.1.4).
        ZEGO lists it in no callback or status field, so neither does the emulator."""
        mix = task.request.mix
        if mix is None or not mix.record_sound_wave or not entries:
            return
        name = Path(entries[0].file_id).stem + ".sw"
        path = self.data_dir / "render" / task.task_id / name
        try:
            self.backend.types.write_sound_wave(plan, path, mix.sound_wave_type)
            self.backend.upload(
                task.request.storage,
                path,
                task.request.output_folder + name,
                content_type_for(name),
                default_s3_endpoint=self.engine.config.s3_endpoint,
            )
        except Exception as error:  # noqa: BLE001 - a lost sidecar must not fail the recording
            log.warning("sound wave of task %s not uploaded: %s", task.task_id, error)
        finally:
            path.unlink(missing_ok=True)

    def report_hls_playlists(self, task: Task, entries: list[FileEntry]) -> None:
        """Event 102 for RealtimeUploadFragment when no live upload announced it: single-stream
        tasks (rendered after the stop), and mixed tasks stopped before their first segment."""
        if not (task.request.realtime_upload_fragment and task.request.output_format == "hls"):
            return
        for entry in entries:
            if entry.status == FILE_UPLOADED and entry.file_id.endswith(".m3u8"):
                detail = {
                    "stream_id": entry.stream_id,
                    "file_id": entry.file_id,
                    "file_url": entry.file_url,
                    "media_track_type": entry.media_track_type,
                }
                self.engine.emit(task, EVENT_HLS_PLAYLIST, detail)

    def wait_for_images(self, task: Task) -> None:
        """Fetch synchronously any image still missing (its first fetch may not have run yet)."""
        urls = dict(self.engine.image_urls(task))
        with self.engine.lock:
            for _, layout in task.layouts:
                for tile in layout.tiles or []:
                    if tile.background_image_url:
                        urls.setdefault(tile.background_image_url, 4)
        for url, image_type in urls.items():
            self.engine.fetch_image_for(task, url, image_type)

    def upload(
        self, task: Task, entry: FileEntry, path: Path, name: str, content_type: str, extra=()
    ) -> None:
        storage = task.request.storage
        folder = task.request.output_folder
        fault = self.engine.faults.take("upload_failure")
        try:
            if fault is not None:
                raise InjectedUploadFailure(fault.params.get("reason", "injected upload failure"))
            # The media before the file naming it: a player or a listing that finds an HLS
            # playlist (a closed one, #EXT-X-ENDLIST) finds every segment it lists.
            for extra_path, extra_name in extra:
                self.backend.upload(
                    storage,
                    extra_path,
                    folder + extra_name,
                    content_type_for(extra_name),
                    default_s3_endpoint=self.engine.config.s3_endpoint,
                )
            url = self.backend.upload(
                storage,
                path,
                folder + name,
                content_type,
                default_s3_endpoint=self.engine.config.s3_endpoint,
            )
        except Exception as error:  # noqa: BLE001 - any failure to reach the customer's storage
            log.warning("upload of %s failed: %s", name, error)
            backup_ok = fault is None or fault.params.get("backup", True)
            self.keep_in_backup(task, entry, path, name, extra) if backup_ok else self.mark_failed(
                entry
            )
            return
        with self.engine.lock:
            entry.status, entry.file_url, entry.object_key = FILE_UPLOADED, url, folder + name
        self.remove_local(path, extra)

    def keep_in_backup(self, task: Task, entry: FileEntry, path: Path, name: str, extra) -> None:
        backup_dir = self.data_dir / "backup" / str(task.app_id) / task.task_id
        try:
            backup_dir.mkdir(parents=True, exist_ok=True)
            shutil.move(path, backup_dir / name)
            for extra_path, extra_name in extra:
                shutil.move(extra_path, backup_dir / extra_name)
        except OSError:
            log.exception("backup of %s failed", name)
            self.mark_failed(entry)
            return
        base = self.engine.config.base_url
        with self.engine.lock:
            entry.status = FILE_IN_BACKUP
            entry.file_url = f"{base}/_emulator/backup/{task.app_id}/{task.task_id}/{name}"
            entry.backup_path = backup_dir / name
            entry.backup_expires = self.engine.clock.timer() + THREE_DAYS

    def mark_failed(self, entry: FileEntry) -> None:
        with self.engine.lock:
            entry.status, entry.file_url = FILE_FAILED, ""

    @staticmethod
    def remove_local(path: Path, extra) -> None:
        for item in [path, *(p for p, _ in extra)]:
            Path(item).unlink(missing_ok=True)

    def delete_backup(self, entry: FileEntry) -> None:
        folder = entry.backup_path.parent
        entry.backup_path.unlink(missing_ok=True)
        entry.backup_path = None
        if folder.exists() and not any(folder.iterdir()):
            folder.rmdir()

    # -- snapshots ----------------------------------------------------------------------------

    def snapshot(self, task: Task, wall: float) -> None:
        """TakeSnapshot: one JPG of the mixed picture, uploaded, reported by its own event 1."""
        try:
            self._snapshot(task, wall, None)
        except Exception:
            log.exception("snapshot of task %s failed", task.task_id)

    def interval_snapshots(self, task: Task, wall: float) -> None:
        """Screenshot tasks (OutputFileFormat jpg): the mix, or every recorded stream, at this moment."""
        with self.engine.lock:
            stream_ids = (
                [None]
                if task.is_mixed
                else [t.stream.stream_id for t in task.tracked.values() if t.is_open]
            )
        for stream_id in stream_ids:
            try:
                self._snapshot(task, wall, stream_id)
            except Exception:
                log.exception("interval snapshot of task %s failed", task.task_id)

    def _snapshot(self, task: Task, wall: float, stream_id: str | None) -> None:
        if task.discarded:
            return
        self.wait_for_images(task)
        with self.engine.lock:
            at = task.media_seconds(wall)
            # The snapshot is of the moment `at` itself, which a plan ending there leaves out (a
            # stream's span excludes its end): streams still published are left open-ended.
            plan = self.build_plan(task, wall, only_stream=stream_id, open_until=math.inf)
            entry = self.snapshot_entry(task, wall, stream_id)
        out_path = self.data_dir / "render" / task.task_id / "snapshots" / entry.file_id
        out_path.parent.mkdir(parents=True, exist_ok=True)
        path = Path(self.backend.render_snapshot(plan, at, out_path))
        entry.file_size = path.stat().st_size
        if not task.is_mixed:
            entry.resolution_width, entry.resolution_height = probe_resolution(path)
        with self.engine.lock:
            task.snapshots.append(entry)
        self.upload(task, entry, path, entry.file_id, "image/jpeg")
        status = UPLOAD_ALL_OK if entry.status == FILE_UPLOADED else UPLOAD_PARTIAL
        self.engine.emit(
            task, EVENT_UPLOADED, {"upload_status": status, "file_info": [entry.to_callback()]}
        )

    def snapshot_entry(self, task: Task, wall: float, stream_id: str | None) -> FileEntry:
        begin_ms = int(wall * 1000)
        if stream_id is None:
            mix_id = task.request.mix.output_stream_id
            parts, user_id, user_name, width, height = (
                [mix_id],
                mix_id,
                mix_id,
                task.request.mix.width,
                task.request.mix.height,
            )
        else:
            stream = task.tracked[stream_id].stream
            parts, user_id, user_name, width, height = (
                [stream.user_id, stream_id],
                stream.user_id,
                stream.user_name,
                0,
                0,
            )
        return FileEntry(
            file_id=file_name(task, parts, "V", begin_ms, "jpg"),
            user_id=user_id,
            user_name=user_name,
            stream_id=stream_id or user_id,
            output_file_format="jpg",
            media_track_type=2,
            begin_timestamp=begin_ms,
            resolution_width=width,
            resolution_height=height,
            status=FILE_UPLOADING,
            show_url=task.vendor not in NO_URL_VENDORS,
        )

    # -- debug view ---------------------------------------------------------------------------

    def debug_view(self, task: Task, now: float) -> dict:
        files = task.files if task.ended else self.provisional_files(task, now)
        return {
            "task_id": task.task_id,
            "app_id": task.app_id,
            "room_id": task.room_id,
            "status": task.status(),
            "record_mode": task.request.record_mode,
            "stream_type": task.request.stream_type,
            "output_format": task.request.output_format,
            "created_ms": int(task.created * 1000),
            "started_ms": int(task.started * 1000) if task.started else None,
            "ended_ms": int(task.ended * 1000) if task.ended else None,
            "quit_reason": task.quit_reason,
            "media_seconds": round(task.media_seconds(now), 3),
            "paused": task.paused_since is not None,
            "pauses": [[int(a * 1000), int(b * 1000)] for a, b in task.pauses],
            "streams": {
                sid: [[int(a * 1000), int(b * 1000) if b else None] for a, b in t.intervals]
                for sid, t in task.tracked.items()
            },
            "layouts": [
                {
                    "at_ms": int(wall * 1000),
                    "mix_mode": layout.mix_mode,
                    "tiles": len(layout.tiles or []),
                    "max_resolution_stream_id": layout.max_resolution_stream_id,
                    "tile_list": [
                        {
                            "StreamId": tile.stream_id,
                            "Left": tile.left,
                            "Top": tile.top,
                            "Right": tile.right,
                            "Bottom": tile.bottom,
                            "Layer": tile.layer,
                            "FillMode": tile.fill_mode,
                            "ViewType": tile.view_type,
                        }
                        for tile in layout.tiles or []
                    ],
                }
                for wall, layout in task.layouts
            ],
            "whiteboard_id": task.whiteboard_id,
            "files_final": task.files_final,
            "files": [entry.to_api() for entry in files],
            "snapshots": [entry.to_api() for entry in task.snapshots],
            "history": task.history,
        }
