"""State of the admin dashboard (/admin and its sections), one module per section on ``base.AdminState``.

UI only: every read and write goes through the domains' services, off the event loop. Importing this package
loads every section's state.
"""

from khala.admin.state.base import AdminState, Option, StatTile
from khala.admin.state.events import AdminEventsState, EventEditView, EventRowView, PackageRowView
from khala.admin.state.images import ImageUploadState
from khala.admin.state.mail import AdminMailState, MailRowView
from khala.admin.state.overview import AdminOverviewState
from khala.admin.state.registrations import AdminRegistrationsState, RegistrationRowView
from khala.admin.state.users import UsersAdminState
from khala.admin.state.venues import AdminVenuesState

__all__ = [
    "AdminEventsState",
    "AdminMailState",
    "AdminOverviewState",
    "AdminRegistrationsState",
    "AdminState",
    "AdminVenuesState",
    "EventEditView",
    "EventRowView",
    "ImageUploadState",
    "MailRowView",
    "Option",
    "PackageRowView",
    "RegistrationRowView",
    "StatTile",
    "UsersAdminState",
]
