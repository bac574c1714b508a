"""Embed: the two snippets for another site (script or iframe) and the widget as it will look there."""

from __future__ import annotations

import reflex as rx

from khala.admin.components.shell import card
from khala.admin.state.embed import ALL, AdminEmbedState
from khala.ui import theme
from khala.ui.i18n import t


def _snippet(label: str | rx.Var, code: rx.Var, hint: str | rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(label, weight="bold", size="2"),
        rx.el.pre(
            rx.el.code(code),
            style={
                "white_space": "pre-wrap",
                "word_break": "break-all",
                "background": theme.PANEL,
                "border_radius": "0.75rem",
                "padding": "0.75rem",
                "font_size": "0.85rem",
                "width": "100%",
                "margin": "0",
            },
        ),
        rx.text(hint, size="1", color=theme.TEXT_MUTED),
        spacing="1",
        width="100%",
    )


def embed_section() -> rx.Component:
    s = AdminEmbedState
    return rx.vstack(
        rx.heading(t("Embed on another site"), as_="h2", size="5"),
        rx.text(
            t(
                "Paste one of these into a club's or a venue's page: it shows the upcoming events in Khala's "
                "look, each linking to its event page. Which sites may show it is set by KHALA_EMBED_ORIGINS."
            ),
            color=theme.TEXT_MUTED,
            size="2",
        ),
        card(
            rx.flex(
                rx.vstack(
                    rx.el.label(t("Category"), html_for="embed-category", style={"font_weight": "600"}),
                    rx.select.root(
                        rx.select.trigger(id="embed-category", aria_label=t("Category")),
                        rx.select.content(
                            rx.select.item(t("All categories"), value=ALL),
                            rx.foreach(s.categories, lambda c: rx.select.item(c[1], value=c[0])),
                        ),
                        value=s.category,
                        on_change=s.set_category,
                    ),
                    spacing="1",
                ),
                rx.vstack(
                    rx.el.label(t("Events shown"), html_for="embed-limit", style={"font_weight": "600"}),
                    rx.select.root(
                        rx.select.trigger(id="embed-limit", aria_label=t("Events shown")),
                        rx.select.content(*[rx.select.item(str(n), value=str(n)) for n in (3, 5, 10, 20)]),
                        value=s.limit.to_string(),
                        on_change=s.set_limit,
                    ),
                    spacing="1",
                ),
                gap="1rem",
                wrap="wrap",
            ),
            _snippet(
                t("Script"), s.script_snippet, t("Loads the list and keeps its height right as it changes.")
            ),
            _snippet(t("Frame"), s.iframe_snippet, t("For pages that allow frames but no outside scripts.")),
        ),
        card(
            rx.text(t("Preview"), weight="bold", size="2"),
            rx.el.iframe(
                src=s.preview_src,
                title=t("Preview of the embedded event list"),
                style={"width": "100%", "height": "420px", "border": "0"},
            ),
        ),
        spacing="4",
        width="100%",
    )
