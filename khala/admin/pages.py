"""/admin and its sections. Importing this module registers the pages; only ``khala.khala`` imports it.

Each page's on_load checks the visitor (anonymous → /login?next=…, other signed-in people → "Admins only")
and loads its section; the handlers behind every button check again.
"""

from __future__ import annotations

import reflex as rx

from khala.admin.components import (
    admin_gate,
    events_section,
    images_section,
    mail_section,
    overview,
    registrations_section,
    users_section,
    venues_section,
)
from khala.admin.components.api_keys import api_keys_section
from khala.admin.components.audit import audit_section
from khala.admin.components.checkin import checkin_section
from khala.admin.components.embed import embed_section
from khala.admin.components.system import system_section
from khala.admin.state import (
    AdminEventsState,
    AdminMailState,
    AdminOverviewState,
    AdminRegistrationsState,
    AdminVenuesState,
    ImageUploadState,
    UsersAdminState,
)
from khala.admin.state.api_keys import AdminApiKeysState
from khala.admin.state.audit import AdminAuditState
from khala.admin.state.checkin import ROUTE_ARG, AdminCheckinState
from khala.admin.state.embed import AdminEmbedState
from khala.admin.state.mail import AdminAnnounceState
from khala.admin.state.system import AdminSystemState
from khala.lib.i18n import N_
from khala.ui.layout import template

_NOINDEX = [{"name": "robots", "content": "noindex"}]


@template("/admin", N_("Admin"), on_load=AdminOverviewState.load, meta=_NOINDEX)
def admin_overview_page() -> rx.Component:
    return admin_gate(overview())


@template("/admin/events", N_("Admin · Events"), on_load=AdminEventsState.load, meta=_NOINDEX)
def admin_events_page() -> rx.Component:
    return admin_gate(events_section())


@template(
    "/admin/registrations", N_("Admin · Registrations"), on_load=AdminRegistrationsState.load, meta=_NOINDEX
)
def admin_registrations_page() -> rx.Component:
    return admin_gate(registrations_section())


@template(
    "/admin/mail", N_("Admin · Mail"), on_load=[AdminMailState.load, AdminAnnounceState.load], meta=_NOINDEX
)
def admin_mail_page() -> rx.Component:
    return admin_gate(mail_section())


@template("/admin/users", N_("Admin · Users"), on_load=UsersAdminState.load, meta=_NOINDEX)
def admin_users_page() -> rx.Component:
    return admin_gate(users_section())


@template("/admin/images", N_("Admin · Images"), on_load=ImageUploadState.load, meta=_NOINDEX)
def admin_images_page() -> rx.Component:
    return admin_gate(images_section())


@template("/admin/venues", N_("Admin · Venues and categories"), on_load=AdminVenuesState.load, meta=_NOINDEX)
def admin_venues_page() -> rx.Component:
    return admin_gate(venues_section())


@template("/admin/checkin", N_("Admin · Check-in"), on_load=AdminCheckinState.load, meta=_NOINDEX)
def admin_checkin_index_page() -> rx.Component:
    return admin_gate(checkin_section())


@template(
    f"/admin/checkin/[{ROUTE_ARG}]", N_("Admin · Check-in"), on_load=AdminCheckinState.load, meta=_NOINDEX
)
def admin_checkin_page() -> rx.Component:
    return admin_gate(checkin_section())


@template("/admin/audit", N_("Admin · Audit log"), on_load=AdminAuditState.load, meta=_NOINDEX)
def admin_audit_page() -> rx.Component:
    return admin_gate(audit_section())


@template("/admin/api-keys", N_("Admin · API keys"), on_load=AdminApiKeysState.load, meta=_NOINDEX)
def admin_api_keys_page() -> rx.Component:
    return admin_gate(api_keys_section())


@template("/admin/system", N_("Admin · System"), on_load=AdminSystemState.load, meta=_NOINDEX)
def admin_system_page() -> rx.Component:
    return admin_gate(system_section())


@template("/admin/embed", N_("Admin · Embed"), on_load=AdminEmbedState.load, meta=_NOINDEX)
def admin_embed_page() -> rx.Component:
    return admin_gate(embed_section())
