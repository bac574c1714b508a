"""Our own words in the visitor's language: gettext catalogs, the current language, and choosing it.

The catalogs live in ``khala/locale/<lang>/LC_MESSAGES/messages.po`` (the source, edited by people) and are
compiled to ``messages.mo`` by ``make messages`` (extract → update → compile; ``make run``/``make test`` compile).
A catalog whose ``.mo`` is missing or older than its ``.po`` — a fresh clone, an edited translation — is
compiled in memory when first used, so the app never silently falls back to English.

The language of the work in hand is a context variable: a Reflex event, an HTTP request or the mail worker sets it
(``use_language``) and everything below — services' messages, money and dates — reads it. ``asyncio.to_thread``
copies it into the worker thread. Event titles and descriptions are the organizer's text: never passed through here.
"""

from __future__ import annotations

import gettext as _gettext
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
LANGUAGES: tuple[str, ...] = ("en", "sv")
DEFAULT_LANGUAGE = "en"
NAMES: dict[str, str] = {"en": "English", "sv": "Svenska"}  # each in its own language, for the switcher
# Babel/CLDR locale for formatting: Swedish as written in Sweden; English with CLDR "en" data (SEK 1,250, 7:30 PM).
BABEL_LOCALES: dict[str, str] = {"en": "en", "sv": "sv_SE"}
COOKIE = "khala_lang"

_current: ContextVar[str] = ContextVar("khala_language", default=DEFAULT_LANGUAGE)


def normalize(lang: str | None) -> str | None:
    """``"sv-SE"``/``"sv_se"``/``"SV"`` → ``"sv"``; a language we do not speak → None."""
    code = re.split(r"[-_]", (lang or "").strip().lower(), maxsplit=1)[0]
    return code if code in LANGUAGES else None


def negotiate(accept_language: str | None) -> str:
    """The best of our languages for an ``Accept-Language`` header (q-values honoured), else the default."""
    best: tuple[float, int, str] | None = None
    for index, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        lang = normalize(tag)
        if lang is None:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0 and (best is None or (q, -index) > (best[0], best[1])):
            best = (q, -index, lang)
    return best[2] if best else DEFAULT_LANGUAGE


def choose(
    *, cookie: str | None = None, account: str | None = None, accept_language: str | None = None
) -> str:
    """The language to use: the visitor's explicit choice (cookie), their account's, else their browser's."""
    return normalize(cookie) or normalize(account) or negotiate(accept_language)


def cookie_value(cookie_header: str | None) -> str | None:
    """Our language cookie's value from a ``Cookie`` header (None when absent)."""
    for part in (cookie_header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE:
            return normalize(value)
    return None


def get_language() -> str:
    return _current.get()


def babel_locale(lang: str | None = None) -> str:
    """The Babel/CLDR locale name for ``lang`` (default: the current language)."""
    return BABEL_LOCALES.get(normalize(lang) or get_language(), BABEL_LOCALES[DEFAULT_LANGUAGE])


@contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """Everything inside speaks ``lang`` (a language we do not have → the default)."""
    chosen = normalize(lang) or DEFAULT_LANGUAGE
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def set_language(lang: str | None) -> str:
    """Set the current language for the rest of this context (a Reflex event, a request); returns it."""
    chosen = normalize(lang) or DEFAULT_LANGUAGE
    _current.set(chosen)
    return chosen


# ---------------------------------------------------------------- catalogs


def _compile_po(po: Path) -> _gettext.GNUTranslations:
    # Babel is only needed here (a .mo missing or stale); imported late so a compiled tree loads without it.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalog = read_po(f, locale=po.parent.parent.name)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


@lru_cache(maxsize=len(LANGUAGES) + 1)
def translations(lang: str) -> _gettext.NullTranslations:
    """The catalog of ``lang`` (the English msgids themselves when there is none)."""
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as f:
            return _gettext.GNUTranslations(f)
    if po.is_file():
        return _compile_po(po)
    return _gettext.NullTranslations()


def reload() -> None:
    """Forget the loaded catalogs (after ``make messages`` in a running process, and in tests)."""
    translations.cache_clear()


def _t() -> _gettext.NullTranslations:
    return translations(get_language())


def gettext(message: str) -> str:
    return _t().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """``ngettext("%(n)d seat left", "%(n)d seats left", n) % {"n": n}`` — the language's plural rule picks."""
    return _t().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _t().pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return _t().npgettext(context, singular, plural, n)


def gettext_in(lang: str, message: str) -> str:
    """``message`` in ``lang`` whatever the current language (the UI compiles both into the page)."""
    return translations(normalize(lang) or DEFAULT_LANGUAGE).gettext(message)


def N_(message: str) -> str:
    return message


_ = gettext


def asgi_middleware(app: Any) -> Any:
    """ASGI wrapper: every HTTP request runs in its language (our cookie, else ``Accept-Language``), so the
    REST API's messages, the feeds and the mails a request queues (a box-office sale) speak it."""

    async def with_language(scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or ()}
        lang = choose(
            cookie=cookie_value(headers.get("cookie")), accept_language=headers.get("accept-language")
        )
        token = _current.set(lang)
        try:
            await app(scope, receive, send)
        finally:
            _current.reset(token)

    return with_language
