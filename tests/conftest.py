import pytest

pytest_plugins = ["tests.fixtures.seaweed", "tests.fixtures.personas", "tests.fixtures.emulator"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _forget_unwritten_zego_call_counts():
    """monitoring.callcounts keeps counts in memory for up to a second; one left over from a test
    would be written in the next one, for an app its rolled-back database no longer has."""
    from monitoring.callcounts import discard_unwritten_calls

    discard_unwritten_calls()
    yield
    discard_unwritten_calls()
