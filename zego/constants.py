"""Names, numbers and enum values of ZEGO's cloud-recording and RTC room server APIs (v2).

Source: /work/shared/zego/cloud-recording-api.md (section numbers below refer to it).
Standard library only: the emulator (`zego_emulator/`) imports this module on its own.
"""

from __future__ import annotations

import enum

DEFAULT_API_URL = "https://cloudrecord-api.zego.im"
DEFAULT_RTC_API_URL = "https://rtc-api.zego.im"
SIGNATURE_VERSION = "2.0"
# §1.3/§1.4: the server accepts a Timestamp within ±10 minutes of its clock.
TIMESTAMP_TOLERANCE_SECONDS = 600
# §6.2: DescribeRecordStatus / DescribeTasks only see tasks started in the last 3 days.
QUERY_WINDOW_MS = 3 * 24 * 60 * 60 * 1000


class Action(enum.StrEnum):
    START_RECORD = "StartRecord"
    STOP_RECORD = "StopRecord"
    UPDATE_LAYOUT = "UpdateLayout"
    UPDATE_WHITEBOARD = "UpdateWhiteboard"
    DESCRIBE_RECORD_STATUS = "DescribeRecordStatus"
    DESCRIBE_TASKS = "DescribeTasks"
    PAUSE_RECORD = "PauseRecord"
    RESUME_RECORD = "ResumeRecord"
    TAKE_SNAPSHOT = "TakeSnapshot"
    # §7: RTC room actions, served by rtc-api.zego.im with GET.
    DESCRIBE_SIMPLE_STREAM_LIST = "DescribeSimpleStreamList"
    DESCRIBE_USER_NUM = "DescribeUserNum"
    DESCRIBE_USER_LIST = "DescribeUserList"
    DESCRIBE_RTC_STREAM_STATE = "DescribeRTCStreamState"


RECORDING_ACTIONS = frozenset(
    {
        Action.START_RECORD,
        Action.STOP_RECORD,
        Action.UPDATE_LAYOUT,
        Action.UPDATE_WHITEBOARD,
        Action.DESCRIBE_RECORD_STATUS,
        Action.DESCRIBE_TASKS,
        Action.PAUSE_RECORD,
        Action.RESUME_RECORD,
        Action.TAKE_SNAPSHOT,
    }
)
RTC_ACTIONS = frozenset(
    {
        Action.DESCRIBE_SIMPLE_STREAM_LIST,
        Action.DESCRIBE_USER_NUM,
        Action.DESCRIBE_USER_LIST,
        Action.DESCRIBE_RTC_STREAM_STATE,
    }
)

# §1.5 and §7: requests per second per AppID. Per-room limits of the RTC actions
# (DescribeSimpleStreamList 1 per 10 s, DescribeUserList 1 per s) are listed separately.
QPS_LIMITS: dict[str, int] = {
    Action.START_RECORD: 50,
    Action.STOP_RECORD: 50,
    Action.UPDATE_LAYOUT: 10,
    Action.UPDATE_WHITEBOARD: 10,
    Action.DESCRIBE_RECORD_STATUS: 10,
    Action.DESCRIBE_TASKS: 10,
    Action.PAUSE_RECORD: 10,
    Action.RESUME_RECORD: 10,
    Action.TAKE_SNAPSHOT: 10,
    Action.DESCRIBE_SIMPLE_STREAM_LIST: 50,
    Action.DESCRIBE_USER_NUM: 10,
    Action.DESCRIBE_USER_LIST: 200,
    Action.DESCRIBE_RTC_STREAM_STATE: 40,
}
DEFAULT_QPS_LIMIT = 10
PER_ROOM_MIN_INTERVAL_SECONDS: dict[str, float] = {
    Action.DESCRIBE_SIMPLE_STREAM_LIST: 10.0,
    Action.DESCRIBE_USER_LIST: 1.0,
}

# §1.5, §3.1: service limits.
MAX_CONCURRENT_TASKS_CHINA = 1000
MAX_CONCURRENT_TASKS_OVERSEAS = 200
MAX_STREAMS_SINGLE_MODE = 36
MAX_MIX_TILES = 25
MAX_COORDINATE = 1920
MAX_VIDEO_SIDE = 1920
MAX_VIDEO_AREA = 1920 * 1080
FPS_RANGE = (5, 30)
MAX_IDLE_TIME_RANGE = (5, 86400)
MAX_RECORD_TIME_RANGE = (300, 86400)
SNAPSHOT_INTERVAL_RANGE = (5, 3600)
FRAGMENT_SECONDS_RANGE = (2, 60)
PPT_ANIMATION_FPS_RANGE = (1, 30)
WATERMARK_TIMESTAMP_FONT_SIZE_RANGE = (12, 100)
DESCRIBE_TASKS_MAX_PAGE_SIZE = 50
DESCRIBE_USER_NUM_MAX_ROOMS = 10
DESCRIBE_USER_LIST_MAX_LIMIT = 200

DEFAULT_MAX_IDLE_TIME = 30
DEFAULT_MAX_RECORD_TIME = 86400


class RecordMode(enum.IntEnum):
    SINGLE = 1
    MIXED = 2


class StreamType(enum.IntEnum):
    AUDIO = 1
    VIDEO = 2
    AUDIO_VIDEO = 3
    AUDIO_VIDEO_SEPARATE = 4


class MixMode(enum.IntEnum):
    CUSTOM = 1
    GRID = 2
    HORIZONTAL = 3
    VERTICAL = 4
    FLOATING = 5


class FillMode(enum.IntEnum):
    CROP = 1
    FIT = 2


class ViewType(enum.IntEnum):
    AUDIO_VIDEO = 1
    WHITEBOARD = 2


class FrameFillMode(enum.IntEnum):
    LAST_FRAME = 1
    COLOR = 2
    NONE = 3


class RecordMuteAudio(enum.IntEnum):
    KEEP = 1
    DROP = 2


class SoundWaveType(enum.IntEnum):
    BY_STREAM = 0
    BY_USER = 1


class MixStreamType(enum.IntEnum):
    """`MixConfig.StreamConfigList[].StreamType`."""

    DEFAULT = 0
    AUDIO = 1
    VIDEO = 2
    AUDIO_VIDEO = 3


class OutputFileFormat(enum.StrEnum):
    MP4 = "mp4"
    FLV = "flv"
    HLS = "hls"
    JPG = "jpg"
    MP3 = "mp3"


# Formats reported for produced files (§3.3): StreamType 4 splits audio into aac.
FILE_FORMATS = frozenset({"mp4", "flv", "hls", "jpg", "aac", "mp3"})
OUTPUT_FILE_RULE = 1


class Vendor(enum.IntEnum):
    AMAZON_S3 = 1
    ALIBABA_OSS = 2
    TENCENT_COS = 3
    QINIU_KODO = 4
    ALIBABA_VOD = 5
    TENCENT_VOD = 6
    HUAWEI_OBS = 7
    GOOGLE_CLOUD_STORAGE = 8
    CHINA_MOBILE_EOS = 9
    S3_COMPATIBLE = 10


VENDOR_LABELS: dict[int, str] = {
    Vendor.AMAZON_S3: "Amazon S3",
    Vendor.ALIBABA_OSS: "Alibaba Cloud OSS",
    Vendor.TENCENT_COS: "Tencent Cloud COS",
    Vendor.QINIU_KODO: "Qiniu Kodo",
    Vendor.ALIBABA_VOD: "Alibaba Cloud VOD",
    Vendor.TENCENT_VOD: "Tencent Cloud VOD",
    Vendor.HUAWEI_OBS: "Huawei Cloud OBS",
    Vendor.GOOGLE_CLOUD_STORAGE: "Google Cloud Storage",
    Vendor.CHINA_MOBILE_EOS: "China Mobile eCloud EOS",
    Vendor.S3_COMPATIBLE: "S3-compatible storage",
}

# §3.1.10 required-field matrix. Vendor 10 combines both doc notes (Region, Bucket, keys, EndPoint).
_OBJECT_STORAGE_FIELDS = ("Region", "Bucket", "AccessKeyId", "AccessKeySecret")
VENDOR_REQUIRED_FIELDS: dict[int, tuple[str, ...]] = {
    Vendor.AMAZON_S3: _OBJECT_STORAGE_FIELDS,
    Vendor.ALIBABA_OSS: _OBJECT_STORAGE_FIELDS,
    Vendor.TENCENT_COS: _OBJECT_STORAGE_FIELDS,
    Vendor.QINIU_KODO: _OBJECT_STORAGE_FIELDS,
    Vendor.ALIBABA_VOD: ("AlibabaCloudVodParams",),
    Vendor.TENCENT_VOD: ("TencentCloudVodParams",),
    Vendor.HUAWEI_OBS: _OBJECT_STORAGE_FIELDS,
    Vendor.GOOGLE_CLOUD_STORAGE: ("Bucket", "AccessKeyId", "AccessKeySecret"),
    Vendor.CHINA_MOBILE_EOS: _OBJECT_STORAGE_FIELDS,
    Vendor.S3_COMPATIBLE: (*_OBJECT_STORAGE_FIELDS, "EndPoint"),
}
ALIBABA_VOD_REQUIRED_FIELDS = (
    "Region",
    "AccessKeyId",
    "AccessKeySecret",
    "Title",
    "StorageLocation",
)
TENCENT_VOD_REQUIRED_FIELDS = ("SecretId", "SecretKey", "Region")
VENDOR_ALLOWED_FORMATS: dict[int, frozenset[str]] = {
    Vendor.ALIBABA_VOD: frozenset({"mp4", "flv"}),
    Vendor.TENCENT_VOD: frozenset({"mp4", "flv", "jpg", "mp3"}),
}


class TaskStatus(enum.IntEnum):
    INITIALISING = 1
    RECORDING = 2
    ENDED = 3
    ENDED_ABNORMALLY = 4
    PAUSED = 5


class DescribeTasksStatus(enum.IntEnum):
    """The `Status` filter of DescribeTasks accepts only these two values."""

    RECORDING = 2
    ENDED = 3


class UploadStatus(enum.IntEnum):
    RECORDING = 1
    UPLOADING = 2
    UPLOADED = 3
    IN_ZEGO_BACKUP = 4
    FAILED = 5


class MediaTrackType(enum.IntEnum):
    AUDIO = 1
    VIDEO = 2
    AUDIO_VIDEO = 3


class CallbackEventType(enum.IntEnum):
    UPLOAD_RESULT = 1
    ENDED_ABNORMALLY = 2
    IMAGE_DOWNLOAD_FAILED = 3
    ROOM_HAS_NO_STREAMS = 4
    EXITED_NORMALLY = 5
    STREAM_NOT_FOUND = 6
    STOPPED_UPLOADING = 7
    HLS_PLAYLIST_READY = 102
    PAUSED = 201
    RESUMED = 202


class CallbackUploadStatus(enum.IntEnum):
    ALL_UPLOADED = 1
    PARTIAL = 2


class QuitReason(enum.IntEnum):
    RECORDER_START_FAILED = 1
    ROOM_LOGIN_FAILED = 2
    IDLE_TIMEOUT = 3
    MAX_RECORD_TIME_REACHED = 4
    ENGINE_START_FAILED = 5
    RECORDER_NETWORK_LOST = 6
    UNKNOWN_ERROR = 1001
    FILE_NAME_TOO_LONG = 1002
    FILE_OPEN_FAILED = 1003
    OUT_OF_DISK = 1004
    ENGINE_INIT_FAILED = 1005
    FILE_HEADER_WRITE_FAILED = 1006
    WRITE_ERROR_EBADF = 1007
    WRITE_ERROR_EIO = 1008
    INTERNAL_CHANNEL_ERROR = 1009
    UNSUPPORTED_OUTPUT_FORMAT = 1010
    ILLEGAL_STATE = 1011


class ImageType(enum.IntEnum):
    MIX_OUTPUT_BACKGROUND_IMAGE = 1
    MIX_OUTPUT_WATERMARK_IMAGE = 2
    DEFAULT_MIX_STREAM_BACKGROUND_IMAGE = 3
    TILE_BACKGROUND_IMAGE = 4


class UserRole(enum.IntEnum):
    HOST = 1
    AUDIENCE = 2
    ADMIN = 4


class ReturnCode(enum.IntEnum):
    """Every return code in §2.2, §2.3 and §7."""

    SUCCESS = 0
    # §2.3 gateway codes
    HOST_HEADER_WRONG = 100000000
    APP_ID_FORMAT_WRONG = 100000001
    TIMESTAMP_EMPTY = 100000002
    TIMESTAMP_FORMAT_WRONG = 100000003
    SIGNATURE_EXPIRED = 100000004
    SIGNATURE_WRONG = 100000005
    ACTION_EMPTY = 100000006
    ACTION_NOT_SUPPORTED = 100000007
    SIGNATURE_NONCE_EMPTY = 100000008
    SIGNATURE_EMPTY = 100000009
    SERVER_SECRET_UNAVAILABLE = 100000010
    APP_CONFIG_UNAVAILABLE = 100000011
    BODY_UNREADABLE = 100000012
    SIGNATURE_VERSION_EMPTY = 100000013
    SIGNATURE_VERSION_UNSUPPORTED = 100000014
    GATEWAY_INTERNAL_ERROR = 100000015
    NO_PRODUCTION_ENVIRONMENT = 100000016
    SERVICE_NOT_ENABLED_FOR_APP = 100000017
    # §2.2 cloud-recording codes
    RECORDING_NOT_ENABLED = 300000002
    RATE_LIMITED = 300000003
    INVALID_PARAMETER = 300000004
    GATEWAY_VERIFICATION_FAILED = 300000005
    TOO_MANY_CONCURRENT_TASKS = 300000006
    TASK_NOT_FOUND = 300001000
    TASK_ALREADY_ENDED = 300001001
    TASK_NOT_PAUSED = 300001004
    SYSTEM_ERROR = 300010000
    # §7 RTC codes
    STREAM_LIST_FAILED = 154
    STREAM_NOT_FOUND = 41004
