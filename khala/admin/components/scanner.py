"""The door's QR camera: a Reflex custom component around ``@yudiel/react-qr-scanner`` (MIT, maintained).

``qr_scanner.js`` (beside this file, shared as a Reflex asset) wraps the npm component: it passes the text of
each QR code read to ``on_code`` (the same code at most once per 4 s), reports problems (no camera, permission
refused) to ``on_problem`` in the words of ``messages`` (compiled here with ``t``, both languages, so the
script carries no English of its own), and points the ZXing WebAssembly polyfill at its bundled ``.wasm`` so nothing is
fetched from another site. A ``NoSSRComponent``: the module is imported lazily, in the browser, only where
the component is rendered — the check-in page — so no other page carries its bytes.
"""

from __future__ import annotations

import reflex as rx

from khala.ui.assets import shared_asset
from khala.ui.i18n import t as _

SCANNER_MODULE = shared_asset("qr_scanner.js", module=__name__, file=__file__)


def _text(value: rx.Var) -> list[rx.Var]:
    return [value]


class TicketScanner(rx.NoSSRComponent):
    library = SCANNER_MODULE.importable_path
    tag = "TicketScanner"
    lib_dependencies: list[str] = ["@yudiel/react-qr-scanner@2.6.0", "zxing-wasm@3.1.3"]

    paused: rx.Var[bool]
    messages: rx.Var[dict[str, str]]
    on_code: rx.EventHandler[_text]
    on_problem: rx.EventHandler[_text]


def scanner_messages() -> dict[str, str | rx.Var[str]]:
    """What the camera says when it cannot scan, by the library's error kind (``failed``: any other error;
    ``failed_detail``: the same with the browser's own words in ``%(detail)s``)."""
    return {
        "permission-denied": _("The camera is not allowed: allow it for this site, or type the code."),
        "no-camera": _("No camera found on this device: type the code instead."),
        "in-use": _("The camera is in use by another app."),
        "insecure-context": _("The camera needs a secure (https) connection."),
        "unsupported": _("This browser cannot scan codes: type the code instead."),
        "blocked": _("The camera is blocked on this page; reload it to allow the camera."),
        "failed": _("The camera could not start."),
        "failed_detail": _("The camera could not start (%(detail)s)."),
    }


def ticket_scanner(**props) -> rx.Component:
    return TicketScanner.create(messages=scanner_messages(), **props)
