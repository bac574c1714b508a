"""What a person types about themselves, checked once: their e-mail address and the name others see."""

from __future__ import annotations

import re
import unicodedata

from khala.accounts import passwords
from khala.errors import InvalidInput
from khala.lib.i18n import gettext as _

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Display names are shown to others and put in mails: no links (scheme://, www., a bare domain name) and
# no phone numbers, so nobody can make us carry their call to action (L11).
_NAME_URL_RE = re.compile(
    r"[a-z][a-z0-9+.-]*://|\bwww\.|@|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:[a-z]{2,24})\b(?:/|\s|$)",
    re.IGNORECASE,
)
_NAME_DIGITS_RE = re.compile(r"\d")


def validate_email(raw: str) -> str:
    email = passwords.normalise_email(raw)
    if not email:
        raise InvalidInput({"email": _("Enter your e-mail address.")})
    if len(email) > 254 or not _EMAIL_RE.match(email):
        raise InvalidInput({"email": _("Enter a valid e-mail address, like name@example.com.")})
    return email


def validate_display_name(raw: str) -> str:
    name = " ".join(unicodedata.normalize("NFKC", raw or "").split())
    if not name:
        raise InvalidInput({"display_name": _("Enter the name others should see.")})
    if len(name) > 100:
        raise InvalidInput({"display_name": _("Use at most 100 characters.")})
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise InvalidInput({"display_name": _("The name contains characters we cannot show.")})
    if _NAME_URL_RE.search(name) or len(_NAME_DIGITS_RE.findall(name)) >= 5:
        raise InvalidInput(
            {"display_name": _("A name cannot contain links, e-mail addresses or phone numbers.")}
        )
    return name
