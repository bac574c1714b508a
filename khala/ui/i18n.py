"""The visitor's language in the Reflex app: the state that knows it, the words compiled into the pages, the switcher.

Pages are compiled once, so a component's words cannot be looked up per visitor at render time: ``t("Sign in")``
compiles both the English and the Swedish into the page and picks one by ``LanguageState.lang`` in the browser.
Words that state handlers make (toasts, messages, labels with numbers) are translated on the server with
``khala.lib.i18n.gettext``: ``LanguageMiddleware`` sets the language of every event from the tab's cookie or
``Accept-Language``, and ``asyncio.to_thread`` carries it into the services.

Choosing: the ``khala_lang`` cookie (the switcher, or the account's language at sign-in) wins, else the browser's
``Accept-Language``. The switcher is a same-origin form POST to ``/language`` (``khala.accounts.api``), which sets
the cookie, remembers the choice on the signed-in account and comes back to the same URL, so the new page — and its
websocket, whose headers carry the cookie — speak the new language. ``<html lang>`` follows on every page load.
"""

from __future__ import annotations

import re
from functools import reduce
from typing import Any

import reflex as rx
from reflex.middleware import Middleware

from khala.lib import i18n
from khala.ui import client

_SV = "sv"


def language_of(headers: Any) -> str:
    """The language of a tab from its router headers: our cookie, else Accept-Language."""
    cookie = getattr(headers, "cookie", "") or ""
    accept = getattr(headers, "accept_language", "") or ""
    return i18n.choose(cookie=i18n.cookie_value(cookie), accept_language=accept)


class LanguageState(rx.State):
    """The language this tab shows (``"en"``/``"sv"``)."""

    lang: str = i18n.DEFAULT_LANGUAGE

    @rx.event
    def detect(self):
        """on_load of every page (``ui.layout.template``): the tab's language, and ``<html lang>`` set to it."""
        self.lang = language_of(self.router.headers)
        return client.run(client.command("html_lang", lang=self.lang))

    @rx.event
    def switch(self, lang: str):
        """The switcher: POST /language (cookie + account), back to this very URL."""
        chosen = i18n.normalize(lang if isinstance(lang, str) else "") or i18n.DEFAULT_LANGUAGE
        here = self.router.url.path or "/"
        if self.router.url.query:
            here += "?" + self.router.url.query
        return client.run(client.post("/language", {"lang": chosen, "next": here}))


class LanguageMiddleware(Middleware):
    """Every Reflex event runs in the tab's language (so state messages and service errors come out in it)."""

    async def preprocess(self, app: Any, state: Any, event: Any) -> None:
        try:
            headers = state.router.headers
        except AttributeError:
            return None
        i18n.set_language(language_of(headers))
        return None


def is_swedish() -> rx.Var[bool]:
    return LanguageState.lang == _SV


def t(message: str) -> str | rx.Var[str]:
    """``message`` (an English literal, extracted by ``make messages``) in the tab's language."""
    swedish = i18n.gettext_in(_SV, message)
    if swedish == message:
        return message
    return rx.cond(is_swedish(), swedish, message)


def titled(message: str, suffix: str = "", *, prefix: str = "") -> str | rx.Var[str]:
    """``prefix + t(message) + suffix`` for props that want one text (a page's ``<title>``: "Kalender · Khala")."""
    swedish = i18n.gettext_in(_SV, message)
    if swedish == message:
        return prefix + message + suffix
    return rx.cond(is_swedish(), prefix + swedish + suffix, prefix + message + suffix)


def tp(context: str, message: str) -> str | rx.Var[str]:
    """``t`` with a context, for a word that means two things (``tp("dialog", "Cancel")``: abort, not unbook)."""
    swedish = i18n.translations(_SV).pgettext(context, message)
    if swedish == message:
        return message
    return rx.cond(is_swedish(), swedish, message)


def tn(singular: str, plural: str, n: int) -> str | rx.Var[str]:
    """A fixed-number plural compiled into the page (counts that change come from state: ``ngettext``)."""
    english = singular if n == 1 else plural
    swedish = i18n.translations(_SV).ngettext(singular, plural, n)
    if swedish == english:
        return english
    return rx.cond(is_swedish(), swedish, english)


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _joined(text: str, values: dict[str, Any]) -> str | rx.Var[str]:
    parts: list[Any] = []
    for i, piece in enumerate(_PLACEHOLDER.split(text)):
        if i % 2 == 0:
            if piece:
                parts.append(piece)
            continue
        value = values[piece]
        if isinstance(value, rx.Var) and value._var_type is not str:
            value = value.to_string()
        parts.append(value)
    if all(isinstance(p, str) for p in parts):
        return "".join(parts)
    return reduce(lambda a, b: a + b, [rx.Var.create(p) if isinstance(p, str) else p for p in parts])


def tf(template: str, **values: Any) -> str | rx.Var[str]:
    """A sentence with values in it, in the tab's language: ``tf(N_("Edit %(name)s"), name=row.name)``.

    ``template`` is an English msgid with ``%(name)s`` placeholders (mark it with ``N_`` so it is extracted);
    a value is a state var (filled in the browser) or a plain English word, translated as well (mark it
    with ``N_`` too). Both languages are compiled into the page, each with its own word order."""
    english = _joined(template, values)
    sv_values = {k: i18n.gettext_in("sv", v) if isinstance(v, str) else v for k, v in values.items()}
    swedish = _joined(i18n.gettext_in("sv", template), sv_values)
    if isinstance(english, str) and english == swedish:
        return english
    return rx.cond(is_swedish(), swedish, english)


def language_switcher() -> rx.Component:
    """Two links, each language named in itself; the current one is marked (aria-current)."""

    def option(lang: str) -> rx.Component:
        current = LanguageState.lang == lang
        return rx.el.button(
            i18n.NAMES[lang],
            type="button",
            lang=lang,
            on_click=LanguageState.switch(lang),
            aria_pressed=rx.cond(current, "true", "false"),
            class_name="khala-lang",
            style={
                "background": "none",
                "border": "none",
                "padding": "0.25rem 0.4rem",
                "cursor": "pointer",
                "font": "inherit",
                "color": "inherit",
                "text_decoration": rx.cond(current, "underline", "none"),
                "font_weight": rx.cond(current, "700", "400"),
            },
        )

    return rx.el.nav(
        *[option(lang) for lang in i18n.LANGUAGES],
        aria_label=t("Language"),
        style={"display": "flex", "gap": "0.25rem", "align_items": "center"},
    )
