"""The users section: search accounts, grant or revoke the administrator role."""

from __future__ import annotations

import reflex as rx

from khala.accounts.components import password_confirm_dialog
from khala.admin.components.shell import INPUT_STYLE, pager, table
from khala.admin.state.users import UsersAdminState
from khala.ui import theme
from khala.ui.forms import form_error
from khala.ui.widgets import badge


def _user_row(u: dict) -> rx.Component:
    is_admin = u["is_admin"] == "yes"
    return rx.table.row(
        rx.table.row_header_cell(u["display_name"]),
        rx.table.cell(u["email"]),
        rx.table.cell(rx.cond(u["is_verified"] == "yes", "Yes", "No")),
        rx.table.cell(rx.cond(is_admin, badge("Admin", "open"), "")),
        rx.table.cell(u["created"]),
        rx.table.cell(
            rx.cond(
                is_admin,
                rx.button(
                    "Revoke admin",
                    on_click=UsersAdminState.set_admin(u["id"], False),
                    size="1",
                    style=theme.secondary_button,
                ),
                rx.button(
                    "Make admin",
                    on_click=UsersAdminState.set_admin(u["id"], True),
                    size="1",
                    style=theme.secondary_button,
                ),
            )
        ),
    )


def users_section() -> rx.Component:
    s = UsersAdminState
    return rx.vstack(
        rx.form(
            rx.hstack(
                rx.el.label("Search users", html_for="admin-user-q", class_name="khala-sr"),
                rx.el.input(
                    id="admin-user-q",
                    name="query",
                    type="search",
                    placeholder="Name or e-mail",
                    default_value=s.query,
                    style={**INPUT_STYLE, "flex": "1"},
                ),
                rx.button("Search", type="submit", style=theme.secondary_button),
                spacing="3",
                width="100%",
            ),
            on_submit=s.search,
            width="100%",
        ),
        form_error(s.error),
        table(
            ["Name", "E-mail", "Verified", "Role", "Joined", ""],
            rx.table.body(rx.foreach(s.users, _user_row)),
            "Accounts",
        ),
        pager(s, "accounts"),
        password_confirm_dialog(s),  # granting admin asks for the password again
        spacing="4",
        width="100%",
        align="stretch",
    )
