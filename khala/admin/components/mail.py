"""The mail section: write to ticket holders (previewed, then sent through the outbox); the outbox filtered by
status, template and recipient; a message's rendered view; retry a failed message."""

from __future__ import annotations

import reflex as rx

from khala.admin.components.common import filter_form
from khala.admin.components.shell import (
    INPUT_STYLE,
    MAIL_TONES,
    card,
    labelled,
    pager,
    select,
    table,
    tone,
)
from khala.admin.state.mail import TEMPLATE_LABELS, AdminAnnounceState, AdminMailState, MailRowView
from khala.ui import theme
from khala.ui.forms import field_error, form_error
from khala.ui.i18n import t as _
from khala.ui.i18n import tp
from khala.ui.widgets import badge


def mail_frame(html: rx.Var, title: str | rx.Var[str]) -> rx.Component:
    """A mail's HTML in a sandboxed frame: no scripts, no same-origin access, its styles kept to itself."""
    return rx.el.iframe(
        src_doc=html,
        sandbox="",
        title=title,
        referrer_policy="no-referrer",
        style={
            "width": "100%",
            "height": "min(70vh, 640px)",
            "border": f"1px solid {theme.BORDER}",
            "border_radius": theme.RADIUS,
            "background": theme.PANEL,
        },
    )


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
            rx.hstack(
                rx.button(
                    _("View"),
                    on_click=AdminMailState.view_message(m.id),
                    size="1",
                    style=theme.secondary_button,
                    aria_label=_("View the mail to ") + m.recipient,
                ),
                rx.cond(
                    m.status == "failed",
                    rx.button(
                        _("Retry"),
                        on_click=AdminMailState.retry(m.id),
                        size="1",
                        style=theme.secondary_button,
                        aria_label=_("Retry the mail to ") + m.recipient,
                    ),
                ),
                spacing="2",
            )
        ),
    )


def _message_dialog() -> rx.Component:
    s = AdminMailState
    m = s.shown

    def fact(label: str | rx.Var[str], value: rx.Var) -> rx.Component:
        return rx.cond(
            value != "",
            rx.hstack(
                rx.text(label, weight="bold", size="2", min_width="6rem"),
                rx.text(value, size="2", word_break="break-word"),
                spacing="2",
                align="start",
            ),
        )

    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(m.subject),
            rx.dialog.description(_("To ") + m.recipient, size="2", color=theme.TEXT_MUTED),
            rx.vstack(
                fact(_("Template"), m.template),
                fact(_("Status"), m.status),
                fact(_("Created"), m.created),
                fact(_("Sent"), m.sent),
                fact(_("Last error"), m.last_error),
                fact(_("Attachments"), m.attachments),
                spacing="1",
                margin_y="0.75rem",
                width="100%",
            ),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger(_("As sent"), value="html"),
                    rx.tabs.trigger(_("Plain text"), value="text"),
                ),
                rx.tabs.content(
                    rx.cond(
                        m.html != "",
                        mail_frame(m.html, _("The mail as sent")),
                        rx.text(_("No HTML part.")),
                    ),
                    value="html",
                    padding_top="0.75rem",
                ),
                rx.tabs.content(
                    rx.el.pre(
                        m.text,
                        style={
                            "white_space": "pre-wrap",
                            "word_break": "break-word",
                            "font_size": "0.875rem",
                            "background": theme.PANEL,
                            "padding": "0.75rem",
                            "border_radius": theme.RADIUS,
                            "max_height": "60vh",
                            "overflow": "auto",
                        },
                    ),
                    value="text",
                    padding_top="0.75rem",
                ),
                default_value="html",
            ),
            rx.text(
                _("One-time links (sign-in, password reset) are hidden here; the recipient's mail has them."),
                size="1",
                color=theme.TEXT_MUTED,
                margin_top="0.5rem",
            ),
            rx.hstack(
                rx.dialog.close(rx.button(_("Close"), on_click=s.close_view, style=theme.secondary_button)),
                justify="end",
                margin_top="0.75rem",
            ),
            max_width="760px",
            width="calc(100vw - 1.5rem)",
            data_testid="admin-mail-view",
        ),
        open=s.view_open,
        on_open_change=lambda _open: s.close_view(),
    )


def _announce() -> rx.Component:
    s = AdminAnnounceState
    write = rx.form(
        rx.vstack(
            rx.grid(
                labelled(
                    _("Event"),
                    select(
                        "event_id",
                        "announce-event",
                        s.event_options,
                        empty=_("Choose an event…"),
                        value=s.event_id,
                        on_change=s.choose_event,
                    ),
                    "announce-event",
                    s.errors,
                    "event_id",
                ),
                labelled(
                    tp("recipients", "Who"),
                    rx.el.select(
                        rx.el.option(_("Every ticket holder"), value=""),
                        rx.foreach(
                            s.package_options,
                            lambda o: rx.el.option(_("Holders of ") + o.label, value=o.value),
                        ),
                        name="package_id",
                        id="announce-package",
                        default_value=s.package_id,
                        style=INPUT_STYLE,
                    ),
                    "announce-package",
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            labelled(
                _("Subject"),
                rx.el.input(
                    name="subject",
                    id="announce-subject",
                    default_value=s.subject,
                    key=s.subject,
                    max_length=150,
                    style=INPUT_STYLE,
                ),
                "announce-subject",
                s.errors,
                "subject",
            ),
            labelled(
                _("Message"),
                rx.el.textarea(
                    name="body",
                    id="announce-body",
                    default_value=s.body,
                    key=s.subject + "-body",
                    rows=6,
                    max_length=5000,
                    placeholder=_(
                        "Doors open at 18:00. Bring your ticket (the QR code in your confirmation)."
                    ),
                    style={**INPUT_STYLE, "resize": "vertical"},
                ),
                "announce-body",
                s.errors,
                "body",
            ),
            field_error(s.errors, "form"),
            rx.hstack(
                rx.button(
                    _("Preview"), type="submit", style=theme.primary_button, data_testid="announce-preview"
                ),
                rx.cond(
                    s.sent_note != "", rx.text(s.sent_note, color=theme.SUCCESS, size="2", role="status")
                ),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=s.preview,
        width="100%",
    )
    preview = rx.vstack(
        rx.callout(
            rx.text(
                _("This goes to "),
                rx.text.strong(s.preview_people_label),
                ": ",
                s.preview_sample,
                ".",
            ),
            icon="users",
            color_scheme="blue",
            width="100%",
        ),
        mail_frame(s.preview_html, _("Preview of the announcement")),
        field_error(s.errors, "form"),
        rx.hstack(
            rx.button(_("Edit"), on_click=s.edit, style=theme.secondary_button),
            rx.button(
                rx.icon("send", size=16, aria_hidden="true"),
                _("Send to "),
                s.preview_people_label,
                on_click=s.send,
                style=theme.primary_button,
                data_testid="announce-send",
            ),
            spacing="3",
            justify="end",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )
    return card(
        rx.heading(_("Write to ticket holders"), as_="h2", size="4"),
        rx.text(
            _(
                "One mail to each confirmed ticket holder, sent through the outbox and noted in the audit log."
            ),
            size="2",
            color=theme.TEXT_MUTED,
            margin_bottom="0.75rem",
        ),
        rx.cond(s.previewing, preview, write),
        data_testid="announce-card",
    )


def mail_section() -> rx.Component:
    s = AdminMailState
    return rx.vstack(
        _announce(),
        rx.heading(_("Outbox"), as_="h2", size="4", margin_top="0.5rem"),
        filter_form(
            s,
            rx.box(
                rx.el.label(_("Status"), html_for="admin-mail-status", class_name="khala-sr"),
                select(
                    "status",
                    "admin-mail-status",
                    [
                        ("", _("All statuses")),
                        ("failed", tp("mail", "Failed")),
                        ("queued", tp("mail", "Queued")),
                        ("sending", tp("mail", "Sending")),
                        ("sent", tp("mail", "Sent")),
                        ("captured", _("Captured (no SMTP)")),
                    ],
                ),
            ),
            rx.box(
                rx.el.label(_("Kind"), html_for="admin-mail-template", class_name="khala-sr"),
                select(
                    "template",
                    "admin-mail-template",
                    [("", _("Every kind")), *[(k, _(v)) for k, v in TEMPLATE_LABELS.items()]],
                ),
            ),
            rx.box(
                rx.el.label(_("Recipient"), html_for="admin-mail-recipient", class_name="khala-sr"),
                rx.el.input(
                    id="admin-mail-recipient",
                    name="recipient",
                    type="search",
                    placeholder=_("Recipient contains…"),
                    style=INPUT_STYLE,
                ),
                flex="1",
                min_width="min(12rem, 100%)",
            ),
            rx.button(_("Filter"), type="submit", style=theme.secondary_button),
        ),
        form_error(s.error),
        rx.cond(
            s.total > 0,
            table(
                [
                    _("Recipient"),
                    _("Subject"),
                    _("Status"),
                    _("Attempts"),
                    _("Created"),
                    _("Sent / last error"),
                    "",
                ],
                rx.table.body(rx.foreach(s.rows, _mail_row)),
                _("Outbox messages, newest first"),
            ),
            rx.text(_("No mail matches."), color=theme.TEXT_MUTED, padding="1rem 0"),
        ),
        pager(s, "messages"),
        _message_dialog(),
        spacing="4",
        width="100%",
        align="stretch",
    )
