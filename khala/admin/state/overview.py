"""The overview section (/admin): catalogue, registration and outbox figures."""

from __future__ import annotations

import asyncio

import reflex as rx

from khala.admin.state.base import AdminState, StatTile, admin_only
from khala.events import reports
from khala.mail import service as mail
from khala.registrations import queries as registrations


class AdminOverviewState(AdminState):
    tiles: list[StatTile] = []
    mail_tiles: list[StatTile] = []

    def _forget(self) -> None:
        self.tiles, self.mail_tiles = [], []

    @rx.event
    @admin_only(bounce=True)
    async def load(self):
        catalogue, regs, outbox = await asyncio.gather(
            asyncio.to_thread(reports.catalogue_stats),
            asyncio.to_thread(registrations.registration_stats),
            asyncio.to_thread(mail.outbox_stats),
        )
        capacity = f"of {catalogue.seats_capacity} limited seats"
        if catalogue.unlimited_packages:
            capacity += f" (+{catalogue.unlimited_packages} unlimited package(s))"
        self.tiles = [
            StatTile("Published events", str(catalogue.published), f"{catalogue.upcoming} upcoming"),
            StatTile("Drafts", str(catalogue.draft), f"{catalogue.cancelled} cancelled"),
            StatTile("Seats sold", str(catalogue.seats_taken), capacity + ", events not yet ended"),
            StatTile("Confirmed registrations", str(regs.confirmed), f"{regs.seats_confirmed} seats"),
            StatTile("On waiting lists", str(regs.waitlisted), f"{regs.seats_waitlisted} seats wanted"),
            StatTile("Cancelled registrations", str(regs.cancelled), ""),
        ]
        self.mail_tiles = [StatTile(status.capitalize(), str(n), "") for status, n in outbox.items()]
        return None
