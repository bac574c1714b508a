"""Embed (/admin/embed): the snippets an organiser pastes into another site, with a live preview."""

from __future__ import annotations

import asyncio

import reflex as rx

from khala.admin.state.base import AdminState, admin_only
from khala.events import catalogue, embed
from khala.settings import get_settings

ALL = "all"


class AdminEmbedState(AdminState):
    categories: list[list[str]] = []
    category: str = ALL
    limit: int = embed.DEFAULT_LIMIT
    script_snippet: str = ""
    iframe_snippet: str = ""
    preview_src: str = "/embed"

    def _forget(self) -> None:
        self.script_snippet, self.iframe_snippet, self.categories = "", "", []

    def _refresh(self) -> None:
        category = "" if self.category == ALL else self.category
        made = embed.snippets(get_settings().public_url, category=category, limit=self.limit)
        self.script_snippet, self.iframe_snippet = made["script"], made["iframe"]
        self.preview_src = embed.embed_path(category=category, limit=self.limit)

    @rx.event
    @admin_only(bounce=True)
    async def load(self):
        self.categories = [[slug, name] for slug, name in await asyncio.to_thread(catalogue.list_categories)]
        self._refresh()
        return None

    @rx.event
    @admin_only
    async def set_category(self, value: str):
        known = {slug for slug, _ in self.categories}
        self.category = value if isinstance(value, str) and value in known else ALL
        self._refresh()
        return None

    @rx.event
    @admin_only
    async def set_limit(self, value: str):
        try:
            self.limit = min(max(int(value), 1), embed.MAX_LIMIT)
        except (TypeError, ValueError):
            self.limit = embed.DEFAULT_LIMIT
        self._refresh()
        return None
