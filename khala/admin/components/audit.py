"""The audit log: who did what to which object, and the fields that changed; filters by actor, action,
object and date."""

from __future__ import annotations

import reflex as rx

from khala.admin.components.shell import INPUT_STYLE, LABEL_STYLE, pager, table
from khala.admin.state.audit import OBJECT_LABELS, OBJECT_TYPES, AdminAuditState, AuditRowView, ChangeView
from khala.ui import theme
from khala.ui.forms import form_error
from khala.ui.i18n import t as _
from khala.ui.i18n import tp


def _change(c: ChangeView) -> rx.Component:
    return rx.text(
        rx.text.strong(c.field),
        ": ",
        rx.cond(
            c.before != "",
            rx.fragment(rx.el.del_(c.before, style={"color": theme.TEXT_MUTED}), " → "),
        ),
        c.after,
        size="1",
        style={"word_break": "break-word"},
    )


def _row(e: AuditRowView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(e.at, size="1", white_space="nowrap")),
        rx.table.cell(
            rx.vstack(
                rx.text(e.actor, size="2", style={"word_break": "break-all"}),
                rx.text(e.actor_kind, size="1", color=theme.TEXT_MUTED),
                spacing="0",
            )
        ),
        rx.table.row_header_cell(
            rx.vstack(
                rx.text(e.action_label, size="2", weight="medium"),
                rx.code(e.action, size="1", color=theme.TEXT_MUTED),
                spacing="0",
            )
        ),
        rx.table.cell(
            rx.vstack(
                rx.text(e.object_label, size="1", weight="medium"),
                rx.el.a(
                    rx.code(e.object_id[:8], size="1"),
                    href="/admin/audit?object_type=" + e.object_type + "&object_id=" + e.object_id,
                    title=_("Every entry about this object"),
                    style=theme.link_style,
                ),
                spacing="0",
            )
        ),
        rx.table.cell(
            rx.vstack(
                rx.foreach(e.changes, _change),
                rx.cond(e.data != "", rx.text(e.data, size="1", color=theme.TEXT_MUTED)),
                spacing="0",
                max_width="28rem",
            )
        ),
        data_testid="audit-row",
    )


def _field(label: str | rx.Var[str], control: rx.Component, id_: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=id_, style={**LABEL_STYLE, "font_size": "0.875rem"}),
        control,
        spacing="1",
        width="100%",
    )


def _filters() -> rx.Component:
    s = AdminAuditState
    return rx.form(
        rx.grid(
            _field(
                _("Actor"),
                rx.el.input(
                    id="audit-actor",
                    name="actor",
                    default_value=s.actor,
                    key="actor-" + s.actor,
                    placeholder=_("e-mail, key name, system"),
                    style=INPUT_STYLE,
                ),
                "audit-actor",
            ),
            _field(
                _("Action"),
                rx.el.select(
                    rx.el.option(_("Every action"), value=""),
                    rx.foreach(s.action_options, lambda a: rx.el.option(a.label, value=a.value)),
                    id="audit-action",
                    name="action",
                    default_value=s.action,
                    key="action-" + s.action,
                    style=INPUT_STYLE,
                ),
                "audit-action",
            ),
            _field(
                _("Object"),
                rx.el.select(
                    rx.el.option(_("Any object"), value=""),
                    *[rx.el.option(_(OBJECT_LABELS[kind]), value=kind) for kind in OBJECT_TYPES],
                    id="audit-object-type",
                    name="object_type",
                    default_value=s.object_type,
                    key="type-" + s.object_type,
                    style=INPUT_STYLE,
                ),
                "audit-object-type",
            ),
            _field(
                _("Object id"),
                rx.el.input(
                    id="audit-object-id",
                    name="object_id",
                    default_value=s.object_id,
                    key="id-" + s.object_id,
                    style=INPUT_STYLE,
                ),
                "audit-object-id",
            ),
            _field(
                _("From (UTC)"),
                rx.el.input(
                    id="audit-since",
                    name="since",
                    type="date",
                    default_value=s.since,
                    key="since-" + s.since,
                    style=INPUT_STYLE,
                ),
                "audit-since",
            ),
            _field(
                _("To (UTC)"),
                rx.el.input(
                    id="audit-until",
                    name="until",
                    type="date",
                    default_value=s.until,
                    key="until-" + s.until,
                    style=INPUT_STYLE,
                ),
                "audit-until",
            ),
            rx.hstack(
                rx.button(_("Filter"), type="submit", style=theme.primary_button),
                rx.button(_("Clear"), type="button", on_click=s.clear_filters, style=theme.secondary_button),
                spacing="2",
                align="end",
                height="100%",
            ),
            columns=rx.breakpoints(initial="1", sm="2", lg="4"),
            spacing="3",
            width="100%",
            align="end",
        ),
        on_submit=s.search,
        width="100%",
    )


def audit_section() -> rx.Component:
    s = AdminAuditState
    return rx.vstack(
        rx.heading(_("Audit log"), as_="h2", size="5"),
        _filters(),
        form_error(s.error),
        rx.cond(
            s.total > 0,
            table(
                [_("When (UTC)"), tp("audit", "Who"), _("Action"), _("Object"), _("Changes")],
                rx.table.body(rx.foreach(s.rows, _row)),
                _("Audit entries, newest first"),
            ),
            rx.text(_("No entries match."), color=theme.TEXT_MUTED, padding="1rem 0"),
        ),
        pager(s, "entries"),
        spacing="4",
        width="100%",
        align="stretch",
    )
