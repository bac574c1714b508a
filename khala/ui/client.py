"""Effects in the browser that a backend handler asks for (toasts, history entries, focus moves), run without
``eval``. (Work in progress: for now a pass-through to Reflex's own helpers.)"""

from __future__ import annotations

from typing import Any

import reflex as rx


class _Toast:
    """``toast.success(message)`` / ``toast.error(message)`` from a backend handler."""

    @staticmethod
    def success(message: str, **props: Any) -> rx.event.EventSpec:
        return rx.toast.success(message, **props)

    @staticmethod
    def error(message: str, **props: Any) -> rx.event.EventSpec:
        return rx.toast.error(message, **props)


toast = _Toast()
