"""Templates and configuration parsing (no database)."""

from __future__ import annotations

import pytest

from khala.errors import InvalidInput
from khala.mail import service as mail
from khala.mail.worker import SmtpConfig

FULL_CONTEXT = {
    "display_name": "Ann <script>alert(1)</script>",
    "verify_path": "/verify-email?token=t1",
    "reset_path": "/reset?token=t2",
    "confirm_path": "/confirm-email?token=t3",
    "new_email": "new@example.test",
    "event_title": "Summer & Sun",
    "package_name": "Standard",
    "starts_at": "Sat 1 June 2027, 18:00",
    "ticket_path": "/tickets/abc",
    "event_path": "/events/xyz",
}


# Sent to an address nobody has proven yet: they never carry the display name, which whoever signed up chose (L11).
UNPROVEN_ADDRESS = ("verify_email", "email_change")


@pytest.mark.parametrize("template", mail.TEMPLATES)
def test_every_template_renders_absolute_links_and_escapes(template):
    html, text = mail.render(template, FULL_CONTEXT, subject="Subject")
    assert "<script>" not in html
    if template in UNPROVEN_ADDRESS:
        assert "Ann" not in html and "Ann" not in text
    else:
        assert "&lt;script&gt;" in html
        assert "Ann <script>" in text  # plain text is not HTML-escaped
    assert "http://localhost:3000/" in text and 'href="http://localhost:3000/' in html
    assert 'href="/' not in html, "relative link in the HTML"
    for colour in ("#f26cf9", "#1c2346", "#f7f7f7"):
        assert colour in html


def test_missing_context_key_fails_loudly():
    with pytest.raises(Exception, match="verify_path"):
        mail.render("verify_email", {"display_name": "Ann"})


def test_unknown_template_is_invalid_input():
    with pytest.raises(InvalidInput):
        mail.render("nope", {})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.test", SmtpConfig("mail.example.test", 25)),
        (
            "smtp://u%40x:p%3Ass@mail.example.test:587?starttls=1",
            SmtpConfig("mail.example.test", 587, "u@x", "p:ss", starttls=True),
        ),
        ("smtps://u:p@mail.example.test", SmtpConfig("mail.example.test", 465, "u", "p", ssl=True)),
        ("smtp://h:2525?timeout=3", SmtpConfig("h", 2525, timeout=3.0)),
    ],
)
def test_smtp_url_parsing(url, expected):
    assert SmtpConfig.from_url(url) == expected


def test_smtp_url_rejects_other_schemes():
    with pytest.raises(ValueError, match="smtp"):
        SmtpConfig.from_url("http://mail.example.test")
