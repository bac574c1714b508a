"""Small shared pieces of UI used by several domains."""

from __future__ import annotations

import reflex as rx

from khala.lib import first_image as first


def badge(text: rx.Var | str, tone: rx.Var | str) -> rx.Component:
    """A pill whose colours come from its tone (``soldout``, ``few``, ``open``, ``muted``; see GLOBAL_CSS)."""
    return rx.el.span(text, data_tone=tone, class_name="khala-badge")


FIRST_SRC = rx.Var(_js_expr=first.SRC_JS, _var_type=str)


def first_image() -> rx.Component:
    """The first screen's largest picture inside its skeleton, filled by the server's first HTML
    (``khala/lib/first_image.py``); without it the ``<img>`` has no ``src`` and shows nothing."""
    return rx.el.img(
        src=FIRST_SRC,
        alt="",
        custom_attrs={first.ATTR: ""},
        style={"width": "100%", "height": "100%", "object_fit": "cover", "display": "block"},
    )
