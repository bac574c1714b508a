"""Components of the admin dashboard, one module per section; ``shell`` holds the tabs, the access gate and
the pieces the sections share. What they show comes from ``khala.admin.state``; every handler behind a
button checks the caller again.
"""

from khala.admin.components.events import events_section
from khala.admin.components.images import images_section
from khala.admin.components.mail import mail_section
from khala.admin.components.overview import overview
from khala.admin.components.registrations import registrations_section
from khala.admin.components.shell import admin_gate
from khala.admin.components.users import users_section
from khala.admin.components.venues import venues_section

__all__ = [
    "admin_gate",
    "events_section",
    "images_section",
    "mail_section",
    "overview",
    "registrations_section",
    "users_section",
    "venues_section",
]
