"""Passwords, login codes, mailed tokens and session cookies never reach a log line (L14).

Reflex logs whole events on some warning paths ("Event data: {...}" when data arrives as a string or before
its token is linked, and in deserialization errors), which would include a sign-in form's password. Instead
of filtering one logger (records of child loggers and tracebacks would slip past), ``install()`` wraps the
process's log record factory: every record's message, and its traceback if it has one, is redacted when it
is made, before any handler or formatter sees it. Plain Python; called once by the app (``khala.khala``).
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

REDACTED = "[redacted]"
# Development's captured mail prints its links on purpose (bodies are withheld in production).
UNREDACTED_LOGGERS = frozenset({"khala.mail.capture"})
# Field names that hold secrets: any *password*/*passphrase*/*secret*, and exactly token, code (login codes,
# mailed links), sig (signed media URLs) and api_key; "status_code" or "client_token=" style names are left be.
_SECRET_NAMES = r"(?:[a-z_]*pass(?:word|wd|phrase)[a-z_]*|[a-z_]*secret[a-z_]*|token|code|sig|api_key)"  # noqa: S105
# 'password': 'x', "new_password": "x", password=x (dict reprs, JSON, keyword arguments, form bodies)
_QUOTED = re.compile(
    r"""(?P<k>(['"])""" + _SECRET_NAMES + r"""\2\s*[:=]\s*)(?P<q>['"])(?P<v>(?:\\.|(?!(?P=q)).)*)(?P=q)""",
    re.IGNORECASE,
)
_BARE = re.compile(r"(?P<k>\b" + _SECRET_NAMES + r"=)(?P<v>[^&\s'\",;)]+)", re.IGNORECASE)
_COOKIE = re.compile(r"(?P<k>(?:__Host-)?khala_(?:session|device)=)(?P<v>[^;\s'\"]+)")


def redact(text: str) -> str:
    text = _QUOTED.sub(lambda m: f"{m.group('k')}{m.group('q')}{REDACTED}{m.group('q')}", text)
    text = _COOKIE.sub(lambda m: f"{m.group('k')}{REDACTED}", text)
    return _BARE.sub(lambda m: f"{m.group('k')}{REDACTED}", text)


_installed = False


def install() -> None:
    """Wrap the log record factory once per process (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.name in UNREDACTED_LOGGERS:
            return record
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is logging's business, not ours
            return record
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[0] is not None:
            text = "".join(traceback.format_exception(*record.exc_info))
            cleaned = redact(text)
            if cleaned != text:
                record.exc_info, record.exc_text = None, cleaned.rstrip("\n")
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
