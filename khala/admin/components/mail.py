"""The mail section: the outbox, filtered by status and recipient; retry a failed message."""

from __future__ import annotations

import reflex as rx

from khala.admin.components.shell import INPUT_STYLE, MAIL_TONES, pager, select, table, tone
from khala.admin.state.mail import AdminMailState, MailRowView
from khala.ui import theme
from khala.ui.forms import form_error
from khala.ui.widgets import badge


def _mail_row(m: MailRowView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(m.recipient),
        rx.table.cell(
            rx.vstack(rx.text(m.subject), rx.text(m.template, size="1", color=theme.TEXT_MUTED), spacing="0")
        ),
        rx.table.cell(badge(m.status_label, tone(m.status, MAIL_TONES))),
        rx.table.cell(m.attempts),
        rx.table.cell(m.created),
        rx.table.cell(rx.cond(m.sent != "", m.sent, m.last_error)),
        rx.table.cell(
            rx.cond(
                m.status == "failed",
                rx.button(
                    "Retry",
                    on_click=AdminMailState.retry(m.id),
                    size="1",
                    style=theme.secondary_button,
                    aria_label="Retry the mail to " + m.recipient,
                ),
            )
        ),
    )


def mail_section() -> rx.Component:
    s = AdminMailState
    return rx.vstack(
        rx.form(
            rx.hstack(
                rx.box(
                    rx.el.label("Status", html_for="admin-mail-status", class_name="khala-sr"),
                    select(
                        "status",
                        "admin-mail-status",
                        [
                            ("", "All statuses"),
                            ("failed", "Failed"),
                            ("queued", "Queued"),
                            ("sending", "Sending"),
                            ("sent", "Sent"),
                            ("captured", "Captured (no SMTP)"),
                        ],
                    ),
                ),
                rx.box(
                    rx.el.label("Recipient", html_for="admin-mail-recipient", class_name="khala-sr"),
                    rx.el.input(
                        id="admin-mail-recipient",
                        name="recipient",
                        type="search",
                        placeholder="Recipient contains…",
                        style=INPUT_STYLE,
                    ),
                    flex="1",
                    min_width="12rem",
                ),
                rx.button("Filter", type="submit", style=theme.secondary_button),
                spacing="3",
                align="center",
                wrap="wrap",
                width="100%",
            ),
            on_submit=s.search,
            width="100%",
        ),
        form_error(s.error),
        rx.cond(
            s.total > 0,
            table(
                ["Recipient", "Subject", "Status", "Attempts", "Created", "Sent / last error", ""],
                rx.table.body(rx.foreach(s.rows, _mail_row)),
                "Outbox messages, newest first",
            ),
            rx.text("No mail matches.", color=theme.TEXT_MUTED, padding="1rem 0"),
        ),
        pager(s, "messages"),
        spacing="4",
        width="100%",
        align="stretch",
    )
