from __future__ import annotations

import logging
import re

from django.views.debug import SafeExceptionReporterFilter

# Values that look like secrets in log lines: query parameters and key/value pairs.
_SECRET_PATTERN = re.compile(
    r"(?i)((?:signature|secret|password|access_?key_?secret|server_?secret|token|authorization)"
    r"[\"']?\s*[:=]\s*[\"']?)([^\s&\"',}]+)"
)


_SECRET_NAMES = re.compile(
    r"API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|ENCRYPTION", flags=re.IGNORECASE
)


def redact(text: str) -> str:
    return _SECRET_PATTERN.sub(r"\1[redacted]", text)


class RedactSecretsFilter(logging.Filter):
    """Last line of defence: scrub secret-looking values from every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class OmitClientErrorTracebacks(logging.Filter):
    """Django attaches the exception to the log line of every 4xx it raises (a refused
    permission, say): the line says enough, and the traceback only buries real errors.
    5xx lines keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = record.exc_text = None
        return True


class MinimumLevelFilter(logging.Filter):
    """Drops a logger's records below `level` even when code calls setLevel on that logger."""

    def __init__(self, level: str):
        super().__init__()
        self.level = logging.getLevelNamesMapping()[level]

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level


class SecretsExceptionReporterFilter(SafeExceptionReporterFilter):
    """Error reports (debug pages, error mails) hide any POST field or setting named like a secret."""

    hidden_settings = _SECRET_NAMES

    def get_post_parameters(self, request):
        parameters = super().get_post_parameters(request)
        if request is None:
            return parameters
        cleansed = parameters.copy()
        for key in cleansed:
            if _SECRET_NAMES.search(key):
                cleansed[key] = self.cleansed_substitute
        return cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        """Also hide locals named like a secret, and secret-named keys inside dicts and lists
        (StorageParams on their way to ZEGO, say), in frames not marked @sensitive_variables."""
        return [
            (name, self.cleanse_setting(name, value))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]
