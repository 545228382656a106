"""The emulator's state machine: rooms and streams, tasks and their timers, under one lock.

Rendering and uploading happen in `pipeline.py` on worker threads; this module only decides.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from . import protocol
from .callbacks import CallbackSender, signed_body
from .clock import Clock
from .config import EmulatorConfig
from .faults import FaultRegistry
from .images import fetch_image
from .pipeline import MediaBackend, Pipeline
from .protocol import ApiError, invalid
from .state import (
    MAX_STREAMS,
    QUIT_IDLE,
    QUIT_MAX_RECORD_TIME,
    STATUS_ENDED,
    STATUS_ENDED_ABNORMALLY,
    STATUS_RECORDING,
    THREE_DAYS,
    Room,
    Stream,
    Task,
    TrackedStream,
)
from .validation import IMAGE_URL_FIELDS, StartRequest, TaskQuery, validate_layout

log = logging.getLogger("zego_emulator")

TICK_SECONDS = 0.05
FIRST_IDLE_CALLBACK = 5.0
IDLE_CALLBACK_INTERVAL = 30.0
EVENT_UPLOADED = 1
EVENT_ABNORMAL_END = 2
EVENT_IMAGE_FAILED = 3
EVENT_ROOM_EMPTY = 4
EVENT_NORMAL_EXIT = 5
EVENT_STREAM_MISSING = 6
EVENT_STOPPED_UPLOADING = 7
EVENT_PAUSED = 201
EVENT_RESUMED = 202
DEMO_ROOMS = {
    "demo-classroom": [
        ("teacher", "teacher-cam", True, True),
        ("student-1", "student-1-cam", True, True),
        ("student-2", "student-2-mic", True, False),
    ],
    "demo-standup": [("alice", "alice-cam", True, True), ("bob", "bob-cam", True, True)],
}


class ConflictError(Exception):
    pass


class Engine:
    def __init__(
        self,
        config: EmulatorConfig,
        backend: MediaBackend | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.config = config
        self.clock = clock or Clock(config.time_scale)
        self.apps = {app.app_id: app for app in config.apps}
        self.lock = threading.RLock()
        self.rooms: dict[tuple[int, str], Room] = {}
        self.tasks: dict[str, Task] = {}
        self.faults = FaultRegistry()
        self.callbacks = CallbackSender(self.faults, config.time_scale, config.callback_timeout)
        self.task_ids = protocol.TaskIdGenerator()
        self.pipeline = Pipeline(self, backend or MediaBackend())
        self.workers = ThreadPoolExecutor(2, thread_name_prefix="zego-render")
        self.image_workers = ThreadPoolExecutor(4, thread_name_prefix="zego-images")
        self._stopping = threading.Event()
        self._ticker = threading.Thread(target=self._tick_forever, name="zego-timers", daemon=True)
        if config.demo_rooms:
            self.add_demo_rooms()

    # -- lifecycle of the engine itself -------------------------------------------------------

    def start(self) -> None:
        self.callbacks.start()
        self._ticker.start()

    def stop(self) -> None:
        self._stopping.set()
        self.callbacks.stop()
        self.workers.shutdown(wait=False, cancel_futures=True)
        self.image_workers.shutdown(wait=False, cancel_futures=True)

    def reset(self) -> None:
        with self.lock:
            for task in self.tasks.values():
                task.discarded = True
            self.tasks.clear()
            for live in self.pipeline.live.values():
                live.cancelled.set()
            self.pipeline.live.clear()
            self.rooms.clear()
            self.faults.clear()
            self.callbacks.clear()
            if self.config.demo_rooms:
                self.add_demo_rooms()

    def add_demo_rooms(self) -> None:
        for app_id in self.apps:
            for room_id, publishers in DEMO_ROOMS.items():
                for user_id, stream_id, audio, video in publishers:
                    self.publish(
                        app_id, room_id, stream_id, user_id, user_id, audio=audio, video=video
                    )

    def default_app_id(self) -> int:
        return self.config.apps[0].app_id

    # -- rooms --------------------------------------------------------------------------------

    def publish(
        self, app_id, room_id, stream_id, user_id, user_name, *, audio=True, video=True
    ) -> Stream:
        now = self.clock.wall()
        with self.lock:
            if self.find_stream(app_id, stream_id) is not None:
                raise ConflictError(f"stream {stream_id!r} is already published")
            room = self.rooms.setdefault((app_id, room_id), Room(app_id, room_id))
            if stream_id not in room.indexes:
                room.indexes[stream_id] = len(room.indexes)
            stream = Stream(
                stream_id, user_id, user_name, audio, video, room.indexes[stream_id], now
            )
            room.streams[stream_id] = stream
            for task in self.active_tasks_in(app_id, room_id):
                self.track_stream(task, stream, now)
            return stream

    def unpublish(self, app_id, room_id, stream_id) -> bool:
        now = self.clock.wall()
        with self.lock:
            room = self.rooms.get((app_id, room_id))
            if room is None or room.streams.pop(stream_id, None) is None:
                return False
            for task in self.active_tasks_in(app_id, room_id):
                if stream_id in task.tracked:
                    task.tracked[stream_id].close(now)
                    task.record("stream_unpublished", now, stream_id=stream_id)
            return True

    def find_stream(self, app_id, stream_id) -> Stream | None:
        for (room_app, _), room in self.rooms.items():
            if room_app == app_id and stream_id in room.streams:
                return room.streams[stream_id]
        return None

    def room_streams(self, app_id, room_id) -> list[Stream]:
        with self.lock:
            room = self.rooms.get((app_id, room_id))
            return sorted(room.streams.values(), key=lambda s: s.created) if room else []

    def room_users(self, app_id, room_id) -> list[dict]:
        """Publishers (role 1, host) and one admin user (role 4) per running recorder, by login time."""
        with self.lock:
            users: dict[str, dict] = {}
            for stream in self.room_streams(app_id, room_id):
                users.setdefault(
                    stream.user_id,
                    {
                        "UserId": stream.user_id,
                        "UserName": stream.user_name,
                        "UserRole": 1,
                        "_at": stream.created,
                    },
                )
            for task in self.active_tasks_in(app_id, room_id):
                if task.ready:
                    user_id = f"zego_recorder_{task.task_id}"
                    users[user_id] = {
                        "UserId": user_id,
                        "UserName": user_id,
                        "UserRole": 4,
                        "_at": task.ready_at,
                    }
            return sorted(users.values(), key=lambda user: user["_at"])

    def rooms_json(self, app_id: int | None = None) -> list[dict]:
        with self.lock:
            rooms = []
            for (room_app, room_id), room in sorted(self.rooms.items()):
                if app_id is not None and room_app != app_id:
                    continue
                streams = sorted(room.streams.values(), key=lambda s: s.created)
                tasks = [task.task_id for task in self.active_tasks_in(room_app, room_id)]
                rooms.append(
                    {
                        "app_id": room_app,
                        "room_id": room_id,
                        "streams": [s.to_json() for s in streams],
                        "active_tasks": tasks,
                    }
                )
            return rooms

    # -- recording actions --------------------------------------------------------------------

    def start_task(self, app_id: int, request: StartRequest) -> str:
        now, timer = self.clock.wall(), self.clock.timer()
        with self.lock:
            running = sum(
                1 for task in self.tasks.values() if task.app_id == app_id and task.is_active
            )
            if running >= self.config.max_concurrent_tasks:
                raise ApiError(protocol.TOO_MANY_TASKS)
            task = Task(
                task_id=self.task_ids.new(now),
                app_id=app_id,
                request=request,
                created=now,
                created_timer=timer,
                ready_at=now + self.config.start_delay,
                vendor=request.storage["Vendor"],
                whiteboard_id=request.whiteboard_id,
            )
            if request.mix is not None:
                task.layouts.append((now, request.mix.layout))
            if request.whiteboard_id:
                task.whiteboard_events.append((now, request.whiteboard_id))
            task.record("StartRecord", now)
            self.tasks[task.task_id] = task
            if self.config.start_delay <= 0:
                self.activate(task, now)
        self.fetch_images(task, self.image_urls(task))
        return task.task_id

    def stop_task(self, app_id: int, task_id: str) -> None:
        now = self.clock.wall()
        with self.lock:
            task = self.active_task(app_id, task_id)
            task.record("StopRecord", now)
            self.end_task(task, now, STATUS_ENDED)

    def pause_task(self, app_id: int, task_id: str) -> None:
        now = self.clock.wall()
        with self.lock:
            task = self.active_task(app_id, task_id)
            if not task.is_mixed:
                raise invalid("PauseRecord supports mixed-stream tasks only")
            if task.paused_since is not None:
                return
            task.paused_since = now
            task.record("PauseRecord", now)
            self.emit(task, EVENT_PAUSED, {})

    def resume_task(self, app_id: int, task_id: str) -> None:
        now = self.clock.wall()
        with self.lock:
            task = self.active_task(app_id, task_id)
            if task.paused_since is None:
                raise ApiError(protocol.TASK_NOT_PAUSED)
            task.pauses.append((task.paused_since, now))
            task.paused_since = None
            task.record("ResumeRecord", now)
            self.emit(task, EVENT_RESUMED, {})

    def update_layout(self, app_id: int, task_id: str, body: dict) -> None:
        now = self.clock.wall()
        with self.lock:
            task = self.active_task(app_id, task_id)
            if not task.is_mixed:
                raise invalid("UpdateLayout supports mixed-stream tasks only")
            mix = task.request.mix
            layout = validate_layout(
                body, "", canvas=(mix.width, mix.height), has_whiteboard=task.request.has_whiteboard
            )
            task.layouts.append((now, layout))
            task.record(
                "UpdateLayout", now, mix_mode=layout.mix_mode, tiles=len(layout.tiles or [])
            )
        urls = {
            tile.background_image_url: 4 for tile in layout.tiles or [] if tile.background_image_url
        }
        self.fetch_images(task, urls)

    def update_whiteboard(self, app_id: int, task_id: str, whiteboard_id: str) -> None:
        now = self.clock.wall()
        with self.lock:
            task = self.active_task(app_id, task_id)
            if not task.request.has_whiteboard:
                raise invalid("the task does not record a whiteboard (HasWhiteboard is false)")
            task.whiteboard_id = whiteboard_id
            task.whiteboard_events.append((now, whiteboard_id))
            task.record("UpdateWhiteboard", now, whiteboard_id=whiteboard_id)
            if task.ready and task.started is None:
                task.started = now

    def take_snapshot(self, app_id: int, task_id: str) -> None:
        now = self.clock.wall()
        with self.lock:
            task = self.active_task(app_id, task_id)
            if not task.is_mixed:
                raise invalid("TakeSnapshot supports mixed-stream tasks only")
            if task.status() != STATUS_RECORDING:
                raise invalid("the task is not recording")
            task.record("TakeSnapshot", now)
        self.workers.submit(self.pipeline.snapshot, task, now)

    def describe_task(self, app_id: int, task_id: str) -> dict:
        now = self.clock.wall()
        with self.lock:
            task = self.visible_task(app_id, task_id)
            data = {
                "RoomId": task.room_id,
                "RecordMode": task.request.record_mode,
                "StreamType": task.request.stream_type,
                "RecordBeginTimestamp": int(task.created * 1000),
                "RecordEndTimestamp": int(task.ended * 1000) if task.ended else 0,
                "Status": task.status(),
            }
            files = task.files if task.ended else self.pipeline.provisional_files(task, now)
            if files and task.request.output_format != "jpg":
                data["RecordFiles"] = [entry.to_api() for entry in files]
            return data

    def describe_tasks(self, app_id: int, query: TaskQuery) -> dict:
        with self.lock:
            matching = [
                task
                for task in self.tasks.values()
                if task.app_id == app_id
                and self.is_visible(task)
                and (task.is_active if query.status == 2 else not task.is_active)
                and (query.room_id is None or task.room_id == query.room_id)
                and query.start_time <= int(task.created * 1000) <= query.end_time
            ]
            matching.sort(key=lambda task: task.created)
            first = (query.page_offset - 1) * query.page_size
            page = matching[first : first + query.page_size]
            items = [
                {
                    "RecordBeginTimestamp": int(t.created * 1000),
                    "TaskId": t.task_id,
                    "RoomId": t.room_id,
                    "Status": t.status(),
                }
                for t in page
            ]
            return {
                "PageOffset": query.page_offset,
                "PageSize": query.page_size,
                "TotalCount": len(matching),
                self.config.task_list_key: items,
            }

    # -- lookups ------------------------------------------------------------------------------

    def is_visible(self, task: Task) -> bool:
        return self.clock.timer() - task.created_timer < THREE_DAYS

    def visible_task(self, app_id: int, task_id: str) -> Task:
        task = self.tasks.get(task_id)
        if task is None or task.app_id != app_id or not self.is_visible(task):
            raise ApiError(protocol.TASK_NOT_FOUND)
        return task

    def active_task(self, app_id: int, task_id: str) -> Task:
        task = self.visible_task(app_id, task_id)
        if not task.is_active:
            raise ApiError(protocol.TASK_ENDED)
        return task

    def active_tasks_in(self, app_id: int, room_id: str) -> list[Task]:
        return [
            t
            for t in self.tasks.values()
            if t.app_id == app_id and t.room_id == room_id and t.is_active
        ]

    # -- transitions --------------------------------------------------------------------------

    def activate(self, task: Task, now: float) -> None:
        """The recorder has joined the room: report missing streams, start tracking the present ones."""
        task.ready = True
        room = self.rooms.get((task.app_id, task.room_id))
        present = room.streams if room else {}
        for stream_id in task.request.record_stream_ids:
            if stream_id not in present:
                self.emit(task, EVENT_STREAM_MISSING, {"stream_id": stream_id})
        for stream in sorted(present.values(), key=lambda s: s.created):
            self.track_stream(task, stream, now)
        mix = task.request.mix
        if task.started is None and ((mix and mix.is_always_mix) or task.whiteboard_id):
            task.started = now

    def track_stream(self, task: Task, stream: Stream, now: float) -> None:
        if not task.ready or not self.is_recordable(task, stream.stream_id):
            return
        tracked = task.tracked.get(stream.stream_id)
        if tracked is None:
            if len(task.tracked) >= MAX_STREAMS[task.request.record_mode]:
                return
            tracked = task.tracked[stream.stream_id] = TrackedStream(stream)
        tracked.open(now)
        task.record("stream_published", now, stream_id=stream.stream_id)
        if task.started is None:
            task.started = now

    @staticmethod
    def is_recordable(task: Task, stream_id: str) -> bool:
        wanted = task.request.record_stream_ids
        return not wanted or stream_id in wanted

    def end_task(self, task: Task, now: float, status: int, quit_reason: int | None = None) -> None:
        if task.paused_since is not None:
            task.pauses.append((task.paused_since, now))
            task.paused_since = None
        for tracked in task.tracked.values():
            tracked.close(now)
        task.files = self.pipeline.provisional_files(task, now)
        task.ended, task.end_status, task.quit_reason = now, status, quit_reason
        if status == STATUS_ENDED:
            self.emit(task, EVENT_STOPPED_UPLOADING, {})
            self.emit(task, EVENT_NORMAL_EXIT, {})
        else:
            task.record("auto_stop", now, quit_reason=quit_reason)
            self.emit(task, EVENT_ABNORMAL_END, {"quit_reason": quit_reason})
        self.workers.submit(self.pipeline.finalize, task)

    # -- timers -------------------------------------------------------------------------------

    def _tick_forever(self) -> None:
        while not self._stopping.wait(TICK_SECONDS):
            try:
                self.tick()
            except Exception:
                log.exception("timer tick failed")

    def tick(self) -> None:
        now, timer = self.clock.wall(), self.clock.timer()
        with self.lock:
            for task in list(self.tasks.values()):
                if task.is_active:
                    self.tick_task(task, now, timer)
            self.expire(timer)

    def tick_task(self, task: Task, now: float, timer: float) -> None:
        if not task.ready and now >= task.ready_at:
            self.activate(task, now)
        if self.check_idle(task, now, timer):
            return
        self.pipeline.start_live_upload_if_due(task)
        if timer - task.created_timer >= task.request.max_record_time:
            self.end_task(task, now, STATUS_ENDED_ABNORMALLY, QUIT_MAX_RECORD_TIME)
            return
        if task.request.output_format == "jpg" and task.status() == STATUS_RECORDING:
            media_now = task.media_seconds(now)
            if media_now >= task.next_snapshot:
                task.next_snapshot = media_now + task.request.snapshot_interval
                self.workers.submit(self.pipeline.interval_snapshots, task, now)

    def check_idle(self, task: Task, now: float, timer: float) -> bool:
        """Idle = no stream and no whiteboard in the room; True when the task was ended for it."""
        room = self.rooms.get((task.app_id, task.room_id))
        if (room and room.streams) or task.whiteboard_id:
            task.idle_since = task.next_idle_callback = None
            return False
        if task.idle_since is None:
            task.idle_since = timer
            task.next_idle_callback = timer + FIRST_IDLE_CALLBACK
        if timer >= task.next_idle_callback:
            self.emit(task, EVENT_ROOM_EMPTY, {})
            task.next_idle_callback += IDLE_CALLBACK_INTERVAL
        if timer - task.idle_since >= task.request.max_idle_time:
            self.end_task(task, now, STATUS_ENDED_ABNORMALLY, QUIT_IDLE)
            return True
        return False

    def expire(self, timer: float) -> None:
        """Forget tasks older than 3 days and delete backup files past their 3-day retention."""
        for task_id, task in list(self.tasks.items()):
            for entry in task.files + task.snapshots:
                if entry.backup_path is not None and entry.backup_expires <= timer:
                    self.pipeline.delete_backup(entry)
            if not task.is_active and timer - task.created_timer >= THREE_DAYS:
                del self.tasks[task_id]

    # -- callbacks and images -----------------------------------------------------------------

    def emit(self, task: Task, event_type: int, detail: dict) -> None:
        with self.lock:
            if task.discarded:
                return
            url = task.request.callback_url or self.config.callback_url
            sequence = next(task.sequence)
            task.record(
                "callback",
                self.clock.wall(),
                event_type=event_type,
                sequence=sequence,
                sent=bool(url),
            )
            if not url:
                return
            secret = self.apps[task.app_id].callback_secret
            body = signed_body(
                task.app_id, task.task_id, task.room_id, event_type, sequence, detail, secret
            )
            self.callbacks.send(url, body)

    @staticmethod
    def image_urls(task: Task) -> dict[str, int]:
        mix = task.request.mix
        if mix is None:
            return {}
        urls = {
            getattr(mix, attr): image_type
            for attr, image_type in _MIX_IMAGE_ATTRS.items()
            if getattr(mix, attr)
        }
        for tile in mix.layout.tiles or []:
            if tile.background_image_url:
                urls.setdefault(tile.background_image_url, 4)
        return urls

    def fetch_images(self, task: Task, urls: dict[str, int]) -> None:
        for url, image_type in urls.items():
            self.image_workers.submit(self.fetch_image_for, task, url, image_type)

    def fetch_image_for(self, task: Task, url: str, image_type: int) -> None:
        with self.lock:
            if url in task.images:
                return
        data = fetch_image(url)
        with self.lock:
            task.images[url] = data
            if data is None and url not in task.failed_images:
                task.failed_images.add(url)
                self.emit(task, EVENT_IMAGE_FAILED, {"image_type": image_type, "image_url": url})

    # -- debug view ---------------------------------------------------------------------------

    def tasks_json(self, app_id: int | None = None) -> list[dict]:
        now = self.clock.wall()
        with self.lock:
            return [
                self.pipeline.debug_view(task, now)
                for task in sorted(self.tasks.values(), key=lambda t: t.created)
                if app_id is None or task.app_id == app_id
            ]


_MIX_IMAGE_ATTRS = {
    "background_image_url": IMAGE_URL_FIELDS["MixOutputBackgroundImage"],
    "watermark_image_url": IMAGE_URL_FIELDS["MixOutputWatermarkImage"],
    "default_tile_image_url": IMAGE_URL_FIELDS["DefaultMixStreamBackgroundImage"],
}
