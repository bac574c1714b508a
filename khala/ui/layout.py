"""The shell: rounded lavender sidebar (logo + navigation), header (page title + account menu), footer.

Pages use the ``template`` decorator (a thin wrapper of ``rx.page``) or call ``page_shell`` directly::

    @template(route="/events", title="Events", on_load=EventsState.load_from_url)
    def events_page() -> rx.Component: ...
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import reflex as rx

from khala.lib.i18n import N_
from khala.ui import theme
from khala.ui.account_menu import account_menu as lazy_account_menu
from khala.ui.client import client_effects
from khala.ui.i18n import LanguageState, language_switcher, t, titled
from khala.ui.nav import ShellState

try:  # accounts: the signed-in user for the account menu and the admin link
    from khala.accounts.state import SessionState
except ImportError:  # pragma: no cover - accounts not installed yet
    SessionState = None  # type: ignore[assignment,misc]

SITE_NAME = "Khala"
SIGN_IN_URL = "/login"
ACCOUNT_URL = "/account"

NAV_ITEMS: list[tuple[str, str, str]] = [
    (N_("Discover"), "/", "compass"),
    (N_("Events"), "/events", "ticket"),
    (N_("Calendar"), "/calendar", "calendar-days"),
    (N_("My tickets"), "/tickets", "bookmark"),
]
ADMIN_ITEM = (N_("Admin"), "/admin", "shield")


def _is_active(href: str) -> rx.Var[bool]:
    path = rx.State.router.url.path
    if href == "/":
        return (path == "/") | (path == "/index") | (path == "")
    return path.to(str).startswith(href)


def nav_link(label: str, href: str, icon: str) -> rx.Component:
    active = _is_active(href)
    return rx.link(
        rx.hstack(rx.icon(icon, size=18, aria_hidden="true"), rx.text(t(label)), spacing="3", align="center"),
        href=href,
        aria_current=rx.cond(active, "page", "false"),
        on_click=ShellState.close_nav,
        underline="none",
        style={
            "display": "block",
            "padding": "0.625rem 0.875rem",
            "border_radius": theme.RADIUS,
            "color": theme.TEXT,
            "font_weight": "500",
            "_hover": {"background": theme.SIDEBAR_ACTIVE},
            "&[aria-current='page']": {
                "background": theme.SIDEBAR_ACTIVE,
                "font_weight": "700",
                "box_shadow": theme.SHADOW,
            },
            **theme.focus_ring,
        },
    )


def logo(height: str = "36px") -> rx.Component:
    return rx.link(
        rx.image(src="/khala-logo.svg", alt=t("Khala — home"), height=height, width="auto"),
        href="/",
        aria_label=t("Khala — home"),
        style={"display": "inline-flex", "border_radius": theme.RADIUS_SM, **theme.focus_ring},
    )


def sidebar() -> rx.Component:
    items = [nav_link(*item) for item in NAV_ITEMS]
    if SessionState is not None:
        items.append(rx.cond(SessionState.is_admin, nav_link(*ADMIN_ITEM)))
    return rx.el.nav(
        rx.hstack(
            logo(),
            rx.spacer(),
            rx.el.button(
                rx.icon("x", size=20, aria_hidden="true"),
                aria_label=t("Close menu"),
                on_click=ShellState.close_nav,
                class_name="khala-menu-button",
                style={
                    "display": "none",
                    "background": "transparent",
                    "border": "none",
                    "padding": "0.5rem",
                    "border_radius": theme.RADIUS_SM,
                    "cursor": "pointer",
                    "color": theme.TEXT,
                },
            ),
            align="center",
            width="100%",
            padding_bottom="1.25rem",
        ),
        rx.vstack(*items, spacing="1", align="stretch", width="100%"),
        aria_label=t("Main"),
        id="khala-sidebar",
        class_name="khala-sidebar",
        data_open=ShellState.nav_open.to(str),
        style={
            "display": "flex",
            "flex_direction": "column",
            "width": theme.SIDEBAR_WIDTH,
            "flex_shrink": "0",
            "background": theme.SIDEBAR,
            "border_radius": theme.RADIUS_XL,
            "padding": "1.25rem 0.875rem",
            "margin": "0.75rem 0 0.75rem 0.75rem",
            "position": "sticky",
            "top": "0.75rem",
            "height": "calc(100vh - 1.5rem)",
            "overflow_y": "auto",
        },
    )


def account_menu() -> rx.Component:
    if SessionState is None:
        return rx.link(t("Sign in"), href=SIGN_IN_URL, style=theme.link_style)
    items = [{"label": t("Account"), "href": ACCOUNT_URL}, {"label": t("My tickets"), "href": "/tickets"}]
    with_admin = [*items, {"label": t("Admin"), "href": "/admin"}]
    return rx.cond(
        SessionState.signed_in,
        lazy_account_menu(
            rx.el.button(
                rx.icon("circle-user", size=20, aria_hidden="true"),
                rx.text(SessionState.display_name, class_name="khala-account-name"),
                rx.icon("chevron-down", size=16, aria_hidden="true"),
                # the accessible name starts with the visible text (WCAG 2.5.3), which is the person's name
                aria_label=SessionState.display_name + t(", account menu"),
                style={
                    **theme.secondary_button,
                    "display": "inline-flex",
                    "align_items": "center",
                    "gap": "0.4rem",
                    "padding": "0.4rem 0.75rem",
                    "max_width": "14rem",
                    "overflow": "hidden",
                    "white_space": "nowrap",
                },
            ),
            # its code arrives with import() when it is first shown (khala/ui/account_menu.py)
            items=rx.cond(SessionState.is_admin, with_admin, items),
            sign_out_label=t("Sign out"),
            on_sign_out=SessionState.sign_out,
        ),
        rx.link(
            t("Sign in"),
            href=SIGN_IN_URL,
            underline="none",
            style={**theme.primary_button, "padding": "0.45rem 1rem", "display": "inline-block"},
        ),
    )


def header(title: str | rx.Var) -> rx.Component:
    return rx.el.header(
        rx.el.button(
            rx.icon("menu", size=22, aria_hidden="true"),
            aria_label=t("Open menu"),
            aria_controls="khala-sidebar",
            aria_expanded=ShellState.nav_open.to(str),
            on_click=ShellState.toggle_nav,
            class_name="khala-menu-button",
            style={
                "display": "none",
                "background": theme.SIDEBAR,
                "border": "none",
                "padding": "0.5rem",
                "border_radius": theme.RADIUS,
                "cursor": "pointer",
                "color": theme.TEXT,
            },
        ),
        rx.heading(
            t(title) if isinstance(title, str) else title,
            as_="h1",
            size="6",
            weight="bold",
            # a title that arrives with the data (an event's) keeps two lines on a phone from the first paint
            class_name="khala-title-dynamic" if isinstance(title, rx.Var) else "",
            style={"color": theme.TEXT, "flex": "1", "min_width": "0", "overflow_wrap": "anywhere"},
        ),
        account_menu(),
        style={
            "display": "flex",
            "align_items": "center",
            "gap": "0.75rem",
            "padding": "1rem 0 1.25rem",
        },
    )


def footer() -> rx.Component:
    return rx.el.footer(
        rx.hstack(
            rx.text(f"© {SITE_NAME} — ", t("open-source event platform"), size="2"),
            rx.spacer(),
            rx.hstack(
                rx.link(t("Events"), href="/events", style=theme.link_style, size="2"),
                rx.link(t("Calendar"), href="/calendar", style=theme.link_style, size="2"),
                language_switcher(),
                spacing="4",
                align="center",
            ),
            wrap="wrap",
            width="100%",
            align="center",
        ),
        style={
            "margin_top": "3rem",
            "padding": "1.25rem 0 1.5rem",
            "border_top": f"1px solid {theme.BORDER}",
            "color": theme.TEXT_MUTED,
        },
    )


def font_preloads() -> rx.Component:
    """The Inter files the first screen is set in, asked for with the stylesheet instead of after it
    (React puts these ``<link>`` tags in the ``<head>``, in the prerendered HTML too)."""
    return rx.fragment(
        *[
            rx.el.link(
                rel="preload",
                href=theme.font_url(w),
                type="font/woff2",
                cross_origin="",
                custom_attrs={"as": "font"},
            )
            for w in theme.FONT_PRELOAD
        ]
    )


def page_shell(*content: rx.Component, title: str | rx.Var = "") -> rx.Component:
    # The global CSS (theme.GLOBAL_CSS) is in the bundled stylesheet (ui/stylesheet.py), not inline here.
    return rx.box(
        font_preloads(),
        client_effects(),  # what backend handlers ask of the browser, without eval (khala/ui/client.py)
        rx.el.a(t("Skip to content"), href="#main", class_name="khala-skip"),
        sidebar(),
        rx.cond(
            ShellState.nav_open,
            rx.box(
                on_click=ShellState.close_nav,
                aria_hidden="true",
                class_name="khala-menu-button",
                style={
                    "display": "none",
                    "position": "fixed",
                    "inset": "0",
                    "background": theme.BACKDROP,
                    "z_index": "40",
                },
            ),
        ),
        rx.box(
            header(title),
            # At least a screen tall: the footer starts below the first screen, so content that arrives after
            # the websocket never pushes it around in view.
            rx.el.main(*content, id="main", tab_index=-1, style={"outline": "none", "min_height": "100vh"}),
            footer(),
            class_name="khala-main",
            style={
                "flex": "1",
                "min_width": "0",
                "max_width": theme.CONTENT_MAX,
                "padding": "0.75rem 2rem",
            },
        ),
        style={
            "display": "flex",
            "align_items": "flex-start",
            "min_height": "100vh",
            "background": theme.SURFACE,
            "font_family": theme.FONT_FAMILY,
            "color": theme.TEXT,
        },
    )


def template(
    route: str,
    title: str,
    *,
    heading: str | rx.Var | None = None,
    description: str | rx.Var | None = None,
    page_title: str | rx.Var | None = None,
    on_load: Sequence[Any] | Any | None = None,
    meta: list[dict[str, str]] | None = None,
) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """``@rx.page`` with the shell around the page and the account session loaded first."""
    loads: list[Any] = [LanguageState.detect]  # the tab's language first: <html lang>, the words on the page
    if SessionState is not None:
        loads.append(SessionState.load_session)
    if on_load is not None:
        loads.extend(on_load if isinstance(on_load, list | tuple) else [on_load])

    def decorator(page_fn: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        @rx.page(
            route=route,
            title=page_title if page_title is not None else titled(title, f" · {SITE_NAME}"),
            description=description,
            meta=meta,
            on_load=loads or None,
        )
        def wrapped() -> rx.Component:
            return page_shell(page_fn(), title=heading if heading is not None else title)

        wrapped.__name__ = page_fn.__name__
        # Reflex writes a page's memoized pieces into .web/app_components/<wrapped.__module__>.jsx. One file per
        # page (``khala/events/pages/discover_page.jsx``): a page loads its own pieces and none of its siblings'
        # (the list's select menus stay off Discover, the admin's charts off everything else).
        wrapped.__module__ = f"{page_fn.__module__}.{page_fn.__name__}"
        return wrapped

    return decorator
