"""One form per vendor: only that vendor's fields, each validated by the vendor's rules."""

import pytest

from storage_profiles.forms import StorageProfileForm, normalise_prefix
from storage_profiles.models import StorageProfile, Vendor

pytestmark = pytest.mark.django_db

VALID = {
    Vendor.AMAZON_S3: {"region": "eu-central-1", "bucket": "my.recordings-1"},
    Vendor.ALIBABA_OSS: {"region": "oss-cn-hangzhou", "bucket": "my-recordings"},
    Vendor.TENCENT_COS: {"region": "ap-beijing", "bucket": "mybucket123-1250000000"},
    Vendor.QINIU_KODO: {"region": "z0", "bucket": "my-recordings"},
    Vendor.ALIBABA_VOD: {
        "region": "cn-shanghai",
        "vod_title": "Lesson",
        "vod_storage_location": "outin-abc.oss-cn-shanghai.aliyuncs.com",
    },
    Vendor.TENCENT_VOD: {"region": "ap-beijing", "vod_sub_app_id": "1500000001"},
    Vendor.HUAWEI_OBS: {"region": "cn-north-4", "bucket": "my-recordings"},
    Vendor.GOOGLE_CLOUD_STORAGE: {"bucket": "my_recordings"},
    Vendor.CHINA_MOBILE_EOS: {"region": "eos-shanghai-1", "bucket": "my-recordings"},
    Vendor.S3_COMPATIBLE: {
        "endpoint": "https://lon1.digitaloceanspaces.com",
        "region": "lon1",
        "bucket": "my-recordings",
    },
}


def bound(vendor, instance=None, **fields):
    data = {
        "name": "p",
        "vendor": str(int(vendor)),
        "access_key_id": "AK",
        "secret": "SK-secret",
        "path_prefix": "rec",
        **VALID[vendor],
        **fields,
    }
    return StorageProfileForm(data, instance=instance or StorageProfile(), vendor=vendor)


@pytest.mark.parametrize("vendor", list(Vendor))
def test_each_vendor_accepts_its_documented_example(vendor):
    form = bound(vendor)
    assert form.is_valid(), form.errors
    profile = form.save()
    assert profile.vendor == vendor
    assert profile.secret == "SK-secret"


def test_it_shows_only_the_vendors_fields_with_where_to_find_them():
    gcs = StorageProfileForm(vendor=Vendor.GOOGLE_CLOUD_STORAGE)
    assert "region" not in gcs.fields
    assert "vod_title" not in gcs.fields
    assert gcs.fields["access_key_id"].label == "HMAC access key"
    assert "Interoperability" in gcs.fields["access_key_id"].help_text

    vod = StorageProfileForm(vendor=Vendor.ALIBABA_VOD)
    assert {"bucket", "endpoint", "path_prefix"}.isdisjoint(vod.fields)
    assert vod.fields["vod_storage_location"].required

    cos = StorageProfileForm(vendor=Vendor.TENCENT_COS)
    assert cos.fields["access_key_id"].label == "SecretId"
    assert "https://cos.<region>.myqcloud.com" in cos.fields["endpoint"].help_text
    assert not cos.fields["endpoint"].required
    assert StorageProfileForm(vendor=Vendor.S3_COMPATIBLE).fields["endpoint"].required


@pytest.mark.parametrize(
    ("vendor", "field", "value", "message"),
    [
        (Vendor.AMAZON_S3, "region", "US East", "An AWS region code looks like us-east-1"),
        (Vendor.AMAZON_S3, "region", "oss-cn-hangzhou", "Drop the oss- prefix"),
        (Vendor.ALIBABA_OSS, "region", "cn-hangzhou", "Add the oss- prefix: oss-cn-hangzhou."),
        (Vendor.TENCENT_COS, "region", "beijing", "A COS region looks like ap-beijing"),
        (
            Vendor.QINIU_KODO,
            "region",
            "east",
            "A Kodo region is z0, z1, z2, na0, as0 or cn-east-2.",
        ),
        (Vendor.HUAWEI_OBS, "region", "cn-north", "An OBS region looks like cn-north-4"),
        (Vendor.CHINA_MOBILE_EOS, "region", "shanghai", "An EOS region looks like eos-shanghai-1."),
        (Vendor.ALIBABA_VOD, "region", "oss-cn-shanghai", "Drop the oss- prefix"),
        (
            Vendor.AMAZON_S3,
            "bucket",
            "My_Bucket",
            "Use only lowercase letters, digits, dots and hyphens.",
        ),
        (Vendor.AMAZON_S3, "bucket", "ab", "A bucket name is 3 to 63 characters long."),
        (Vendor.AMAZON_S3, "bucket", "192.168.1.1", "may not look like an IP address"),
        (Vendor.AMAZON_S3, "bucket", "a..b", "Dots may not be next to each other"),
        (
            Vendor.ALIBABA_OSS,
            "bucket",
            "my.bucket",
            "lowercase letters, digits and hyphens (no dots",
        ),
        (Vendor.TENCENT_COS, "bucket", "mybucket", "A COS bucket name ends with your APPID"),
        (Vendor.GOOGLE_CLOUD_STORAGE, "bucket", "google-recs", "containing google"),
        (Vendor.S3_COMPATIBLE, "endpoint", "", "This field is required."),
        (Vendor.S3_COMPATIBLE, "endpoint", "ftp://x.example", "Use an http:// or https:// URL."),
        (
            Vendor.S3_COMPATIBLE,
            "endpoint",
            "https://x.example/my-bucket",
            "Give only the scheme and host",
        ),
        (Vendor.S3_COMPATIBLE, "endpoint", "https://ak:sk@x.example", "Leave keys out of the URL"),
        (Vendor.S3_COMPATIBLE, "region", "", "This field is required."),
        (Vendor.AMAZON_S3, "path_prefix", "a/../b", "“.” and “..” are not allowed"),
        (Vendor.AMAZON_S3, "path_prefix", "my folder", "no spaces"),
        (Vendor.AMAZON_S3, "secret", "", "Enter the secret access key"),
        (
            Vendor.ALIBABA_VOD,
            "vod_storage_location",
            "bucket.example.com",
            "ending in .aliyuncs.com",
        ),
        (Vendor.ALIBABA_VOD, "vod_title", "", "This field is required."),
        (Vendor.TENCENT_VOD, "vod_sub_app_id", "abc", "Enter a whole number."),
    ],
)
def test_bad_values_get_a_clear_field_error(vendor, field, value, message):
    form = bound(vendor, **{field: value})
    assert not form.is_valid()
    assert message in " ".join(form.errors[field]), form.errors


def test_a_path_prefix_too_long_once_its_slash_is_added_says_the_limit():
    form = bound(Vendor.AMAZON_S3, path_prefix="a" * 200)
    assert not form.is_valid()
    assert form.errors["path_prefix"] == [
        "Use at most 199 characters: a / is added at the end, and the folder may be 200 "
        "characters long with it (this one would be 201)."
    ]
    for fits in ("a" * 199, "a" * 199 + "/", "/" + "a" * 198 + "/"):
        form = bound(Vendor.AMAZON_S3, path_prefix=fits)
        assert form.is_valid(), form.errors
        assert len(form.cleaned_data["path_prefix"]) <= 200


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("", ""), ("/", ""), ("rec", "rec/"), ("/rec//2026/", "rec/2026/"), (" a/b ", "a/b/")],
)
def test_the_path_prefix_is_normalised(raw, normalised):
    assert normalise_prefix(raw) == normalised


def test_regions_are_lowercased_and_endpoints_trimmed_to_the_origin():
    form = bound(Vendor.AMAZON_S3, region="EU-Central-1", endpoint="http://127.0.0.1:8333/")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["region"] == "eu-central-1"
    assert form.cleaned_data["endpoint"] == "http://127.0.0.1:8333"


def test_vod_values_are_stored_in_extras_and_unused_fields_cleared():
    profile = StorageProfile.objects.create(
        name="p",
        vendor=Vendor.AMAZON_S3,
        region="us-east-1",
        bucket="b-1",
        endpoint="http://x.example",
        path_prefix="rec/",
        access_key_id="AK",
        secret="SK",
    )
    form = bound(Vendor.TENCENT_VOD, instance=profile, secret="")
    assert form.is_valid(), form.errors
    profile = form.save()
    assert profile.extras == {"SubAppId": 1500000001}
    assert (profile.bucket, profile.endpoint, profile.path_prefix) == ("", "", "")
    assert profile.secret == "SK"  # a blank secret keeps the stored one
