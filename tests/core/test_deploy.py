import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x9!k2#production-like-secret-key-that-is-long-and-random-0123456789",
    "FIELD_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi1maWVsZC1rZXktMzItYnl0ZXMtISE=",
    "ALLOWED_HOSTS": "recdesk.example.com",
    "SITE_URL": "https://recdesk.example.com",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_COOKIES": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "BEHIND_TLS_PROXY": "true",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


# Set by pyproject's pytest env for the test run; a production process has none of them.
TEST_ONLY_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "STATIC_MANIFEST",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in TEST_ONLY_VARIABLES}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_documented_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_is_off_by_default():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DEBUG"}
    result = run_manage(
        "shell", "-c", "from django.conf import settings; print(settings.DEBUG)", env=env
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr
