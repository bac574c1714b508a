"""The Reflex side every live hub shares (the catalogue's seat hub, the admin's door hub): the running app, to
push a delivery into a tab's state, and whether this process still holds a tab's websocket."""

from __future__ import annotations

import reflex as rx

_app_cache: list[rx.App] = []


def running_app() -> rx.App:
    """The running app, looked up once (``get_app`` prepends the cwd to ``sys.path`` on every call)."""
    if not _app_cache:
        from reflex.utils.prerequisites import get_app

        _app_cache.append(get_app().app)
    return _app_cache[0]


def still_connected(token: str) -> bool:
    """Whether this process still holds the tab's websocket (forget the tab once it is gone)."""
    try:
        manager = running_app().event_namespace._token_manager  # type: ignore[union-attr]
        record = manager.token_to_socket.get(token)
        return record is not None and record.instance_id == manager.instance_id
    except Exception:  # noqa: BLE001 - unknown internals: keep the tab, the hub's cost stays per event
        return True
