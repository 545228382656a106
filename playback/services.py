"""Files and playback: the files query, presigned links, chapters, share links, rescue, bucket checks.

Views call these; state changes of recordings go through `recordings.ledger.apply` only.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import posixpath
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import requests
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

import zego
from accounts.audit import audit
from accounts.models import AuditEntry
from playback.models import FileCheck, ShareLink, ShareLinkUse, token_digest
from playback.presign import NotS3Reachable, Presigner, presigner_for
from playback.soundwave import SoundWaveError, parse_sound_wave
from recordings import ledger
from recordings import services as recording_services
from recordings.ledger import Observation
from recordings.models import RecordingFile, RecordingTask, TaskEvent
from storage_profiles.s3 import client_for, object_state, s3_target_for

logger = logging.getLogger(__name__)

UploadStatus = RecordingFile.UploadStatus
Status = RecordingTask.Status

# What a browser can do with each output format.
NATIVE_VIDEO = {"mp4"}
NATIVE_AUDIO = {"mp3", "aac"}
HLS = {"hls", "m3u8"}
DOWNLOAD_ONLY = {"flv"}
IMAGES = {"jpg"}
MIME_TYPES = {
    "mp4": "video/mp4",
    "mp3": "audio/mpeg",
    "aac": "audio/aac",
    "hls": "application/vnd.apple.mpegurl",
    "flv": "video/x-flv",
    "jpg": "image/jpeg",
}
SEGMENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,250}\.(ts|m4s|mp4|aac)$")


def url_ttl() -> int:
    return settings.PLAYBACK_URL_TTL


def file_format(file: RecordingFile) -> str:
    fmt = (file.output_format or posixpath.splitext(file.file_id)[1].lstrip(".")).lower()
    return "hls" if fmt == "m3u8" else fmt


def play_kind(file: RecordingFile) -> str:
    """video, audio, hls, download (FLV), image (snapshots) or none (not in the bucket: not yet,
    or no longer — deleted by retention)."""
    if file.deleted_at is not None:
        return "none"
    fmt = file_format(file)
    if fmt in IMAGES:
        return "image" if file.upload_status == UploadStatus.UPLOADED else "none"
    if file.upload_status != UploadStatus.UPLOADED or not file.object_key:
        return "none"
    if fmt in HLS:
        return "hls"
    if fmt in DOWNLOAD_ONLY:
        return "download"
    if fmt in NATIVE_AUDIO:
        return "audio"
    if fmt in NATIVE_VIDEO:
        return "audio" if file.media_track_type == zego.MediaTrackType.AUDIO else "video"
    return "download"


# How long after its task ended a live playlist whose upload is not yet confirmed stays playable:
# a viewer a few seconds behind still fetches the last segments, and the upload result (event 1)
# usually follows the end within seconds.
LIVE_AFTER_END = timedelta(minutes=1)


def is_live(file: RecordingFile) -> bool:
    """An HLS playlist ZEGO announced (event 102) and is still uploading as the task records.

    Only while the task runs, and for `LIVE_AFTER_END` after: if the upload result (event 1) for
    it never comes, an ended task's playlist must not stay watchable, and signable, as "live" for
    ever."""
    if file.live_since is None or file.upload_status not in (
        UploadStatus.RECORDING,
        UploadStatus.UPLOADING,
    ):
        return False
    task = file.task
    if not task.is_final:
        return True
    return task.ended_at is not None and timezone.now() - task.ended_at < LIVE_AFTER_END


# ---------------------------------------------------------------------------------------------
# Presigned links


@dataclass
class Links:
    url: str = ""
    download: str = ""


@dataclass
class LinkSet:
    expires_at: datetime
    links: dict[int, Links] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "expires_at": int(self.expires_at.timestamp() * 1000),
            "ttl": url_ttl(),
            "files": {
                str(pk): {"url": links.url, "download": links.download}
                for pk, links in self.links.items()
            },
        }


def links_for(
    files: list[RecordingFile], *, expires_in: int | None = None, now: datetime | None = None
) -> LinkSet:
    """Fresh presigned play and download URLs for files in the bucket, one signer per profile."""
    expires_in = expires_in or url_ttl()
    now = now or timezone.now()
    result = LinkSet(expires_at=now + timedelta(seconds=expires_in))
    signers: dict[int, Presigner | Exception] = {}
    for file in files:
        kind = play_kind(file)
        profile = file.task.storage_profile
        if kind == "none" or profile is None:
            continue
        if profile.pk not in signers:
            try:
                signers[profile.pk] = presigner_for(profile)
            except NotS3Reachable as error:
                signers[profile.pk] = error
        signer = signers[profile.pk]
        if isinstance(signer, Exception):
            result.errors[file.pk] = str(signer)
            continue
        links = Links(
            download=signer.url(
                file.object_key,
                expires_in=expires_in,
                download_as=posixpath.basename(file.file_id),
                now=now,
            )
        )
        if kind in ("video", "audio", "image"):
            links.url = signer.url(file.object_key, expires_in=expires_in, now=now)
        result.links[file.pk] = links
    return result


def segment_url(file: RecordingFile, name: str, *, expires_in: int | None = None) -> str:
    """A fresh presigned URL for one HLS segment of this file, stored beside its playlist."""
    if not SEGMENT_NAME.match(name) or not is_segment_of(file, name):
        raise ValueError("not a segment of this file")
    return presigner_for(file.task.storage_profile).url(
        _beside(file, name), expires_in=expires_in or url_ttl()
    )


def is_segment_of(file: RecordingFile, name: str) -> bool:
    """Whether the segment URLs of this file (a share link's included) may sign `name`.

    Other recordings can share the playlist's folder, so any name there is not enough. Segments
    named after the playlist pass without a bucket read (the emulator's `<stem>_<n>.ts`); others
    must be listed in the playlist, whose names are kept briefly so a review doesn't read it for
    every segment."""
    stem = posixpath.splitext(posixpath.basename(file.object_key))[0]
    if stem and name.startswith(stem):
        return True
    where = hashlib.sha256(file.object_key.encode()).hexdigest()
    cache_key = f"playback:segment-names:{file.pk}:{where}"
    names = cache.get(cache_key)
    if names is None or name not in names:
        try:
            names = frozenset(_segment_names(_read_playlist(file)))
        except (PlaylistUnavailable, NotS3Reachable, ClientError, BotoCoreError):
            return False
        cache.set(cache_key, names, SEGMENT_NAMES_CACHE_SECONDS)
    return name in names


class PlaylistUnavailable(Exception):
    pass


# 24 h at 2 s fragments is 43,200 segments; listed by full URL (~150 bytes) with their #EXTINF
# lines that is ~8 MB. Past this the playlist is refused, never served or read cut short.
PLAYLIST_MAX_BYTES = 10_000_000
SEGMENT_NAMES_CACHE_SECONDS = 30


def hls_playlist(file: RecordingFile, segment_base: str) -> str:
    """The file's playlist with every segment pointing at `segment_base` + name.

    The segment URLs answer with a redirect to a freshly presigned URL, so an HLS review is never
    cut off by expiry, whatever its length and whether hls.js or the browser plays it.
    """
    if play_kind(file) != "hls" and not is_live(file):
        raise PlaylistUnavailable("This file is not an HLS playlist in the bucket.")
    try:
        text = _read_playlist(file)
    except (NotS3Reachable, ClientError, BotoCoreError) as error:
        raise PlaylistUnavailable(
            f"Could not read the playlist from the bucket: {error}"
        ) from error
    lines = []
    for line in text.splitlines():
        name = _segment_line_name(line)
        if name is not None:
            line = f"{segment_base}{name}" if SEGMENT_NAME.match(name) else "#" + line.strip()
        lines.append(line)
    return "\n".join(lines) + "\n"


def segment_keys(file: RecordingFile) -> list[str]:
    """The bucket keys of every segment an HLS playlist in the bucket lists (beside it).

    All or nothing: retention deletes these and then the playlist, so a list cut short would orphan
    segments. Raises `PlaylistUnavailable` for a playlist too large, not UTF-8 or with a line that
    names no segment; the bucket's own errors pass through."""
    try:
        text = _read_playlist(file)
    except NotS3Reachable as error:
        raise PlaylistUnavailable(f"Could not read the playlist {file.file_id}: {error}") from error
    names = []
    for number, line in enumerate(text.splitlines(), start=1):
        name = _segment_line_name(line)
        if name is None:
            continue
        if not SEGMENT_NAME.match(name):
            raise PlaylistUnavailable(
                f"The playlist {file.file_id} line {number} names no segment file: {line[:80]!r}."
            )
        names.append(_beside(file, name))
    return list(dict.fromkeys(names))


def _read_playlist(file: RecordingFile) -> str:
    data = read_object(file.task.storage_profile, file.object_key, limit=PLAYLIST_MAX_BYTES + 1)
    if len(data) > PLAYLIST_MAX_BYTES:
        raise PlaylistUnavailable(
            f"The playlist {file.file_id} is larger than {PLAYLIST_MAX_BYTES // 1_000_000} MB; "
            "it is not read, rather than read cut short."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PlaylistUnavailable(f"The playlist {file.file_id} is not UTF-8 text.") from error


def _segment_names(text: str) -> list[str]:
    names = (_segment_line_name(line) for line in text.splitlines())
    return [name for name in names if name is not None and SEGMENT_NAME.match(name)]


def _segment_line_name(line: str) -> str | None:
    """The file name a playlist line points at (bare, path or URL); None for tags and blanks."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    return posixpath.basename(stripped.split("?", 1)[0])


def _beside(file: RecordingFile, name: str) -> str:
    folder = posixpath.dirname(file.object_key)
    return f"{folder}/{name}" if folder else name


def read_object(profile, key: str, *, limit: int) -> bytes:
    """Up to `limit` bytes of an object in the profile's bucket."""
    target = s3_target_for(profile)
    body = client_for(target).get_object(Bucket=target.bucket, Key=key)["Body"]
    return body.read(limit)


# ---------------------------------------------------------------------------------------------
# The player: tracks and chapters


@dataclass
class Track:
    file: RecordingFile
    kind: str
    offset: float  # media seconds after the task's first file began
    url: str = ""  # presigned, for the browser's own player (not HLS)
    playlist_url: str = ""  # our rewritten playlist, for HLS
    live: bool = False  # a playlist still growing: the player follows its end


@dataclass
class Chapter:
    at: float  # media seconds
    label: str
    kind: str


def _paused_spans(events: list[TaskEvent]) -> list[tuple[datetime, datetime | None]]:
    spans: list[tuple[datetime, datetime | None]] = []
    for event in events:
        if event.status_before != Status.PAUSED and event.status_after == Status.PAUSED:
            spans.append((event.created_at, None))
        elif (
            event.status_before == Status.PAUSED
            and event.status_after != Status.PAUSED
            and spans
            and spans[-1][1] is None
        ):
            spans[-1] = (spans[-1][0], event.created_at)
    return spans


class MediaClock:
    """Maps wall-clock times to media time: ZEGO cuts paused spans out of the recording."""

    def __init__(self, begin: datetime | None, events: list[TaskEvent]):
        self.begin = begin
        self.pauses = _paused_spans(events)

    def at(self, moment: datetime | None) -> float | None:
        if self.begin is None or moment is None:
            return None
        elapsed = (moment - self.begin).total_seconds()
        for start, end in self.pauses:
            if start >= moment:
                break
            end = min(end or moment, moment)
            elapsed -= max(0.0, (end - max(start, self.begin)).total_seconds())
        return max(0.0, elapsed)


def _succeeded(event: TaskEvent) -> bool:
    return not event.message.startswith("Failed")


def chapters(task: RecordingTask, events: list[TaskEvent], clock: MediaClock) -> list[Chapter]:
    """Start, pauses and resumes, layout changes, snapshots and the stop, in media time."""
    found: list[Chapter] = [Chapter(0.0, "Start", "start")]
    stopped = False
    for event in events:
        at = clock.at(event.created_at)
        if at is None:
            continue
        if event.status_before != Status.PAUSED and event.status_after == Status.PAUSED:
            found.append(Chapter(at, "Paused", "pause"))
        elif event.status_before == Status.PAUSED and event.status_after == Status.RECORDING:
            found.append(Chapter(at, "Resumed", "resume"))
        if not _succeeded(event):
            continue
        if event.kind == TaskEvent.Kind.LAYOUT or event.action == "UpdateLayout":
            found.append(Chapter(at, "Layout changed", "layout"))
        elif event.action == "TakeSnapshot":
            found.append(Chapter(at, "Snapshot", "snapshot"))
        elif not stopped and (
            event.action == "StopRecord"
            or (
                event.status_after in RecordingTask.FINAL_STATUSES
                and event.status_before not in RecordingTask.FINAL_STATUSES
            )
        ):
            stopped = True
            found.append(
                Chapter(at, "Stopped" if event.action == "StopRecord" else "Ended", "stop")
            )
    return sorted(found, key=lambda chapter: chapter.at)


def player_context(task: RecordingTask) -> dict[str, Any]:
    files = list(task.files.select_related("task__storage_profile"))
    events = list(task.events.order_by("created_at", "id"))
    media_files = [f for f in files if not f.is_snapshot]
    begins = [f.began_at for f in media_files if f.began_at]
    clock = MediaClock(min(begins) if begins else task.record_began_at, events)
    tracks = [
        Track(f, kind, clock.at(f.began_at) or 0.0)
        for f in media_files
        if (kind := play_kind(f)) in ("video", "audio", "hls")
    ]
    # A live playlist stays playable a little after the end (LIVE_AFTER_END), no longer as live.
    tracks += [
        Track(f, "hls", clock.at(f.began_at) or 0.0, live=not task.is_final)
        for f in media_files
        if is_live(f)
    ]
    tracks.sort(key=lambda track: (track.offset, track.file.file_id))
    snapshot_files = [f for f in files if f.is_snapshot and play_kind(f) == "image"]
    link_set = links_for(files)
    for track in tracks:
        if track.file.pk in link_set.links:
            track.url = link_set.links[track.file.pk].url
    latest_checks: dict[int, FileCheck] = {}
    for check in FileCheck.objects.filter(file__task=task).order_by("-checked_at", "-id"):
        latest_checks.setdefault(check.file_id, check)
    share_links: dict[int, list[ShareLink]] = {}
    for link in ShareLink.objects.filter(file__task=task).annotate(use_count=Count("uses")):
        share_links.setdefault(link.file_id, []).append(link)
    rescues: dict[str, TaskEvent] = {}
    for event in events:
        if event.action == "BackupRescue":
            rescues[event.detail.get("file_id", "")] = event
    rows = [
        {
            "file": f,
            "kind": play_kind(f),
            "links": link_set.links.get(f.pk),
            "link_error": link_set.errors.get(f.pk, ""),
            "check": latest_checks.get(f.pk),
            "share_links": share_links.get(f.pk, []),
            "rescue": rescues.get(f.file_id),
            "can_rescue": can_rescue(f),
        }
        for f in files
    ]
    return {
        "task": task,
        "rows": rows,
        "tracks": tracks,
        "chapters": chapters(task, events, clock),
        "snapshots": [(f, link_set.links.get(f.pk)) for f in snapshot_files],
        "links": link_set,
        "side_by_side": len([t for t in tracks if t.kind != "audio"]) > 1,
        "deleted_on": max((f.deleted_at for f in media_files if f.deleted_at), default=None),
    }


def live_track(task: RecordingTask) -> Track | None:
    """The playlist to watch while the task records, once ZEGO has announced it (event 102)."""
    if task.is_final:
        return None
    file = task.files.filter(live_since__isnull=False).order_by("live_since", "pk").first()
    if file is None or not (is_live(file) or play_kind(file) == "hls"):
        return None
    return Track(file, "hls", 0.0, live=True)


# ---------------------------------------------------------------------------------------------
# Speaker activity (RecordSoundWave)

# A day of 25 streams at ~15 bytes of JSON per entry (`{"stream_id":"teacher-cam","volume":72},`
# is 40 with a typical id) is ~30 MB; more than this is not a file we can draw in one page view.
SOUND_WAVE_MAX_BYTES = 32_000_000
# The parsed file is kept this long per object and ETag, so each page view costs one HEAD and no
# download; a rewritten file has a new ETag and is read again at once.
SOUND_WAVE_CACHE_SECONDS = 300
MISSING_OBJECT_CODES = {"NoSuchKey", "404", "NotFound"}


@dataclass
class SpeakerActivity:
    data: dict | None = None  # SoundWave.for_player() + the file's offset on the timeline
    error: str = ""


def asks_sound_wave(task: RecordingTask) -> bool:
    return bool(
        task.request.get("RecordInputParams", {}).get("MixConfig", {}).get("RecordSoundWave")
    )


def sound_wave_key(file: RecordingFile) -> str:
    """The `.sw` sidecar of a RecordSoundWave task's file: beside it, same base name."""
    return posixpath.splitext(file.object_key)[0] + ".sw"


def speaker_activity(task: RecordingTask, tracks: list[Track]) -> SpeakerActivity | None:
    """The `.sw` sidecar of a RecordSoundWave task, read beside its mixed file."""
    if not asks_sound_wave(task):
        return None
    sources = [t for t in tracks if not t.live and t.file.upload_status == UploadStatus.UPLOADED]
    if not sources:
        return SpeakerActivity(error="Speaker activity appears once ZEGO has uploaded the files.")
    for track in sources:
        key = sound_wave_key(track.file)
        try:
            drawn = _sound_wave_drawing(task.storage_profile, key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in MISSING_OBJECT_CODES:
                continue
            return SpeakerActivity(error=f"Could not read the speaker activity file: {error}")
        except (NotS3Reachable, BotoCoreError) as error:
            return SpeakerActivity(error=f"Could not read the speaker activity file: {error}")
        if "error" in drawn:
            return SpeakerActivity(error=drawn["error"])
        return SpeakerActivity(data={**drawn, "offset": track.offset})
    return SpeakerActivity(
        error="ZEGO was asked for speaker activity, but no .sw file is beside the recording."
    )


def _sound_wave_drawing(profile, key: str) -> dict:
    """The player's lanes (or `{"error": …}`) for one `.sw` object, from the cache while its ETag
    holds. Raises the bucket's errors (a missing file included) for the caller to word."""
    target = s3_target_for(profile)
    head = client_for(target).head_object(Bucket=target.bucket, Key=key)
    name = posixpath.basename(key)
    if head.get("ContentLength", 0) > SOUND_WAVE_MAX_BYTES:
        return {"error": _too_large(name)}
    cache_key = _sound_wave_cache_key(target, key, head.get("ETag", ""))
    drawn = cache.get(cache_key)
    if drawn is None:
        drawn = _draw_sound_wave(name, read_object(profile, key, limit=SOUND_WAVE_MAX_BYTES + 1))
        cache.set(cache_key, drawn, SOUND_WAVE_CACHE_SECONDS)
    return drawn


def _sound_wave_cache_key(target, key: str, etag: str) -> str:
    where = f"{target.endpoint}\n{target.bucket}\n{key}\n{etag}"
    return "playback:soundwave:" + hashlib.sha256(where.encode()).hexdigest()


def _draw_sound_wave(name: str, data: bytes) -> dict:
    if len(data) > SOUND_WAVE_MAX_BYTES:
        return {"error": _too_large(name)}
    try:
        wave = parse_sound_wave(data)
    except SoundWaveError as error:
        return {"error": f"The speaker activity file {name} could not be read: {error}."}
    return {**wave.for_player(), "file": name}


def _too_large(name: str) -> str:
    limit = SOUND_WAVE_MAX_BYTES // 1_000_000
    return f"The speaker activity file {name} is larger than {limit} MB, too large to draw."


# ---------------------------------------------------------------------------------------------
# CSV export

CSV_COLUMNS = [
    ("task", "task_id"),
    ("zego_task_id", "task__task_id"),
    ("app", "task__app__name"),
    ("room", "task__room__room_id"),
    ("file", "file_id"),
    ("user_id", "user_id"),
    ("stream_id", "stream_id"),
    ("format", "output_format"),
    ("size_bytes", "size"),
    ("duration_s", "duration_ms"),
    ("width", "width"),
    ("height", "height"),
    ("upload_status", "upload_status"),
    ("began_at", "began_at"),
    ("created_at", "created_at"),
    ("object_key", "object_key"),
    ("backup_until", "backup_until"),
]
UPLOAD_LABELS = dict(UploadStatus.choices)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value  # spreadsheet formula injection
    return "" if value is None else value


def csv_lines(queryset: QuerySet[RecordingFile], chunk_size: int = 2000):
    """The filtered files as CSV lines, streamed: constant memory for any number of rows."""
    writer = csv.writer(_Echo())
    yield writer.writerow([name for name, _ in CSV_COLUMNS])
    fields = [path for _, path in CSV_COLUMNS]
    duration = fields.index("duration_ms")
    status = fields.index("upload_status")
    for row in queryset.values_list(*fields).iterator(chunk_size=chunk_size):
        row = list(row)
        row[duration] = f"{(row[duration] or 0) / 1000:.3f}"
        row[status] = UPLOAD_LABELS.get(row[status], row[status])
        yield writer.writerow([_cell(value) for value in row])


# ---------------------------------------------------------------------------------------------
# Share links


class ShareRefused(Exception):
    def __init__(self, link: ShareLink | None, reason: str):
        super().__init__(reason)
        self.link = link


def share_link_create(
    *, file: RecordingFile, user, expires_at: datetime, request=None
) -> tuple[ShareLink, str]:
    """A new link; returns the token, which is not stored (only its digest) and is shown once."""
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        link = ShareLink.objects.create(
            file=file,
            token_digest=token_digest(token),
            token_hint=token[:6],
            created_by=user,
            created_by_label=user.get_username() if user else "",
            expires_at=expires_at,
        )
        audit(
            action="share_link.create",
            request=request,
            actor=user,
            obj=link,
            file=file.file_id,
            expires_at=expires_at.isoformat(),
        )
    return link, token


def share_link_revoke(*, link: ShareLink, user, request=None) -> ShareLink:
    with transaction.atomic():
        locked = ShareLink.objects.select_for_update().get(pk=link.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.revoked_by_label = user.get_username()
            locked.save(update_fields=["revoked_at", "revoked_by_label"])
            audit(action="share_link.revoke", request=request, actor=user, obj=locked)
    return locked


def share_link_lookup(token: str) -> ShareLink | None:
    return (
        ShareLink.objects.select_related(
            "file__task__storage_profile", "file__task__room", "file__task__app"
        )
        .filter(token_digest=token_digest(token))
        .first()
    )


REFUSED_WORDS = {
    ShareLink.State.EXPIRED: "This link has expired.",
    ShareLink.State.REVOKED: "This link was revoked.",
}


def share_link_use(token: str, *, ip: str | None, user_agent: str, record: bool) -> ShareLink:
    """The link if it may be used now; records the opening (`record`), refused ones included."""
    link = share_link_lookup(token)
    if link is None:
        raise ShareRefused(None, "No such link.")
    state = link.state()
    if record:
        outcome = {
            ShareLink.State.ACTIVE: ShareLinkUse.Outcome.SERVED,
            ShareLink.State.EXPIRED: ShareLinkUse.Outcome.EXPIRED,
            ShareLink.State.REVOKED: ShareLinkUse.Outcome.REVOKED,
        }[state]
        ShareLinkUse.objects.create(
            link=link, outcome=outcome, ip_address=ip, user_agent=user_agent[:300]
        )
    if state != ShareLink.State.ACTIVE:
        raise ShareRefused(link, REFUSED_WORDS[state])
    return link


def share_ttl(link: ShareLink, now: datetime | None = None) -> int:
    """Presigned URLs behind a share link never outlive it (nor the usual short TTL)."""
    remaining = (link.expires_at - (now or timezone.now())).total_seconds()
    return max(1, min(url_ttl(), int(remaining)))


# ---------------------------------------------------------------------------------------------
# Backup rescue


def can_rescue(file: RecordingFile, now: datetime | None = None) -> bool:
    return (
        file.upload_status == UploadStatus.IN_ZEGO_BACKUP
        and bool(file.file_url)
        and (file.backup_until is None or file.backup_until > (now or timezone.now()))
    )


class RescueFailed(Exception):
    pass


def _download(url: str) -> requests.Response:
    response = requests.get(url, stream=True, timeout=(5, 60))
    response.raise_for_status()
    response.raw.decode_content = True
    return response


def _upload(url: str, key: str, profile) -> int:
    target = s3_target_for(profile)
    client = client_for(target)
    with _download(url) as response:
        content_type = MIME_TYPES.get(posixpath.splitext(key)[1].lstrip(".").lower())
        extra = {"ContentType": content_type} if content_type else {}
        client.upload_fileobj(response.raw, target.bucket, key, ExtraArgs=extra)
    return client.head_object(Bucket=target.bucket, Key=key)["ContentLength"]


def backup_rescue(*, file: RecordingFile, user=None) -> RecordingFile:
    """Fetch a file from ZEGO's backup storage into the profile's bucket; record the outcome.

    HLS playlists bring their segments along. The new upload status (3) goes through the ledger,
    which allows 4 → 3 (both final, same rank).
    """
    task = file.task
    detail = {"file_id": file.file_id, "object_key": file.object_key}
    try:
        if not can_rescue(file):
            raise RescueFailed(
                "the file is not in ZEGO's backup storage (or its 3 days are over)"
                if file.upload_status == UploadStatus.IN_ZEGO_BACKUP
                else "the file is not waiting in backup storage"
            )
        profile = task.storage_profile
        if profile is None:
            raise RescueFailed("the task has no storage profile to upload to")
        size = _upload(file.file_url, file.object_key, profile)
        if file_format(file) in HLS:
            detail["segments"] = _rescue_segments(file, profile)
    except (RescueFailed, NotS3Reachable) as error:
        return _rescue_failed(task, file, user, str(error), detail)
    except (requests.RequestException, ClientError, BotoCoreError, OSError) as error:
        logger.warning("backup rescue of %s failed: %s", file.file_id, error)
        return _rescue_failed(task, file, user, _words(error), detail)
    target = s3_target_for(task.storage_profile)
    reported = zego.RecordFile(
        file_id=file.file_id,
        stream_id=file.stream_id,
        user_id=file.user_id,
        user_name="",
        video_id="",
        file_url=f"{target.endpoint}/{target.bucket}/{file.object_key}",
        output_file_format=file.output_format,
        file_size=size,
        duration=file.duration_ms,
        resolution_width=file.width,
        resolution_height=file.height,
        media_track_type=file.media_track_type,
        begin_timestamp=int(file.began_at.timestamp() * 1000) if file.began_at else 0,
        status=UploadStatus.UPLOADED,
    )
    ledger.apply(
        task,
        Observation(
            source=TaskEvent.Kind.API_CALL,
            action="BackupRescue",
            files=[reported],
            actor=user,
            message=f"Fetched {file.file_id} from ZEGO's backup storage into the bucket "
            f"({size} bytes).",
            detail={**detail, "size": size},
        ),
    )
    audit(action="file.rescue", actor=user, obj=file, **detail, size=size)
    file.refresh_from_db()
    return file


def _rescue_segments(file: RecordingFile, profile) -> int:
    with _download(file.file_url) as response:
        playlist = response.text
    names = _segment_names(playlist)
    for name in names:
        _upload(urljoin(file.file_url, name), _beside(file, name), profile)
    return len(names)


def _words(error: Exception) -> str:
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"ZEGO's backup storage answered HTTP {error.response.status_code}"
    if isinstance(error, requests.RequestException):
        return "could not reach ZEGO's backup storage"
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "error")
        return f"the bucket refused the upload ({code})"
    return f"the upload failed ({error.__class__.__name__})"


def _rescue_failed(task, file, user, reason: str, detail: dict) -> RecordingFile:
    ledger.apply(
        task,
        Observation(
            source=TaskEvent.Kind.API_CALL,
            action="BackupRescue",
            actor=user,
            message=f"Failed: {reason}."[:500],
            detail=detail,
        ),
    )
    audit(
        action="file.rescue",
        actor=user,
        obj=file,
        outcome=AuditEntry.Outcome.FAILED,
        error=reason,
        **detail,
    )
    raise RescueFailed(reason)


# ---------------------------------------------------------------------------------------------
# Bucket truth


def bucket_check(*, task: RecordingTask, user=None) -> list[FileCheck]:
    """HEAD each uploaded file's object; flag missing and size-mismatched ones."""
    files = [
        f
        for f in task.files.all()
        if f.upload_status == UploadStatus.UPLOADED and f.object_key and f.deleted_at is None
    ]
    label = user.get_username() if user else ""
    checks = []
    try:
        target = s3_target_for(task.storage_profile) if task.storage_profile else None
    except NotS3Reachable as error:
        target, reason = None, str(error)
    else:
        reason = "the task has no storage profile"
    for file in files:
        check = FileCheck(file=file, expected_size=file.size, checked_by_label=label)
        if target is None:
            check.result, check.message = FileCheck.Result.ERROR, reason
        else:
            _head(target, file, check)
        checks.append(check)
    FileCheck.objects.bulk_create(checks)
    problems = [c for c in checks if c.is_problem]
    audit(
        action="files.bucket_check",
        actor=user,
        obj=task,
        outcome=AuditEntry.Outcome.FAILED if problems else AuditEntry.Outcome.OK,
        checked=len(checks),
        problems=[c.file.file_id for c in problems],
    )
    return checks


def _head(target, file: RecordingFile, check: FileCheck) -> None:
    state = object_state(target, file.object_key)
    if state.found is None:
        check.result, check.message = FileCheck.Result.ERROR, state.error
        return
    recording_services.record_bucket_state(file, found=state.found)
    if not state.found:
        check.result, check.message = FileCheck.Result.MISSING, "No such object."
        return
    check.found_size = state.size
    if file.size and check.found_size != file.size:
        check.result = FileCheck.Result.SIZE_MISMATCH
        check.message = f"ZEGO reported {file.size} bytes, the bucket holds {check.found_size}."
    else:
        check.result = FileCheck.Result.OK
