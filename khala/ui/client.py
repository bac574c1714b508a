"""Effects in the browser that a backend handler asks for — toasts, the event modal's history entry, focus moves,
the address bar, a same-origin form POST — run without ``eval``.

Reflex runs what a backend handler sends with ``rx.call_script`` (and ``rx.toast``, which is built on it) through
``eval`` in the browser, which a Content-Security-Policy can only allow with ``'unsafe-eval'``. Instead, every page
renders ``client_effects()`` (``client_effects.js``, compiled into the bundle) and a handler returns
``client.run(...)``: Reflex's built-in ``_set_value`` event hands a list of *commands* (plain data,
``{"kind": ..., ...}``) to that component, whose code knows each kind. Nothing the server sends is code.

The commands (see ``client_effects.js``): ``toast``, ``modal_push``, ``modal_back``, ``modal_title``, ``focus``,
``scroll_into_view``, ``replace_url``, ``html_lang``, ``post``.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from khala.ui.assets import shared_asset

_MODULE = shared_asset("client_effects.js", module=__name__, file=__file__)
REF = "khala_client"  # the component's id: Reflex registers its ref as refs["ref_khala_client"]


class ClientEffects(rx.Component):
    library = _MODULE.importable_path
    tag = "ClientEffects"


def client_effects() -> rx.Component:
    """Rendered once on every page (``ui.layout.page_shell``); renders nothing."""
    return ClientEffects.create(id=REF)


def command(kind: str, **args: Any) -> dict[str, Any]:
    return {"kind": kind, **args}


def run(*commands: dict[str, Any]) -> rx.event.EventSpec:
    """One event that runs ``commands`` in the browser, in order."""
    return rx.set_value(REF, list(commands))


def commands_of(spec: rx.event.EventSpec) -> list[dict[str, Any]]:
    """The commands an event from ``run`` carries (for tests and logs)."""
    for name, value in spec.args:
        if name._js_expr == "value":
            return list(value._var_value)
    return []


class _Toast:
    """``toast.success(message)`` / ``toast.error(message)`` from a backend handler (sonner, as ``rx.toast``)."""

    @staticmethod
    def success(message: str) -> rx.event.EventSpec:
        return run(command("toast", level="success", message=str(message)))

    @staticmethod
    def error(message: str) -> rx.event.EventSpec:
        return run(command("toast", level="error", message=str(message)))

    @staticmethod
    def info(message: str) -> rx.event.EventSpec:
        return run(command("toast", level="info", message=str(message)))


toast = _Toast()


def focus(*selectors: str, delay_ms: int = 0, prevent_scroll: bool = True) -> dict[str, Any]:
    """Focus the first element matching one of ``selectors`` (CSS), after ``delay_ms``."""
    return command("focus", selectors=list(selectors), delay=delay_ms, prevent_scroll=prevent_scroll)


def replace_url(url: str) -> dict[str, Any]:
    """Put ``url`` in the address bar without a navigation or a history entry."""
    return command("replace_url", url=url)


def post(action: str, fields: dict[str, str], *, forget_tab: bool = False) -> dict[str, Any]:
    """Leave the page with a same-origin form POST; ``forget_tab`` drops the tab's Reflex client token first."""
    return command("post", action=action, fields=dict(fields), forget_tab=forget_tab)
