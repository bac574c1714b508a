"""Process logging: JSON lines in production (python-json-logger), readable text otherwise.

Every record carries the id of the request it was written for (``request_id``; ``-`` outside a request), so
one request's lines can be found together; the middleware writes one line per request. Reflex's own
warnings that would quote raw event data of a form (a password, say) are withheld.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import Any

from khala.settings import Settings

request_id: ContextVar[str] = ContextVar("khala_request_id", default="-")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = ("asctime", "levelname", "name", "message", "request_id")


class RequestContext(logging.Filter):
    """Adds ``request_id`` to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class WithholdEventData(logging.Filter):
    """Reflex logs a whole event on some warning paths; a sign-in form's password must not reach the log."""

    MARKERS = ("form_data", "password")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("reflex"):
            try:
                text = record.getMessage()
            except Exception:  # noqa: BLE001 - a record that cannot format is not ours to fix
                return True
            if any(m in text for m in self.MARKERS):
                record.msg, record.args = "[Reflex event data withheld from the log]", ()
        return True


def wants_json(settings: Settings) -> bool:
    return settings.log_format == "json" or (settings.log_format == "auto" and settings.is_production)


def make_handler(settings: Settings, stream: Any = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestContext())
    handler.addFilter(WithholdEventData())
    if wants_json(settings):
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter(
                list(JSON_FIELDS),
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                datefmt="%Y-%m-%dT%H:%M:%S%z",
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    return handler


def configure(settings: Settings, *, level: int = logging.INFO) -> None:
    """Route every logger (ours, Reflex's, Granian's) through one handler on stderr."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(make_handler(settings))
    root.setLevel(level)
    for noisy in ("alembic.runtime.migration", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def granian_log_config() -> dict[str, Any]:
    """Granian's loggers propagate to the root handler instead of printing their own format."""
    return {
        "loggers": {
            "_granian": {"handlers": [], "level": "INFO", "propagate": True},
            "granian.access": {"handlers": [], "level": "WARNING", "propagate": True},
        }
    }
