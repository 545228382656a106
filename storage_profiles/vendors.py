"""Everything that differs between the ten ZEGO storage vendors, in one table.

Which form fields each vendor needs (and where to find each value), how its region and bucket are
validated, and how the console reaches its S3-compatible API (endpoint, signing region, addressing
style). Endpoints for vendors 4 and 9 are best guesses from the vendors' public docs; an explicit
endpoint on the profile always wins.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from storage_profiles.models import Vendor

# Qiniu's ZEGO region codes (z0…) and the S3 region ids of Kodo's S3-compatible API.
KODO_S3_REGIONS = {
    "z0": "cn-east-1",
    "cn-east-2": "cn-east-2",
    "z1": "cn-north-1",
    "z2": "cn-south-1",
    "na0": "us-north-1",
    "as0": "ap-southeast-1",
}

NATIVE_API_NOTE = (
    "ZEGO uploads with {vendor}'s own API; the probe used its S3-compatible API with the same "
    "keys and bucket. A policy that allows only one of the two APIs is not detected."
)
ZEGO_REACH_NOTE = (
    "Whether ZEGO's recording servers can reach the bucket (IP allow-lists, private endpoints) "
    "shows only in a test recording."
)


@dataclass(frozen=True)
class FieldText:
    label: str
    help: str


@dataclass(frozen=True)
class VendorSpec:
    vendor: Vendor
    fields: tuple[str, ...]  # form fields shown, in order (name/notes/default are always shown)
    required: tuple[str, ...]
    text: dict[str, FieldText]
    region_pattern: str = ""
    region_message: str = ""
    bucket_problem: Callable[[str], str | None] | None = None
    endpoint_template: str = ""  # "" = not S3-probeable without an explicit endpoint
    virtual_hosted: bool = True  # whether the vendor's own endpoint needs bucket.host addressing
    not_checked: tuple[str, ...] = field(default=())

    @property
    def s3_protocol(self) -> bool:
        return self.vendor not in (Vendor.ALIBABA_VOD, Vendor.TENCENT_VOD)


# --- bucket naming rules ----------------------------------------------------------------------


def _looks_like_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def s3_bucket_problem(name: str) -> str | None:
    """AWS's general-purpose bucket rules (also used by EOS and most S3-compatible stores)."""
    if not 3 <= len(name) <= 63:
        return "A bucket name is 3 to 63 characters long."
    if not re.fullmatch(r"[a-z0-9.-]+", name):
        return "Use only lowercase letters, digits, dots and hyphens."
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "A bucket name starts and ends with a letter or digit."
    if ".." in name or ".-" in name or "-." in name:
        return "Dots may not be next to each other or to a hyphen."
    if _looks_like_ip(name):
        return "A bucket name may not look like an IP address."
    if name.startswith("xn--") or name.endswith("-s3alias"):
        return "Names starting with xn-- or ending in -s3alias are reserved."
    return None


def hyphen_bucket_problem(name: str) -> str | None:
    """OSS and Kodo: lowercase letters, digits and hyphens only."""
    if not 3 <= len(name) <= 63:
        return "A bucket name is 3 to 63 characters long."
    if not re.fullmatch(r"[a-z0-9-]+", name):
        return "Use only lowercase letters, digits and hyphens (no dots or capitals)."
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "A bucket name starts and ends with a letter or digit."
    return None


def cos_bucket_problem(name: str) -> str | None:
    match = re.fullmatch(r"(.+)-(\d+)", name)
    if not match:
        return (
            "A COS bucket name ends with your APPID, e.g. mybucket123-1250000000 "
            "(copy it from the bucket list)."
        )
    short = match.group(1)
    if not re.fullmatch(r"[a-z0-9-]+", short) or short[0] == "-" or short.endswith("-"):
        return "Before the APPID use only lowercase letters, digits and hyphens."
    if len(name) > 60:
        return "A COS bucket name with its APPID is at most 60 characters."
    return None


def gcs_bucket_problem(name: str) -> str | None:
    if not 3 <= len(name) <= 222 or any(len(part) > 63 for part in name.split(".")):
        return "A bucket name is 3 to 63 characters (222 with dots, 63 between dots)."
    if not re.fullmatch(r"[a-z0-9._-]+", name):
        return "Use only lowercase letters, digits, dots, hyphens and underscores."
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "A bucket name starts and ends with a letter or digit."
    if name.startswith("goog") or "google" in name or _looks_like_ip(name):
        return "Names starting with goog, containing google, or shaped like an IP are not allowed."
    return None


def obs_bucket_problem(name: str) -> str | None:
    problem = s3_bucket_problem(name)
    if problem and "reserved" in problem:
        return None  # xn--/-s3alias are AWS-only reservations
    return problem


def s3_compatible_bucket_problem(name: str) -> str | None:
    if not 3 <= len(name) <= 63:
        return "A bucket name is 3 to 63 characters long."
    if not re.fullmatch(r"[a-z0-9._-]+", name):
        return "Use only lowercase letters, digits, dots, hyphens and underscores."
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "A bucket name starts and ends with a letter or digit."
    return None


# --- field texts ------------------------------------------------------------------------------

ENDPOINT_OVERRIDE = FieldText(
    "Endpoint override",
    "Leave blank to use {derived}. Set it only to reach the bucket through another host "
    "(a private endpoint, a local test server); ZEGO itself uploads to the vendor's endpoint.",
)
PREFIX = FieldText(
    "Path prefix",
    "Folder the recordings go under (ZEGO's OutputFolder), e.g. recordings/. Blank = bucket root.",
)
KEY_ADVICE = (
    " ZEGO needs only write access; the console also reads, lists and deletes under the "
    "prefix (probe, playback)."
)


def _s3_texts(region: str, bucket: str, key_id: str, secret: str, **extra: FieldText):
    return {
        "region": FieldText("Region", region),
        "bucket": FieldText("Bucket", bucket),
        "access_key_id": FieldText(*key_id.split("|", 1)),
        "secret": FieldText(*secret.split("|", 1)),
        "endpoint": ENDPOINT_OVERRIDE,
        "path_prefix": PREFIX,
        **extra,
    }


S3_FIELDS = ("region", "bucket", "access_key_id", "secret", "path_prefix", "endpoint")
S3_REQUIRED = ("region", "bucket", "access_key_id", "secret")

SPECS: dict[int, VendorSpec] = {
    Vendor.AMAZON_S3: VendorSpec(
        vendor=Vendor.AMAZON_S3,
        fields=S3_FIELDS,
        required=S3_REQUIRED,
        text=_s3_texts(
            "AWS region code of the bucket, e.g. us-east-1 (S3 console → the bucket → "
            "Properties → AWS Region).",
            "S3 console → Buckets. 3–63 lowercase letters, digits, dots and hyphens.",
            "Access key ID|IAM → Users → the user → Security credentials → Access keys "
            "(starts with AKIA)." + KEY_ADVICE,
            "Secret access key|Shown once, when the access key is created in IAM.",
        ),
        region_pattern=r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}",
        region_message="An AWS region code looks like us-east-1 or eu-central-1.",
        bucket_problem=s3_bucket_problem,
        endpoint_template="https://s3.{region}.amazonaws.com",
        not_checked=(ZEGO_REACH_NOTE,),
    ),
    Vendor.ALIBABA_OSS: VendorSpec(
        vendor=Vendor.ALIBABA_OSS,
        fields=S3_FIELDS,
        required=S3_REQUIRED,
        text=_s3_texts(
            "Region ID with the oss- prefix, e.g. oss-cn-hangzhou (OSS console → the bucket → "
            "Overview: the endpoint oss-cn-hangzhou.aliyuncs.com starts with it).",
            "OSS console → Buckets. 3–63 lowercase letters, digits and hyphens.",
            "AccessKey ID|RAM console → Users → the user → AccessKey." + KEY_ADVICE,
            "AccessKey secret|Shown once, when the AccessKey is created in RAM.",
        ),
        region_pattern=r"oss-[a-z]{2}-[a-z0-9-]+",
        region_message="An OSS region starts with oss-, e.g. oss-cn-hangzhou.",
        bucket_problem=hyphen_bucket_problem,
        endpoint_template="https://{region}.aliyuncs.com",
        not_checked=(NATIVE_API_NOTE.format(vendor="Alibaba Cloud OSS"), ZEGO_REACH_NOTE),
    ),
    Vendor.TENCENT_COS: VendorSpec(
        vendor=Vendor.TENCENT_COS,
        fields=S3_FIELDS,
        required=S3_REQUIRED,
        text=_s3_texts(
            "COS region, e.g. ap-beijing (COS console → Bucket list → Region column).",
            "The full name with your APPID, e.g. mybucket123-1250000000 (COS console → "
            "Bucket list).",
            "SecretId|CAM console → API Keys (or the sub-user's API key)." + KEY_ADVICE,
            "SecretKey|CAM console → API Keys → Show, next to the SecretId.",
        ),
        region_pattern=r"[a-z]{2}-[a-z]+(-[a-z0-9]+)?",
        region_message="A COS region looks like ap-beijing or na-siliconvalley.",
        bucket_problem=cos_bucket_problem,
        endpoint_template="https://cos.{region}.myqcloud.com",
        not_checked=(NATIVE_API_NOTE.format(vendor="Tencent Cloud COS"), ZEGO_REACH_NOTE),
    ),
    Vendor.QINIU_KODO: VendorSpec(
        vendor=Vendor.QINIU_KODO,
        fields=S3_FIELDS,
        required=S3_REQUIRED,
        text=_s3_texts(
            "Kodo region code as ZEGO wants it: z0 (East China), z1 (North China), "
            "z2 (South China), na0 (North America), as0 (Southeast Asia) or cn-east-2.",
            "Kodo console → Buckets (空间管理). 3–63 lowercase letters, digits and hyphens.",
            "AccessKey (AK)|Qiniu portal → Personal center → Key management." + KEY_ADVICE,
            "SecretKey (SK)|Qiniu portal → Personal center → Key management → Show.",
        ),
        region_pattern=r"z\d|na\d|as\d|[a-z]{2}-[a-z]+-\d",
        region_message="A Kodo region is z0, z1, z2, na0, as0 or cn-east-2.",
        bucket_problem=hyphen_bucket_problem,
        endpoint_template="https://s3.{s3_region}.qiniucs.com",
        not_checked=(
            NATIVE_API_NOTE.format(vendor="Qiniu Kodo"),
            "ZEGO returns no file URL for Kodo; playback relies on the console's presigned links.",
            ZEGO_REACH_NOTE,
        ),
    ),
    Vendor.ALIBABA_VOD: VendorSpec(
        vendor=Vendor.ALIBABA_VOD,
        fields=("region", "access_key_id", "secret", "vod_title", "vod_storage_location"),
        required=("region", "access_key_id", "secret", "vod_title", "vod_storage_location"),
        text={
            "region": FieldText(
                "VOD region", "VOD service region ID, e.g. cn-shanghai (no oss- prefix)."
            ),
            "access_key_id": FieldText(
                "AccessKey ID", "RAM console → Users → the user → AccessKey (needs VOD upload)."
            ),
            "secret": FieldText("AccessKey secret", "Shown once, when the AccessKey is created."),
            "vod_title": FieldText("Video title", "Title VOD gives each uploaded recording."),
            "vod_storage_location": FieldText(
                "Storage location",
                "VOD console → Configuration management → Media asset management → Storage: "
                "the address, e.g. outin-xxxx.oss-cn-shanghai.aliyuncs.com.",
            ),
        },
        region_pattern=r"[a-z]{2}-[a-z]+(-\d)?",
        region_message="An Alibaba Cloud region ID looks like cn-shanghai (no oss- prefix).",
    ),
    Vendor.TENCENT_VOD: VendorSpec(
        vendor=Vendor.TENCENT_VOD,
        fields=("region", "access_key_id", "secret", "vod_sub_app_id"),
        required=("region", "access_key_id", "secret"),
        text={
            "region": FieldText("VOD region", "Region to upload to, e.g. ap-beijing."),
            "access_key_id": FieldText("SecretId", "CAM console → API Keys."),
            "secret": FieldText("SecretKey", "CAM console → API Keys → Show."),
            "vod_sub_app_id": FieldText(
                "SubAppId",
                "VOD console → Application management: the application's ID. Blank = the "
                "primary application.",
            ),
        },
        region_pattern=r"[a-z]{2}-[a-z]+(-\d)?",
        region_message="A Tencent Cloud region looks like ap-beijing.",
    ),
    Vendor.HUAWEI_OBS: VendorSpec(
        vendor=Vendor.HUAWEI_OBS,
        fields=S3_FIELDS,
        required=S3_REQUIRED,
        text=_s3_texts(
            "OBS region, e.g. cn-north-4 (OBS console → the bucket → Overview → Region).",
            "OBS console → Buckets. 3–63 lowercase letters, digits, dots and hyphens.",
            "Access key ID (AK)|Console → My Credentials → Access Keys." + KEY_ADVICE,
            "Secret access key (SK)|In the credentials.csv downloaded when the key was created.",
        ),
        region_pattern=r"[a-z]{2}-[a-z]+-\d{1,2}",
        region_message="An OBS region looks like cn-north-4 or ap-southeast-1.",
        bucket_problem=obs_bucket_problem,
        endpoint_template="https://obs.{region}.myhuaweicloud.com",
        not_checked=(NATIVE_API_NOTE.format(vendor="Huawei Cloud OBS"), ZEGO_REACH_NOTE),
    ),
    Vendor.GOOGLE_CLOUD_STORAGE: VendorSpec(
        vendor=Vendor.GOOGLE_CLOUD_STORAGE,
        fields=("bucket", "access_key_id", "secret", "path_prefix", "endpoint"),
        required=("bucket", "access_key_id", "secret"),
        text={
            "bucket": FieldText("Bucket", "Cloud Storage → Buckets."),
            "access_key_id": FieldText(
                "HMAC access key",
                "Cloud Storage → Settings → Interoperability → HMAC keys for a service account "
                "(starts with GOOG)." + KEY_ADVICE,
            ),
            "secret": FieldText("HMAC secret", "Shown once, when the HMAC key is created."),
            "endpoint": ENDPOINT_OVERRIDE,
            "path_prefix": PREFIX,
        },
        bucket_problem=gcs_bucket_problem,
        endpoint_template="https://storage.googleapis.com",
        not_checked=(NATIVE_API_NOTE.format(vendor="Google Cloud Storage"), ZEGO_REACH_NOTE),
    ),
    Vendor.CHINA_MOBILE_EOS: VendorSpec(
        vendor=Vendor.CHINA_MOBILE_EOS,
        fields=S3_FIELDS,
        required=S3_REQUIRED,
        text=_s3_texts(
            "EOS region (resource pool), e.g. eos-shanghai-1 (eCloud console → Object storage → "
            "the bucket → Overview).",
            "eCloud console → Object storage → Buckets.",
            "Access key|eCloud console → the user menu → Access keys." + KEY_ADVICE,
            "Secret key|eCloud console → Access keys → the key's secret.",
        ),
        region_pattern=r"eos-[a-z]+-\d+",
        region_message="An EOS region looks like eos-shanghai-1.",
        bucket_problem=s3_bucket_problem,
        endpoint_template="https://{region}.cmecloud.cn",
        not_checked=(
            NATIVE_API_NOTE.format(vendor="China Mobile eCloud EOS"),
            "The EOS endpoint is derived as https://<region>.cmecloud.cn; if your console shows "
            "another, set it as the endpoint override.",
            ZEGO_REACH_NOTE,
        ),
    ),
    Vendor.S3_COMPATIBLE: VendorSpec(
        vendor=Vendor.S3_COMPATIBLE,
        fields=("endpoint", "region", "bucket", "access_key_id", "secret", "path_prefix"),
        required=("endpoint", "region", "bucket", "access_key_id", "secret"),
        text={
            "endpoint": FieldText(
                "Endpoint",
                "The provider's S3 endpoint, e.g. https://lon1.digitaloceanspaces.com "
                "(scheme and host only). ZEGO uploads here too, so it must be public.",
            ),
            "region": FieldText(
                "Region",
                "The region the provider's S3 API signs with, e.g. us-east-1, lon1 or auto.",
            ),
            "bucket": FieldText("Bucket", "The bucket name in the provider's console."),
            "access_key_id": FieldText(
                "Access key ID", "The provider's S3 / API keys page." + KEY_ADVICE
            ),
            "secret": FieldText("Secret access key", "Shown once, when the key is created."),
            "path_prefix": PREFIX,
        },
        region_pattern=r"[A-Za-z0-9_-]{1,64}",
        region_message="Letters, digits, hyphens and underscores only, e.g. us-east-1.",
        bucket_problem=s3_compatible_bucket_problem,
        virtual_hosted=False,
        not_checked=(ZEGO_REACH_NOTE,),
    ),
}


def spec_for(vendor: int) -> VendorSpec:
    return SPECS[Vendor(vendor)]


def region_problem(vendor: int, region: str) -> str | None:
    spec = spec_for(vendor)
    if not spec.region_pattern or re.fullmatch(spec.region_pattern, region):
        return None
    if vendor == Vendor.ALIBABA_OSS and re.fullmatch(r"[a-z]{2}-[a-z0-9-]+", region):
        return f"Add the oss- prefix: oss-{region}."
    if vendor in (Vendor.ALIBABA_VOD, Vendor.AMAZON_S3) and region.startswith("oss-"):
        return f"Drop the oss- prefix: {region.removeprefix('oss-')}. " + spec.region_message
    return spec.region_message


def bucket_problem(vendor: int, bucket: str) -> str | None:
    check = spec_for(vendor).bucket_problem
    return check(bucket) if check else None


def s3_signing_region(vendor: int, region: str) -> str:
    """The region botocore signs with, for the vendor's S3-compatible API."""
    if vendor == Vendor.QINIU_KODO:
        return KODO_S3_REGIONS.get(region, region)
    if vendor == Vendor.ALIBABA_OSS:
        return region.removeprefix("oss-")
    if vendor == Vendor.GOOGLE_CLOUD_STORAGE:
        return "auto"
    return region or "us-east-1"


def derived_endpoint(vendor: int, region: str) -> str:
    """The vendor's public S3 endpoint for the region ("" when there is none)."""
    template = spec_for(vendor).endpoint_template
    if not template or ("{region}" in template and not region):
        return ""
    return template.format(region=region, s3_region=s3_signing_region(vendor, region))


def uses_path_style(vendor: int, endpoint: str) -> bool:
    """Path-style for local hosts and generic S3 servers, virtual-hosted where vendors require it."""
    host = urlsplit(endpoint).hostname or ""
    if host == "localhost" or _looks_like_ip(host):
        return True
    return not spec_for(vendor).virtual_hosted
