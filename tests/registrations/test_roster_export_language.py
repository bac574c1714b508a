"""The registrations export in the admin's language: the header row, and the holder of a registration whose
account has no name left is "(raderat konto)" — the rows are made with our words, not with a loop variable."""

from __future__ import annotations

from sqlmodel import select

from khala.audit.service import Actor
from khala.db import session_scope
from khala.events.models import Package
from khala.lib import i18n
from khala.registrations import roster
from khala.registrations import service as registrations


def test_export_rows_in_swedish_with_a_nameless_holder(make_event, make_user) -> None:
    event = make_event("Fjord Jazz", packages=[{"title": "Balkong", "capacity": 5}])
    with session_scope() as s:
        package = s.exec(select(Package).where(Package.event_id == event.id)).one()
    nameless = make_user(display_name="")
    registrations.register(nameless.id, package.id, 1, actor=Actor.user(nameless), send_confirmation=False)
    with i18n.use_language("sv"):
        header = list(roster.csv_header())
        rows = list(roster.export_rows(event.id))
    assert header[:3] == ["Biljettkod", "Status", "Namn"]
    assert rows[0] == event.slug
    [row] = rows[1:]
    assert row[2] == "(raderat konto)" and row[4] == "Balkong"
    assert list(roster.csv_header()) == list(roster.CSV_HEADER)  # English: the msgids themselves
