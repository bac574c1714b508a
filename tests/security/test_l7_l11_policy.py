"""L7 (password policy) and L11 (mail content injection through the display name).

Before: 10 characters were enough and the "breached" list had 77 entries; anyone could sign up any address
with a display name such as "Your account is suspended, call +1 555 …" and Khala mailed it from its domain.
"""

from __future__ import annotations

import pytest

from khala.accounts import passwords, service
from khala.errors import InvalidInput
from khala.mail import service as mail
from tests.security.conftest import PASSWORD


def test_at_least_12_characters_and_a_real_breached_list() -> None:
    assert passwords.PASSWORD_MIN == 12 and len(passwords.COMMON_PASSWORDS) >= 30_000
    for weak in ("elevenchars", "baseball1234", "superman1234", "Password1234", "qwertyuiop12"):
        with pytest.raises(InvalidInput):
            passwords.validate_password(weak, "a@b.se")
    assert passwords.validate_password("correct horse battery staple", "a@b.se")


@pytest.mark.parametrize(
    "name",
    [
        "Your account is suspended - visit evil.example/login",
        "Call +1 555 0100 now",
        "see https://evil.example",
        "www.evil.example",
        "mail me at x@evil.example",
    ],
)
def test_display_names_carry_no_links_or_phone_numbers(name: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        service.validate_display_name(name)
    assert "display_name" in exc.value.errors


def test_mails_to_an_unproven_address_do_not_carry_the_name(db) -> None:
    service.sign_up("someone@example.com", "Totally Legit Support", PASSWORD, ip="10.80.0.1")
    html, text = mail.render("verify_email", {"verify_path": "/verify?token=x"})
    assert "Totally Legit" not in html + text
    from sqlmodel import select

    from khala.db import session_scope
    from khala.mail.models import OutboxMessage

    with session_scope() as s:
        (message,) = s.exec(
            select(OutboxMessage).where(OutboxMessage.recipient == "someone@example.com")
        ).all()
    assert "Totally Legit" not in message.text_body + message.html_body
    assert service.validate_display_name("Ada Lovelace-Byron") == "Ada Lovelace-Byron"
