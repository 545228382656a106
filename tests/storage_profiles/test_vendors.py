"""Per-vendor endpoints and the console's addressing choices."""

import pytest

from storage_profiles.models import StorageProfile, Vendor
from storage_profiles.s3 import NotS3Reachable, s3_target_for
from storage_profiles.vendors import SPECS


@pytest.mark.parametrize(
    ("vendor", "region", "endpoint", "signing_region", "path_style"),
    [
        (Vendor.AMAZON_S3, "eu-west-1", "https://s3.eu-west-1.amazonaws.com", "eu-west-1", False),
        (
            Vendor.ALIBABA_OSS,
            "oss-cn-hangzhou",
            "https://oss-cn-hangzhou.aliyuncs.com",
            "cn-hangzhou",
            False,
        ),
        (
            Vendor.TENCENT_COS,
            "ap-beijing",
            "https://cos.ap-beijing.myqcloud.com",
            "ap-beijing",
            False,
        ),
        (Vendor.QINIU_KODO, "z0", "https://s3.cn-east-1.qiniucs.com", "cn-east-1", False),
        (Vendor.QINIU_KODO, "na0", "https://s3.us-north-1.qiniucs.com", "us-north-1", False),
        (
            Vendor.HUAWEI_OBS,
            "cn-north-4",
            "https://obs.cn-north-4.myhuaweicloud.com",
            "cn-north-4",
            False,
        ),
        (Vendor.GOOGLE_CLOUD_STORAGE, "", "https://storage.googleapis.com", "auto", False),
        (
            Vendor.CHINA_MOBILE_EOS,
            "eos-shanghai-1",
            "https://eos-shanghai-1.cmecloud.cn",
            "eos-shanghai-1",
            False,
        ),
    ],
)
def test_endpoints_are_derived_from_the_region(
    vendor, region, endpoint, signing_region, path_style
):
    target = s3_target_for(StorageProfile(vendor=vendor, region=region, bucket="b-1"))
    assert (target.endpoint, target.region, target.path_style) == (
        endpoint,
        signing_region,
        path_style,
    )


@pytest.mark.parametrize("vendor", [v for v in Vendor if v not in (5, 6)])
def test_an_explicit_endpoint_always_wins(vendor):
    profile = StorageProfile(vendor=vendor, region="whatever", endpoint="http://127.0.0.1:8333/")
    target = s3_target_for(profile)
    assert target.endpoint == "http://127.0.0.1:8333"
    assert target.path_style  # a local server has no per-bucket host names


def test_s3_compatible_uses_path_style_addressing():
    profile = StorageProfile(
        vendor=Vendor.S3_COMPATIBLE, endpoint="https://lon1.digitaloceanspaces.com"
    )
    assert s3_target_for(profile).path_style


def test_s3_compatible_without_an_endpoint_is_not_reachable():
    with pytest.raises(NotS3Reachable, match="No endpoint"):
        s3_target_for(StorageProfile(vendor=Vendor.S3_COMPATIBLE, region="us-east-1"))


def test_every_vendor_has_a_spec_with_help_for_each_field():
    assert set(SPECS) == set(Vendor)
    for spec in SPECS.values():
        assert set(spec.required) <= set(spec.fields)
        for name in spec.fields:
            assert spec.text[name].help, (spec.vendor, name)
