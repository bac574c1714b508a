"""The door's QR camera: a Reflex custom component around ``@yudiel/react-qr-scanner`` (MIT, maintained).

``qr_scanner.js`` (beside this file, shared as a Reflex asset) wraps the npm component: it passes the text of
each QR code read to ``on_code`` (the same code at most once per 4 s), reports problems (no camera, permission
refused) to ``on_problem``, and points the ZXing WebAssembly polyfill at its bundled ``.wasm`` so nothing is
fetched from another site. A ``NoSSRComponent``: the module is imported lazily, in the browser, only where
the component is rendered — the check-in page — so no other page carries its bytes.
"""

from __future__ import annotations

import reflex as rx

SCANNER_MODULE = rx.asset("qr_scanner.js", shared=True)


def _text(value: rx.Var) -> list[rx.Var]:
    return [value]


class TicketScanner(rx.NoSSRComponent):
    library = SCANNER_MODULE.importable_path
    tag = "TicketScanner"
    lib_dependencies: list[str] = ["@yudiel/react-qr-scanner@2.6.0", "zxing-wasm@3.1.3"]

    paused: rx.Var[bool]
    on_code: rx.EventHandler[_text]
    on_problem: rx.EventHandler[_text]


ticket_scanner = TicketScanner.create
