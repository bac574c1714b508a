"""The users section: search and filter accounts, grant or revoke the administrator role, disable or enable
an account."""

from __future__ import annotations

import reflex as rx

from khala.accounts.components import password_confirm_dialog
from khala.admin.components.common import search_form
from khala.admin.components.shell import pager, select, table
from khala.admin.state.users import UsersAdminState
from khala.ui import theme
from khala.ui.forms import form_error
from khala.ui.i18n import t as _
from khala.ui.i18n import tp
from khala.ui.widgets import badge


def _role_button(u: dict) -> rx.Component:
    is_admin = u["is_admin"] == "yes"
    return rx.cond(
        is_admin,
        rx.button(
            _("Revoke admin"),
            on_click=UsersAdminState.set_admin(u["id"], False),
            size="1",
            style=theme.secondary_button,
            disabled=u["is_me"] == "yes",
            aria_label=_("Revoke the administrator role of ") + u["email"],
        ),
        rx.button(
            _("Make admin"),
            on_click=UsersAdminState.set_admin(u["id"], True),
            size="1",
            style=theme.secondary_button,
            disabled=u["disabled"] == "yes",
            aria_label=_("Make ") + u["email"] + _(" an administrator"),
        ),
    )


def _standing_button(u: dict) -> rx.Component:
    s = UsersAdminState
    return rx.cond(
        u["disabled"] == "yes",
        rx.button(
            _("Enable"),
            on_click=s.enable(u["id"]),
            size="1",
            style=theme.secondary_button,
            aria_label=_("Enable the account of ") + u["email"],
        ),
        rx.cond(
            s.confirm_disable == u["id"],
            rx.hstack(
                rx.button(
                    _("Confirm disable"), on_click=s.disable(u["id"]), size="1", style=theme.danger_button
                ),
                rx.button(_("Keep"), on_click=s.ask_disable(""), size="1", style=theme.secondary_button),
                spacing="2",
            ),
            rx.button(
                _("Disable"),
                on_click=s.ask_disable(u["id"]),
                size="1",
                style=theme.secondary_button,
                disabled=u["is_me"] == "yes",
                aria_label=_("Disable the account of ") + u["email"],
            ),
        ),
    )


def _user_row(u: dict) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.text(u["display_name"], weight="medium"),
                rx.text(u["email"], size="1", color=theme.TEXT_MUTED),
                spacing="0",
            )
        ),
        rx.table.cell(
            rx.hstack(
                rx.cond(u["is_admin"] == "yes", badge(_("Admin"), tone="open")),
                rx.cond(u["disabled"] == "yes", badge(_("Disabled"), tone="soldout")),
                rx.cond(u["is_verified"] == "yes", rx.fragment(), badge(_("Unverified"), tone="few")),
                rx.cond(u["is_me"] == "yes", badge(_("You"), tone="muted")),
                spacing="1",
                wrap="wrap",
            )
        ),
        rx.table.cell(u["created"]),
        rx.table.cell(
            rx.hstack(_role_button(u), _standing_button(u), spacing="2", wrap="wrap"),
        ),
        data_testid="admin-user-row",
    )


def users_section() -> rx.Component:
    s = UsersAdminState
    return rx.vstack(
        search_form(
            s,
            _("Search users"),
            "admin-user-q",
            _("Name or e-mail"),
            rx.box(
                rx.el.label(_("Show"), html_for="admin-user-role", class_name="khala-sr"),
                select(
                    "role",
                    "admin-user-role",
                    [
                        ("", _("Everyone")),
                        ("admin", _("Administrators")),
                        ("disabled", tp("accounts", "Disabled")),
                        ("unverified", tp("accounts", "Unverified")),
                    ],
                ),
            ),
            name="query",
            min_width="min(12rem, 100%)",
        ),
        form_error(s.error),
        table(
            [_("Account"), _("Standing"), _("Joined"), ""],
            rx.table.body(rx.foreach(s.users, _user_row)),
            _("Accounts"),
        ),
        pager(s, "accounts"),
        rx.text(
            _(
                "A disabled account cannot sign in and its open sessions end at once; its registrations and "
                "history stay. The last administrator cannot be demoted or disabled."
            ),
            size="2",
            color=theme.TEXT_MUTED,
        ),
        password_confirm_dialog(s),  # granting admin asks for the password again
        spacing="4",
        width="100%",
        align="stretch",
    )
