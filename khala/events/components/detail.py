"""The event modal over a list, which is also the full event page."""

from __future__ import annotations

import reflex as rx

from khala.events.presenter import PackageRow
from khala.events.state.detail import EventDetailState
from khala.registrations.components import register_button
from khala.ui import theme
from khala.ui.i18n import t as _
from khala.ui.widgets import badge, first_image

# ------------------------------------------------------------------------------------------- detail


def _package(p: PackageRow, level: str = "h4") -> rx.Component:
    return rx.box(
        rx.flex(
            rx.vstack(
                rx.heading(p.title, as_=level, size="4", weight="bold"),
                rx.cond(
                    p.description != "", rx.text(p.description, size="2", style={"color": theme.TEXT_MUTED})
                ),
                spacing="1",
                flex="1",
                min_width="12rem",
            ),
            rx.text(p.price_label, size="5", weight="bold", class_name="khala-package-price"),
            gap="0.75rem",
            wrap="wrap",
            align="start",
            width="100%",
        ),
        rx.cond(
            p.perks.length() > 0,
            rx.el.ul(
                rx.foreach(
                    p.perks,
                    lambda perk: rx.el.li(
                        rx.icon("check", size=14, aria_hidden="true", color=theme.SUCCESS),
                        perk,
                        style={"display": "flex", "gap": "0.4rem", "align_items": "center"},
                    ),
                ),
                aria_label=_("Perks"),
                style={
                    "list_style": "none",
                    "padding": "0",
                    "margin": "0.5rem 0",
                    "display": "grid",
                    "gap": "0.2rem",
                    "font_size": "0.9rem",
                },
            ),
        ),
        rx.flex(
            rx.el.span(badge(p.seats_label, p.seats_tone), aria_live="polite", class_name="khala-seats"),
            rx.text(p.sales_label, size="2", style={"color": theme.TEXT_MUTED}),
            rx.spacer(),
            register_button(p.id, p.title, p.sales_state, p.seats_tone == "soldout"),
            gap="0.75rem",
            align="center",
            wrap="wrap",
            width="100%",
            margin_top="0.5rem",
        ),
        data_package_id=p.id,
        width="100%",
        style={**theme.panel_style, "border": f"1px solid {theme.BORDER}", "width": "100%"},
    )


def _info_row(icon: str, *children: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.icon(icon, size=18, aria_hidden="true", color=theme.SECONDARY, flex_shrink="0", margin_top="2px"),
        rx.box(*children),
        spacing="2",
        align="start",
    )


def detail_body(*, in_modal: bool) -> rx.Component:
    d = EventDetailState.detail
    title = (
        rx.dialog.title(d.title, custom_attrs={"as": "h2", "size": "6"}, style={"margin": "0"})
        if in_modal
        else rx.fragment()
    )
    return rx.vstack(
        rx.box(
            rx.el.img(
                src=d.image_url,
                alt=d.image_alt,
                style={"width": "100%", "height": "100%", "object_fit": "cover", "display": "block"},
            ),
            class_name="khala-skeleton",
            style={
                "aspect_ratio": "16 / 9",
                "border_radius": theme.RADIUS_LG,
                "overflow": "hidden",
                "width": "100%",
            },
        ),
        rx.flex(
            rx.cond(
                d.category != "",
                rx.link(
                    d.category,
                    href="/events?category=" + d.category_slug,
                    style={**theme.link_style, "font_weight": "700", "font_size": "0.85rem"},
                ),
            ),
            badge(d.badge, d.badge_tone),
            gap="0.5rem",
            align="center",
            wrap="wrap",
        ),
        title,
        rx.cond(
            d.status_note != "", rx.callout(d.status_note, icon="info", color_scheme="amber", width="100%")
        ),
        _info_row(
            "clock",
            rx.el.time(d.date_label, date_time=d.date_iso, style={"font_weight": "600"}),
            rx.text(_("Time zone: "), d.timezone, size="1", style={"color": theme.TEXT_MUTED}),
            rx.el.a(
                rx.icon("calendar-plus", size=16, aria_hidden="true"),
                _("Add to calendar"),
                href=d.ics_url,
                download=d.slug + ".ics",
                style={
                    **theme.link_style,
                    "display": "inline-flex",
                    "gap": "0.3rem",
                    "align_items": "center",
                    "font_size": "0.9rem",
                    "margin_top": "0.25rem",
                },
            ),
        ),
        _info_row(
            "map-pin",
            rx.text(d.venue, weight="bold"),
            rx.cond(d.address != "", rx.text(d.address, size="2")),
            rx.cond(
                d.map_url != "",
                rx.el.a(
                    _("Show on map"),
                    rx.el.span(" (opens in a new tab)", class_name="khala-sr"),
                    href=d.map_url,
                    target="_blank",
                    rel="noopener noreferrer",
                    style={**theme.link_style, "font_size": "0.9rem"},
                ),
            ),
        ),
        rx.cond(
            d.description_html != "",
            rx.box(
                # The description's headings start at h3 (markdown.py); on the page the title is the h1, so a
                # (screen-reader) h2 opens the section and no heading level is skipped.
                rx.fragment()
                if in_modal
                else rx.heading(_("About this event"), as_="h2", class_name="khala-sr"),
                rx.html(d.description_html),
                class_name="khala-md",
                width="100%",
            ),
        ),
        # In the modal the event's title is the h2; on its own page the title is the page's h1.
        rx.heading(_("Tickets"), as_="h3" if in_modal else "h2", size="5", margin_top="0.5rem"),
        rx.cond(
            EventDetailState.packages.length() > 0,
            rx.vstack(
                rx.foreach(EventDetailState.packages, lambda p: _package(p, "h4" if in_modal else "h3")),
                spacing="3",
                width="100%",
            ),
            rx.text(_("No tickets are on sale for this event."), style={"color": theme.TEXT_MUTED}),
        ),
        spacing="3",
        align="start",
        width="100%",
    )


def detail_skeleton(*, with_poster: bool = False) -> rx.Component:
    """``with_poster`` (the event page): the poster's box holds the poster from the first HTML (``first_image``)."""
    return rx.vstack(
        rx.box(
            *([first_image()] if with_poster else []),
            class_name="khala-skeleton",
            style={
                "aspect_ratio": "16 / 9",
                "width": "100%",
                "border_radius": theme.RADIUS_LG,
                "overflow": "hidden",
            },
        ),
        rx.box(
            class_name="khala-skeleton", style={"height": "1.5rem", "width": "60%", "border_radius": "6px"}
        ),
        rx.box(class_name="khala-skeleton", style={"height": "1rem", "width": "40%", "border_radius": "6px"}),
        spacing="3",
        width="100%",
        aria_busy="true",
    )


def not_found_block() -> rx.Component:
    return rx.vstack(
        rx.icon("search-x", size=44, aria_hidden="true", color=theme.SECONDARY),
        rx.heading(_("We could not find that event"), as_="h2", size="6"),
        rx.text(_("It may have been removed, or the link is wrong."), style={"color": theme.TEXT_MUTED}),
        rx.link(
            _("Browse all events"),
            href="/events",
            underline="none",
            style={**theme.primary_button, "padding": "0.6rem 1.2rem"},
        ),
        align="center",
        spacing="3",
        padding="3rem 1rem",
        id="not-found",
        style=theme.panel_style,
    )


def _event_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.close(
                rx.icon_button(
                    rx.icon("x", size=20, aria_hidden="true"),
                    aria_label=_("Close"),
                    variant="soft",
                    size="3",
                    radius="full",
                    style={
                        "position": "absolute",
                        "top": "0.75rem",
                        "right": "0.75rem",
                        "z_index": "2",
                        "background": theme.SURFACE,
                        "color": theme.TEXT,
                        "box_shadow": theme.SHADOW,
                        **theme.focus_ring,
                    },
                ),
            ),
            rx.dialog.description(EventDetailState.detail.date_label, class_name="khala-sr"),
            rx.cond(
                EventDetailState.not_found,
                rx.box(
                    rx.dialog.title(_("Event not found"), custom_attrs={"as": "h2"}, class_name="khala-sr"),
                    not_found_block(),
                ),
                rx.cond(
                    EventDetailState.detail.id != "",
                    detail_body(in_modal=True),
                    rx.box(
                        rx.dialog.title(_("Loading event"), custom_attrs={"as": "h2"}, class_name="khala-sr"),
                        detail_skeleton(),
                    ),
                ),
            ),
            id="event-modal",
            custom_attrs={"maxWidth": "760px"},
            style={
                "border_radius": theme.RADIUS_XL,
                "position": "relative",
                "max_width": "760px",
                "width": "calc(100vw - 1.5rem)",
                "max_height": "calc(100dvh - 1.5rem)",
                "padding": "1rem",
            },
        ),
        open=EventDetailState.modal_open,
        on_open_change=EventDetailState.on_open_change,
    )


def event_modal() -> rx.Component:
    """The modal plus the hidden button the Back-button listener clicks (see ``_PUSH_JS``)."""
    return rx.fragment(
        _event_dialog(),
        rx.el.button(
            id="khala-modal-back",
            on_click=EventDetailState.closed_by_history,
            tab_index=-1,
            aria_hidden="true",
            style={"display": "none"},
        ),
    )
