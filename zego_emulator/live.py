"""RealtimeUploadFragment (spec 3.1.9, §6.3): a mixed HLS recording uploaded while it records.

One `LiveUpload` per task runs on its own thread from the moment recording begins. Every
`STEP_SECONDS` it encodes the media recorded so far (`media.LiveHlsEncoder`), uploads the segments
the muxer has finished, then the playlist — without #EXT-X-ENDLIST, so players treat it as live —
and once the first segment is up sends event 102 with the playlist's URL. After the stop it encodes
the rest and closes the playlist; `Pipeline.finalize` uploads the last segments and then that final
playlist (with #EXT-X-ENDLIST) like any other file. If the encoder falls so far behind that
finalize gives up waiting, finalize `cancel`s it: from then on it uploads nothing (a late playlist
without #EXT-X-ENDLIST must not replace the final one) and removes its render folder.

Playlist lines (spec 3.1.9 `ShortFragmentPath`): bare segment names when true, else each
segment's full URL in the storage.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .state import NO_URL_VENDORS, TRACK_TYPES, Task

if TYPE_CHECKING:
    from .pipeline import Pipeline

log = logging.getLogger("zego_emulator.live")

STEP_SECONDS = 0.5
# Media seconds the encoder may trail the recording before it is logged as lagging.
LAG_WARNING_SECONDS = 10.0
EVENT_HLS_PLAYLIST = 102
PLAYLIST_CONTENT_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_CONTENT_TYPE = "video/mp2t"


def wants_live_upload(task: Task) -> bool:
    request = task.request
    return request.realtime_upload_fragment and request.output_format == "hls" and task.is_mixed


def playlist_for_bucket(text: str, segment_url) -> str:
    """The muxer's playlist with each segment line replaced by `segment_url(name)`."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            line = segment_url(Path(stripped).name)
        lines.append(line)
    return "\n".join(lines) + "\n"


class LiveUpload:
    def __init__(self, pipeline: Pipeline, task: Task) -> None:
        self.pipeline = pipeline
        self.engine = pipeline.engine
        self.task = task
        self.out_dir = pipeline.data_dir / "render" / task.task_id / "live"
        self.done = threading.Event()
        self.cancelled = threading.Event()
        # Held while publishing, so that once `cancel` returns no upload is under way either.
        self.publishing = threading.Lock()
        self.lagging = False
        self.uploaded: set[str] = set()
        self.published_playlist = ""
        self.announced = False
        self.encoder = None
        self.result = None  # media.RenderedFile once the recording has ended

    def start(self) -> None:
        name = f"zego-live-{self.task.task_id}"
        threading.Thread(target=self.run, name=name, daemon=True).start()

    def cancel(self) -> None:
        """Finalize stopped waiting: upload nothing more, keep no result, leave no files behind."""
        with self.publishing:
            self.cancelled.set()
        self.remove_render_dir()

    def remove_render_dir(self) -> None:
        shutil.rmtree(self.out_dir, ignore_errors=True)

    def run(self) -> None:
        try:
            self.record_while_running()
        except Exception:
            if not self.cancelled.is_set():
                log.exception("live upload of task %s failed", self.task.task_id)
        finally:
            if self.cancelled.is_set():
                self.remove_render_dir()  # what it wrote after finalize removed the folder
            self.done.set()

    def record_while_running(self) -> None:
        task, engine = self.task, self.engine
        with engine.lock:
            plan = self.pipeline.build_plan(task, engine.clock.wall())
        self.encoder = self.pipeline.backend.types.LiveHlsEncoder(plan, self.out_dir)
        while task.ended is None and not self.cancelled.is_set():
            time.sleep(STEP_SECONDS)
            with engine.lock:
                if task.discarded:
                    return
                now = engine.clock.wall()
                plan, until = self.pipeline.build_plan(task, now), task.media_seconds(now)
            self.encoder.advance(plan, until)
            self.note_lag(until)
            self.publish()
        if self.cancelled.is_set():
            return
        with engine.lock:
            plan = self.pipeline.build_plan(task, task.ended)
        result = self.encoder.finish(plan)
        if not self.cancelled.is_set():
            self.result = result

    def note_lag(self, encoded_until: float) -> None:
        """Log once when encoding falls behind the recording, and once when it has caught up."""
        with self.engine.lock:
            recorded = self.task.media_seconds(self.task.ended or self.engine.clock.wall())
        behind = recorded - encoded_until
        if behind > LAG_WARNING_SECONDS and not self.lagging:
            self.lagging = True
            log.warning(
                "live upload of task %s is %.1f s behind the recording: encoding is slower "
                "than real time",
                self.task.task_id,
                behind,
            )
        elif behind <= LAG_WARNING_SECONDS / 2 and self.lagging:
            self.lagging = False
            log.info("live upload of task %s has caught up", self.task.task_id)

    # -- while recording ----------------------------------------------------------------------

    def publish(self) -> None:
        """Upload newly finished segments, then the playlist listing them; announce it once.

        Not once the task has ended: finalize uploads the closed playlist, which a late one
        (without #EXT-X-ENDLIST) must not replace."""
        with self.publishing:
            if self.task.ended is None and not self.cancelled.is_set():
                self.publish_new_segments()

    def publish_new_segments(self) -> None:
        new = [s for s in self.encoder.finished_segments() if s.name not in self.uploaded]
        if not new:
            return
        try:
            for segment in new:
                self.put(segment, segment.name, SEGMENT_CONTENT_TYPE)
                self.uploaded.add(segment.name)
                segment.unlink(missing_ok=True)
            playlist = self.write_published_playlist()
            url = self.put(playlist, self.encoder.file_name, PLAYLIST_CONTENT_TYPE)
        except Exception as error:  # noqa: BLE001 - the next step tries again
            log.warning("live upload for task %s: %s", self.task.task_id, error)
            return
        if not self.announced:
            self.announce(url)

    def put(self, path: Path, name: str, content_type: str) -> str:
        request = self.task.request
        return self.pipeline.backend.upload(
            request.storage,
            path,
            request.output_folder + name,
            content_type,
            default_s3_endpoint=self.engine.config.s3_endpoint,
        )

    def announce(self, playlist_url: str) -> None:
        kind = self.encoder.kind
        detail = {
            "stream_id": self.task.request.mix.output_stream_id,
            "file_id": self.encoder.file_name,
            "file_url": playlist_url if self.task.vendor not in NO_URL_VENDORS else "",
            "media_track_type": TRACK_TYPES[kind.media_type],
        }
        self.announced = True
        self.engine.emit(self.task, EVENT_HLS_PLAYLIST, detail)

    def write_published_playlist(self) -> Path:
        text = playlist_for_bucket(self.encoder.path.read_text(), self.segment_line)
        path = self.out_dir / "published" / self.encoder.file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def segment_line(self, name: str) -> str:
        request = self.task.request
        if request.short_fragment_path:
            return name
        return self.pipeline.backend.object_url(
            request.storage,
            request.output_folder + name,
            default_s3_endpoint=self.engine.config.s3_endpoint,
        )

    # -- after the stop -----------------------------------------------------------------------

    def final_upload(self) -> tuple[Path, list[tuple[Path, str]]]:
        """The closed playlist as the bucket gets it, and the segments not uploaded yet."""
        remaining = [(p, name) for p, name in self.result.extra if name not in self.uploaded]
        playlist = self.write_published_playlist()
        self.encoder.path.unlink(missing_ok=True)
        return playlist, remaining
