"""Structured logs: one JSON line per request, and nothing that identifies a patient.

The request line carries only what an operator needs to correlate with the EHR: hookInstance,
service id, HTTP status, duration, card count and card topics. Never patient ids, names, birth
dates, access tokens or clinical values (brief, "never log patient data"). That is also why the
``httpx`` / ``httpcore`` loggers are held at WARNING (their INFO lines print request URLs, and our
FHIR query URLs contain the patient id) and why uvicorn's access log is off (``cds.cli``).
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

REQUEST_LOGGER = "cds.request"
_QUIET = ("httpx", "httpcore", "uvicorn.access", "hpack", "alembic")
# Only these keys of a log record's ``extra`` are ever written (an allowlist, not a blocklist).
ALLOWED_FIELDS = (
    "method",
    "route",
    "status",
    "duration_ms",
    "hookInstance",
    "service",
    "cards",
    "topics",
    "skipped",
    "fetched",
    "feedback_items",
    "error",
    "reason",  # why a 401/403/503 was answered (a rule's message, never a token or a value)
    "where",
)


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", <allowed extra fields>}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ALLOWED_FIELDS:
            value = record.__dict__.get(key)
            if value is not None:
                out[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type only: a message or traceback could quote request data.
            out["exception"] = record.exc_info[0].__name__
        return orjson.dumps(out, default=str).decode()


def configure_logging(level: str = "INFO") -> None:
    """Install the JSON formatter on the root logger (idempotent) and quieten chatty loggers."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_cds_json", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._cds_json = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level.upper())
    # Our lines never show thread or process names: don't look them up for every record (the
    # logging HOWTO's "Optimization" section).
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    quiet_url_loggers()


def quiet_url_loggers() -> None:
    """httpx logs every request URL at INFO; ours contain patient ids, so keep them quiet."""
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


_request_logger = logging.getLogger(REQUEST_LOGGER)


def log_request(fields: dict[str, Any]) -> None:
    """The one line per request (fields restricted to ``ALLOWED_FIELDS`` by the formatter)."""
    status = int(fields.get("status", 0))
    level = logging.ERROR if status >= 500 else logging.INFO
    _request_logger.log(level, "request", extra=fields)
