"""storage_params_for: one profile -> the StartRecord StorageParams of spec §3.1.10, per vendor."""

import pytest

from storage_profiles.models import StorageProfile, Vendor
from storage_profiles.services import storage_params_for

KEYS = {"AccessKeyId": "AK", "AccessKeySecret": "SK"}


def profile(vendor, **fields) -> StorageProfile:
    values = {"access_key_id": "AK", "secret": "SK", "path_prefix": "rec/"} | fields
    return StorageProfile(name="p", vendor=vendor, **values)


@pytest.mark.parametrize(
    ("vendor", "region", "bucket"),
    [
        (Vendor.AMAZON_S3, "cn-north-1", "my-bucket"),
        (Vendor.ALIBABA_OSS, "oss-cn-hangzhou", "my-bucket"),
        (Vendor.TENCENT_COS, "ap-beijing", "mybucket123-1250000000"),
        (Vendor.QINIU_KODO, "z0", "my-bucket"),
        (Vendor.HUAWEI_OBS, "cn-north-4", "my-bucket"),
        (Vendor.CHINA_MOBILE_EOS, "eos-shanghai-1", "my-bucket"),
    ],
)
def test_object_storage_vendors_send_region_bucket_and_keys(vendor, region, bucket):
    params = storage_params_for(profile(vendor, region=region, bucket=bucket))
    assert params == {"Vendor": int(vendor), "Region": region, "Bucket": bucket, **KEYS}


def test_an_endpoint_override_is_not_sent_for_vendors_that_take_none():
    params = storage_params_for(
        profile(Vendor.AMAZON_S3, region="us-east-1", bucket="b-1", endpoint="http://127.0.0.1:1")
    )
    assert "EndPoint" not in params


def test_google_cloud_storage_sends_no_region():
    params = storage_params_for(profile(Vendor.GOOGLE_CLOUD_STORAGE, bucket="my-bucket"))
    assert params == {"Vendor": 8, "Bucket": "my-bucket", **KEYS}


def test_s3_compatible_sends_its_endpoint():
    params = storage_params_for(
        profile(
            Vendor.S3_COMPATIBLE,
            region="lon1",
            bucket="spaces-bucket",
            endpoint="https://lon1.digitaloceanspaces.com",
        )
    )
    assert params == {
        "Vendor": 10,
        "Region": "lon1",
        "Bucket": "spaces-bucket",
        "EndPoint": "https://lon1.digitaloceanspaces.com",
        **KEYS,
    }


def test_alibaba_vod_puts_everything_in_its_params_object():
    params = storage_params_for(
        profile(
            Vendor.ALIBABA_VOD,
            region="cn-shanghai",
            extras={"Title": "Class", "StorageLocation": "outin-1.oss-cn-shanghai.aliyuncs.com"},
        )
    )
    assert params == {
        "Vendor": 5,
        "Region": "",
        "Bucket": "",
        "AccessKeyId": "",
        "AccessKeySecret": "",
        "AlibabaCloudVodParams": {
            "Region": "cn-shanghai",
            "AccessKeyId": "AK",
            "AccessKeySecret": "SK",
            "Title": "Class",
            "StorageLocation": "outin-1.oss-cn-shanghai.aliyuncs.com",
        },
    }


def test_tencent_vod_sends_secret_id_key_region_and_sub_app_id():
    params = storage_params_for(
        profile(Vendor.TENCENT_VOD, region="ap-beijing", extras={"SubAppId": 1500000001})
    )
    assert params == {
        "Vendor": 6,
        "TencentCloudVodParams": {
            "SecretId": "AK",
            "SecretKey": "SK",
            "Region": "ap-beijing",
            "SubAppId": 1500000001,
        },
    }


def test_tencent_vod_leaves_sub_app_id_out_when_unset():
    params = storage_params_for(profile(Vendor.TENCENT_VOD, region="ap-beijing"))
    assert "SubAppId" not in params["TencentCloudVodParams"]


def test_every_vendor_carries_the_fields_zegos_client_requires():
    constants = pytest.importorskip("zego.constants")
    examples = {
        Vendor.AMAZON_S3: {"region": "us-east-1", "bucket": "b-1"},
        Vendor.ALIBABA_OSS: {"region": "oss-cn-hangzhou", "bucket": "b-1"},
        Vendor.TENCENT_COS: {"region": "ap-beijing", "bucket": "b-1250000000"},
        Vendor.QINIU_KODO: {"region": "z0", "bucket": "b-1"},
        Vendor.ALIBABA_VOD: {
            "region": "cn-shanghai",
            "extras": {"Title": "t", "StorageLocation": "x.oss-cn-shanghai.aliyuncs.com"},
        },
        Vendor.TENCENT_VOD: {"region": "ap-beijing"},
        Vendor.HUAWEI_OBS: {"region": "cn-north-4", "bucket": "b-1"},
        Vendor.GOOGLE_CLOUD_STORAGE: {"bucket": "b-1"},
        Vendor.CHINA_MOBILE_EOS: {"region": "eos-shanghai-1", "bucket": "b-1"},
        Vendor.S3_COMPATIBLE: {"region": "us-east-1", "bucket": "b-1", "endpoint": "https://s3.x"},
    }
    assert set(examples) == set(Vendor)
    for vendor, fields in examples.items():
        params = storage_params_for(profile(vendor, **fields))
        for key in constants.VENDOR_REQUIRED_FIELDS[vendor]:
            assert params.get(key), (vendor, key)
    alibaba = storage_params_for(profile(Vendor.ALIBABA_VOD, **examples[Vendor.ALIBABA_VOD]))
    for key in constants.ALIBABA_VOD_REQUIRED_FIELDS:
        assert alibaba["AlibabaCloudVodParams"][key], key
    tencent = storage_params_for(profile(Vendor.TENCENT_VOD, region="ap-beijing"))
    for key in constants.TENCENT_VOD_REQUIRED_FIELDS:
        assert tencent["TencentCloudVodParams"][key], key
