"""Mail to a person about their account, in their language (``User.locale``, else the current language)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from khala.accounts.models import User
from khala.lib import i18n
from khala.mail import service as mail


def send(
    session: Session,
    user_or_email: User | str,
    template: str,
    subject: str,
    *,
    locale: str | None = None,
    **context: Any,
) -> None:
    """``subject`` is an English msgid (``N_``): it and the template go out in the recipient's language."""
    to = user_or_email if isinstance(user_or_email, str) else user_or_email.email
    if not isinstance(user_or_email, str):
        context.setdefault("display_name", user_or_email.display_name)
        locale = locale or user_or_email.locale
    with i18n.use_language(locale or i18n.get_language()) as lang:
        line = i18n.gettext(subject)
    mail.enqueue(session, to=to, subject=line, template=template, context=context, locale=lang)
