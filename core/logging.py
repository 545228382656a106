from __future__ import annotations

import logging
import re

# Values that look like secrets in log lines: query parameters and key/value pairs.
_SECRET_PATTERN = re.compile(
    r"(?i)((?:signature|secret|password|access_?key_?secret|server_?secret|token|authorization)"
    r"[\"']?\s*[:=]\s*[\"']?)([^\s&\"',}]+)"
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
