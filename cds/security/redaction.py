"""Defence in depth for logs: redact anything that looks like a bearer token or a JWT.

The rule is that access tokens (``fhirAuthorization.access_token``) and the client's JWT are
never logged at all; this filter is the net under that rule, for the log line nobody meant to
write (an exception message quoting a header, a debug dump of a request).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

REDACTED = "[REDACTED]"

_PATTERNS = [
    # "Authorization: Bearer <anything>" and bare "Bearer <token>"
    re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*"),
    # JWS/JWT compact serialization: base64url header starting with '{"' -> "eyJ"
    re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"),
    # access_token / refresh_token / id_token values in JSON, query strings or reprs
    re.compile(
        r"(?i)([\"']?(?:access_token|refresh_token|id_token|client_secret)[\"']?\s*[:=]\s*)"
        r"[\"']?[^\"'\s,&}]+[\"']?"
    ),
]


def redact(text: str) -> str:
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _PATTERNS[1].sub(REDACTED, text)
    return _PATTERNS[2].sub(lambda m: f"{m.group(1)}{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrites the record's message (args merged in) with secrets replaced; never drops it."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a broken format string: keep the template only
        message = str(record.msg)
    cleaned = redact(message)
    if cleaned != message or record.args:
        record.msg, record.args = cleaned, None


_lock = threading.Lock()


def install_log_redaction() -> None:
    """Redact every log record at creation, whichever logger or handler it goes to. Idempotent.

    A record factory (not a handler filter) is used because handlers are configured later by
    uvicorn or the test harness, and a logger filter does not see records of child loggers.
    """
    with _lock:
        previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()
        if getattr(previous, "_cds_redacting", False):
            return

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _redact_record(record)
            return record

        factory._cds_redacting = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(factory)
