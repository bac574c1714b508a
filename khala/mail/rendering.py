"""Turning an outbox row into the mail it stands for: the templates, and the renderers of deferred mail.

Most mail is rendered when it is queued (``mail.enqueue``). A domain whose mail is expensive to build — the ticket
confirmation with its QR code and calendar file — queues it with ``mail.enqueue_later``: the row then holds only a
renderer's name and its arguments, and ``materialize`` builds the bodies and attachments when the worker sends it
(or the admin looks at it). Renderers are connected in ``khala/wiring.py``; mail imports no other domain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup
from sqlmodel import Session

from khala.db import get_engine, session_scope
from khala.errors import InvalidInput
from khala.lib import i18n
from khala.mail.models import Attachment, OutboxMessage
from khala.settings import get_settings

TEMPLATES_DIR = Path(__file__).with_name("templates")
TEMPLATES = (
    "verify_email",
    "password_reset",
    "account_exists",
    "email_change",
    "email_changed",
    "password_changed",
    "registration_confirmed",
    "registration_cancelled",
    "waitlist_joined",
    "waitlist_promoted",
    "announcement",
)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=False,
        extensions=["jinja2.ext.i18n"],
    )
    # {% trans %} / _() / ngettext() in the templates speak the current language (khala.lib.i18n), which the
    # sender sets to the recipient's around the render. New-style: _("Hi %(name)s", name=n) formats and escapes.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext, npgettext=i18n.npgettext
    )
    env.policies["ext.i18n.trimmed"] = True
    return env


def absolute_url(path: str) -> str:
    """An absolute link on this site, built from KHALA_PUBLIC_URL."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{get_settings().public_url}/{path.lstrip('/')}"


def _site_link(href: str, text: str) -> Markup:
    return Markup('<a href="%s" style="color:#37437d;">%s</a>') % (href, text)


def render(template: str, context: dict[str, Any], *, subject: str = "") -> tuple[str, str]:
    """Render ``template`` to ``(html, text)``."""
    if template not in TEMPLATES and not (TEMPLATES_DIR / f"{template}.html").is_file():
        raise InvalidInput({"template": f"unknown mail template {template!r}"})
    settings = get_settings()
    host = urlsplit(settings.public_url).netloc
    ctx = {
        **context,
        "public_url": settings.public_url,
        "public_host": host,
        "url": absolute_url,
        "subject": subject,
        "lang": i18n.get_language(),
        # the site's address as a link, for sentences that name it ("… an action on %(site)s.")
        "link": _site_link(settings.public_url, host),
        "home_link": _site_link(absolute_url("/"), host),
    }
    env = _environment()
    html = env.get_template(f"{template}.html").render(ctx)
    text = env.get_template(f"{template}.txt").render(ctx)
    return html, text.strip() + "\n"


# ---------------------------------------------------------------- deferred mail


class NothingToSend(Exception):
    """A deferred mail's subject is gone (its registration was deleted): there is nothing left to say."""


@dataclass(frozen=True)
class Rendered:
    """What a renderer gives back: the template's context and the files to attach."""

    context: dict[str, Any]
    attachments: list[Attachment] = field(default_factory=list)
    # The recipient's language as the renderer found it (their account's) and the subject in it; None keeps
    # the language and the subject recorded when the mail was queued.
    locale: str | None = None
    subject: str | None = None


# name -> renderer(session, args) -> Rendered; connected by khala/wiring.py.
renderers: dict[str, Callable[[Session, dict[str, Any]], Rendered]] = {}


def materialize(message: OutboxMessage, *, session: Session | None = None) -> OutboxMessage:
    """The row with its bodies and attachments: itself when they were rendered at enqueue, else a detached copy
    rendered now (the stored row is never changed, so no ticket or link is written back)."""
    if not message.deferred:
        return message
    renderer = renderers.get(message.deferred.get("renderer", ""))
    if renderer is None:
        raise NothingToSend(f"no mail renderer {message.deferred.get('renderer')!r} is connected")
    # In the recipient's language: the one recorded when the mail was queued (``mail.enqueue_later``), unless
    # the renderer found the recipient's own (their account's, as it is now).
    with i18n.use_language(message.deferred.get("locale")):
        if session is None:
            with session_scope(get_engine()) as own:
                made = renderer(own, dict(message.deferred.get("args") or {}))
        else:
            made = renderer(session, dict(message.deferred.get("args") or {}))
    subject = made.subject or message.subject
    with i18n.use_language(made.locale or message.deferred.get("locale")):
        html, text = render(message.template, made.context, subject=subject)
    copy = OutboxMessage(**{column: getattr(message, column) for column in OutboxMessage.model_fields})
    copy.subject = subject
    copy.html_body, copy.text_body = html, text
    copy.attachments = [a.to_json() for a in made.attachments]
    return copy
