import pytest


@pytest.fixture
def storage(seaweed_s3):
    """StorageParams for the session's SeaweedFS bucket (S3-compatible vendor 10)."""
    return {
        "Vendor": 10,
        "Region": "us-east-1",
        "Bucket": seaweed_s3.bucket,
        "AccessKeyId": seaweed_s3.access_key,
        "AccessKeySecret": seaweed_s3.secret_key,
        "EndPoint": seaweed_s3.endpoint,
    }
