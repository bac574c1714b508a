"""The package editor of the managed event: one card per package (seats, price, sales window, perks) with
its actions (edit, move up/down, close sales, remove), the edit form in place, and the "add a package" form.
Cards rather than a table, so the editor reads the same on a phone."""

from __future__ import annotations

import reflex as rx

from khala.admin.components.common import confirm_buttons, local_time_field, prefill
from khala.admin.components.shell import INPUT_STYLE, form_message, grid, labelled
from khala.admin.state.events import AdminEventsState
from khala.admin.state.packages import PackageRowView
from khala.lib import money
from khala.lib.i18n import N_
from khala.ui import theme
from khala.ui.forms import field, form_error
from khala.ui.i18n import t, tf, tp
from khala.ui.widgets import badge

SALES_TONES = {"open": "open", "not_yet": "few", "closed": "muted", "event_past": "muted"}
DANGER_BUTTON = {**theme.secondary_button, "color": theme.DANGER}


def package_fields(prefix: str, e: rx.Var, values: rx.Var | None = None) -> list[rx.Component]:
    """The package form's fields; ``prefix`` keeps ids unique, ``values`` pre-fills them (editing)."""

    def local_time(label: str, name: str, id_: str) -> rx.Component:
        return local_time_field(label, name, id_, e, prefill(values, name))

    return [
        grid(
            field(
                t("Package title"),
                "title",
                errors=e,
                id_=f"{prefix}-title",
                max_length=100,
                default_value=prefill(values, "title"),
            ),
            field(
                t("Price"),
                "price",
                errors=e,
                id_=f"{prefix}-price",
                required=False,
                hint=t("In whole units, e.g. 250 or 249.50; empty = free."),
                default_value=prefill(values, "price"),
            ),
            field(
                t("Currency"),
                "currency",
                errors=e,
                id_=f"{prefix}-currency",
                default_value=prefill(values, "currency", money.default_currency()),
                max_length=3,
            ),
            field(
                t("Capacity"),
                "capacity",
                errors=e,
                id_=f"{prefix}-capacity",
                required=False,
                hint=t("Seats in this package; empty = unlimited. Never below the seats taken."),
                default_value=prefill(values, "capacity"),
            ),
            field(
                t("Max seats per registration"),
                "max_per_registration",
                errors=e,
                id_=f"{prefix}-max",
                default_value=prefill(values, "max_per_registration", "10"),
            ),
            field(
                t("Description"),
                "description",
                errors=e,
                id_=f"{prefix}-description",
                required=False,
                max_length=300,
                default_value=prefill(values, "description"),
            ),
            local_time(t("Sales open (event's time zone; empty = now)"), "sales_opens_at", f"{prefix}-opens"),
            local_time(
                t("Sales close (empty = when the event starts)"), "sales_closes_at", f"{prefix}-closes"
            ),
        ),
        labelled(
            t("Perks (one per line)"),
            rx.el.textarea(
                id=f"{prefix}-perks",
                name="perks",
                rows=3,
                default_value=prefill(values, "perks"),
                aria_describedby=f"{prefix}-perks-error",
                style=INPUT_STYLE,
            ),
            f"{prefix}-perks",
            e,
            "perks",
        ),
    ]


def _edit_form() -> rx.Component:
    s = AdminEventsState
    e = s.package_edit_errors
    return rx.form(
        rx.vstack(
            form_error(form_message(e)),
            *package_fields("package-edit", e, s.package_values),
            rx.hstack(
                rx.button(
                    t("Save package"),
                    type="submit",
                    style=theme.primary_button,
                    data_testid="admin-save-package",
                ),
                rx.button(
                    tp("dialog", "Cancel"),
                    type="button",
                    on_click=s.cancel_package_edit,
                    style=theme.secondary_button,
                ),
                spacing="3",
                wrap="wrap",
            ),
            spacing="3",
            width="100%",
            align="stretch",
        ),
        on_submit=s.save_package,
        key=s.package_edit_key.to_string(),
        width="100%",
        margin_top="0.75rem",
    )


def _remove_dialog(p: PackageRowView) -> rx.Component:
    s = AdminEventsState
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                rx.icon("trash-2", size=14, aria_hidden="true"),
                t("Remove"),
                type="button",
                size="1",
                style=DANGER_BUTTON,
                aria_label=tf(N_("Remove %(title)s"), title=p.title),
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(tf(N_("Remove “%(title)s”?"), title=p.title)),
            rx.alert_dialog.description(
                t(
                    "Only a package nobody ever registered for can be removed; "
                    "for one with registrations, close its sales instead."
                )
            ),
            confirm_buttons(t("Keep it"), t("Remove the package"), s.remove_package(p.id)),
        ),
    )


def _actions(p: PackageRowView) -> rx.Component:
    s = AdminEventsState
    small = {**theme.secondary_button, "padding": "0 0.5rem"}
    return rx.hstack(
        rx.button(
            rx.icon("arrow-up", size=14, aria_hidden="true"),
            on_click=s.move_package_up(p.id),
            disabled=p.first,
            type="button",
            size="1",
            style=small,
            aria_label=tf(N_("Move %(title)s up"), title=p.title),
        ),
        rx.button(
            rx.icon("arrow-down", size=14, aria_hidden="true"),
            on_click=s.move_package_down(p.id),
            disabled=p.last,
            type="button",
            size="1",
            style=small,
            aria_label=tf(N_("Move %(title)s down"), title=p.title),
        ),
        rx.button(
            rx.icon("pencil", size=14, aria_hidden="true"),
            t("Edit"),
            on_click=s.edit_package(p.id),
            type="button",
            size="1",
            style=theme.secondary_button,
            aria_label=tf(N_("Edit %(name)s"), name=p.title),
            data_testid="admin-edit-package",
        ),
        rx.cond(
            (p.sales_state == "open") | (p.sales_state == "not_yet"),
            rx.button(
                rx.icon("circle-stop", size=14, aria_hidden="true"),
                t("Close sales"),
                on_click=s.close_package_sales(p.id),
                type="button",
                size="1",
                style=theme.secondary_button,
                aria_label=tf(N_("Close sales of %(title)s"), title=p.title),
            ),
        ),
        rx.cond(p.taken == 0, _remove_dialog(p)),
        spacing="2",
        wrap="wrap",
        align="center",
    )


def package_card(p: PackageRowView) -> rx.Component:
    s = AdminEventsState
    return rx.box(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.text(p.title, weight="bold", size="3", color=theme.TEXT),
                    badge(p.sales_label, rx.match(p.sales_state, *SALES_TONES.items(), "soldout")),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(
                    rx.text.strong(p.price),
                    " · ",
                    tf(
                        N_("%(seats)s seats · at most %(max)s per registration"),
                        seats=p.seats,
                        max=p.max_per_registration,
                    ),
                    size="2",
                    color=theme.TEXT,
                ),
                rx.text(tf(N_("Sales %(window)s"), window=p.sales), size="2", color=theme.TEXT_MUTED),
                rx.cond(p.perks != "", rx.text(t("Perks: "), p.perks, size="2", color=theme.TEXT_MUTED)),
                rx.cond(p.description != "", rx.text(p.description, size="2", color=theme.TEXT_MUTED)),
                spacing="1",
                flex="1",
                min_width="14rem",
            ),
            _actions(p),
            gap="0.75rem",
            wrap="wrap",
            justify="between",
            width="100%",
        ),
        rx.cond(s.editing_package == p.id, _edit_form()),
        style={**theme.panel_style, "padding": "0.875rem 1rem"},
        width="100%",
        data_testid="admin-package",
    )


def packages_list() -> rx.Component:
    ev = AdminEventsState.selected
    return rx.vstack(
        rx.heading(t("Packages"), as_="h3", size="3"),
        rx.cond(
            ev.packages.length() > 0,
            rx.vstack(rx.foreach(ev.packages, package_card), spacing="2", width="100%"),
            rx.text(t("No packages yet: add one below."), color=theme.TEXT_MUTED),
        ),
        spacing="2",
        width="100%",
        align="stretch",
    )


def add_package_form() -> rx.Component:
    s = AdminEventsState
    e = s.package_errors
    return rx.form(
        rx.vstack(
            rx.heading(t("Add a package"), as_="h3", size="3"),
            form_error(form_message(e)),
            *package_fields("package", e),
            rx.box(
                rx.button(
                    t("Add package"),
                    type="submit",
                    style=theme.primary_button,
                    data_testid="admin-add-package",
                )
            ),
            spacing="3",
            width="100%",
            align="stretch",
        ),
        on_submit=s.add_package,
        key=s.package_key.to_string(),
        width="100%",
    )
