"""Helpers shared by the accounts tests (import as ``from accounts_helpers import ...``)."""

from __future__ import annotations

import re

from khala.accounts import sessions
from khala.mail import service as mail
from khala.mail.models import OutboxMessage

STRONG = "correct horse battery staple"


def delivered_text(message: OutboxMessage) -> str:
    """The text body as the recipient gets it (the outbox keeps links sealed; the worker unseals them)."""
    return mail.unseal(message.text_body)


def link_token(message: OutboxMessage, path: str) -> str:
    body = delivered_text(message)
    match = re.search(re.escape(path) + r"\?token=([A-Za-z0-9_\-]+)", body)
    assert match, f"no {path} link in: {body}"
    return match.group(1)


def sign_in(email: str, password: str = STRONG, *, ip: str = "10.0.0.1", user_agent: str = "pytest") -> str:
    """Full sign-in; returns the session token (the cookie value)."""
    code = sessions.authenticate(email, password, ip=ip)
    token, _user = sessions.complete_login(code, user_agent=user_agent, ip=ip)
    return token
