"""API keys: create (the secret shown once), list with last use, revoke."""

from __future__ import annotations

import reflex as rx

from khala.accounts.components import password_confirm_dialog
from khala.admin.components.shell import INPUT_STYLE, card, labelled, select, table
from khala.admin.state.api_keys import AdminApiKeysState, KeyRowView
from khala.ui import theme
from khala.ui.forms import field_error
from khala.ui.i18n import t as _
from khala.ui.widgets import badge


def _row(k: KeyRowView) -> rx.Component:
    s = AdminApiKeysState
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.text(k.name, weight="medium"), rx.code("khala_" + k.prefix + "_…", size="1"), spacing="1"
            )
        ),
        rx.table.cell(
            badge(
                rx.cond(k.scope == "write", _("Read + write"), _("Read")),
                rx.cond(k.scope == "write", "few", "open"),
            )
        ),
        rx.table.cell(
            rx.vstack(
                rx.text(k.created, size="2"),
                rx.text(k.created_by, size="1", color=theme.TEXT_MUTED),
                spacing="0",
            )
        ),
        rx.table.cell(k.last_used),
        rx.table.cell(
            rx.cond(
                k.revoked != "",
                rx.text(_("Revoked ") + k.revoked, size="2", color=theme.TEXT_MUTED),
                rx.cond(
                    s.confirm_revoke == k.id,
                    rx.hstack(
                        rx.button(
                            _("Confirm revoke"), on_click=s.revoke(k.id), size="1", style=theme.danger_button
                        ),
                        rx.button(
                            _("Keep"), on_click=s.ask_revoke(""), size="1", style=theme.secondary_button
                        ),
                        spacing="2",
                    ),
                    rx.button(
                        _("Revoke"),
                        on_click=s.ask_revoke(k.id),
                        size="1",
                        style=theme.secondary_button,
                        aria_label=_("Revoke the key ") + k.name,
                    ),
                ),
            )
        ),
        data_testid="api-key-row",
    )


def _secret() -> rx.Component:
    s = AdminApiKeysState
    return rx.cond(
        s.new_secret != "",
        rx.box(
            rx.heading(_("Copy the key for "), s.new_name, _(" now"), as_="h3", size="3"),
            rx.text(
                _(
                    "This is the only time it is shown; Khala keeps only its hash. Send it as "
                    "Authorization: Bearer <key>."
                ),
                size="2",
                margin_y="0.5rem",
            ),
            rx.hstack(
                rx.code(
                    s.new_secret,
                    size="2",
                    data_testid="api-key-secret",
                    style={"word_break": "break-all", "flex": "1"},
                ),
                rx.button(
                    rx.icon("copy", size=16, aria_hidden="true"),
                    _("Copy"),
                    on_click=[rx.set_clipboard(s.new_secret), rx.toast.success(_("Copied."))],
                    size="1",
                    style=theme.secondary_button,
                ),
                rx.button(_("Done"), on_click=s.dismiss_secret, size="1", style=theme.secondary_button),
                spacing="2",
                align="center",
                wrap="wrap",
                width="100%",
            ),
            role="status",
            style={
                "background": theme.SUCCESS_SOFT,
                "border": f"2px solid {theme.SUCCESS}",
                "border_radius": theme.RADIUS_LG,
                "padding": "1rem",
                "width": "100%",
            },
        ),
    )


def api_keys_section() -> rx.Component:
    s = AdminApiKeysState
    return rx.vstack(
        rx.heading(_("API keys"), as_="h2", size="5"),
        card(
            rx.heading(_("New key"), as_="h3", size="3", margin_bottom="0.5rem"),
            rx.form(
                rx.flex(
                    rx.box(
                        labelled(
                            _("Name"),
                            rx.el.input(
                                id="api-key-name",
                                name="name",
                                placeholder=_("Box office tablet"),
                                max_length=100,
                                style=INPUT_STYLE,
                            ),
                            "api-key-name",
                            s.errors,
                            "name",
                        ),
                        flex="2",
                        min_width="min(14rem, 100%)",
                    ),
                    rx.box(
                        labelled(
                            _("Scope"),
                            select(
                                "scope",
                                "api-key-scope",
                                [("read", _("Read")), ("write", _("Read and write"))],
                            ),
                            "api-key-scope",
                            s.errors,
                            "scope",
                        ),
                        flex="1",
                        min_width="10rem",
                    ),
                    rx.button(
                        _("Create key"),
                        type="submit",
                        style=theme.primary_button,
                        data_testid="api-key-create",
                    ),
                    gap="3",
                    align="end",
                    wrap="wrap",
                    width="100%",
                ),
                field_error(s.errors, "form"),
                on_submit=s.create,
                reset_on_submit=True,
                width="100%",
            ),
        ),
        _secret(),
        rx.cond(
            s.rows.length() > 0,
            table(
                [_("Key"), _("Scope"), _("Created"), _("Last used"), ""],
                rx.table.body(rx.foreach(s.rows, _row)),
                _("API keys, newest first"),
            ),
            rx.text(_("No API keys yet."), color=theme.TEXT_MUTED),
        ),
        rx.text(
            _(
                "Keys call the REST API (/api/v1/docs). Read keys list events and registrations; write keys "
                "also register attendees and check tickets in. A revoked key stops working at once."
            ),
            size="2",
            color=theme.TEXT_MUTED,
        ),
        password_confirm_dialog(s),
        spacing="4",
        width="100%",
        align="stretch",
    )
