"""The registrations, check-in, mail, users, audit and API-key sections in Swedish: the CSV export's columns in
the admin's language, the handlers' words (door answers, summaries, toasts, form errors, audit labels) in the
tab's, and the compiled sections (and the camera's messages) carrying both. English stays the default."""

from __future__ import annotations

import csv
import io
import re

import pytest
import reflex as rx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from khala.accounts import auth
from khala.admin.components.api_keys import api_keys_section
from khala.admin.components.audit import audit_section
from khala.admin.components.checkin import checkin_section
from khala.admin.components.mail import mail_section
from khala.admin.components.registrations import registrations_section
from khala.admin.components.users import users_section
from khala.admin.state.api_keys import AdminApiKeysState
from khala.admin.state.audit import AdminAuditState, action_label
from khala.admin.state.checkin import ROUTE_ARG, AdminCheckinState
from khala.admin.state.mail import AdminAnnounceState
from khala.admin.state.registrations import AdminRegistrationsState
from khala.audit.service import Actor
from khala.events import catalogue
from khala.lib import i18n
from khala.registrations import api, roster
from khala.registrations import service as registrations
from tests.handlers import run, state_tree, substate

SWEDISH_HEADER = [
    "Biljettkod",
    "Status",
    "Namn",
    "E-post",
    "Biljett",
    "Platser",
    "Anmäld",
    "Incheckad",
    "Anmälnings-id",
]


def _compiled(component: rx.Component) -> str:
    """The component as the page's JavaScript has it (non-ASCII letters as \\uXXXX escapes, decoded here)."""
    return re.sub(r"\\+u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), str(component.render()))


@pytest.fixture
def gala(make_event, make_user, person):
    event = make_event("Gala", packages=[{"title": "Standard", "capacity": 5}])
    package = catalogue.get_event(event.id).packages[0].id
    ada, bea = make_user(display_name="Ada Lovelace"), make_user(display_name="Bea")
    regs = {
        "ada": registrations.register(ada.id, package, 2, actor=Actor.user(ada)),
        "bea": registrations.register(bea.id, package, actor=Actor.user(bea)),
    }
    admin, token = person(admin=True)
    return event, regs, admin, token


def _csv(client: TestClient, url: str, **headers: str) -> list[list[str]]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csv_export_is_in_the_admins_language(gala) -> None:
    event, _, _, token = gala
    app = FastAPI()
    app.include_router(api.router)
    client = TestClient(i18n.asgi_middleware(app), base_url="http://localhost:3000")
    client.cookies.set(auth.cookie_name(), token)
    url = f"/admin/events/{event.id}/registrations.csv"

    english = _csv(client, url)
    assert english[0] == list(roster.CSV_HEADER) and english[0][0] == "Ticket code"
    assert _csv(client, url, **{"accept-language": "de-DE,en;q=0.5"})[0] == list(roster.CSV_HEADER)

    swedish = _csv(client, url, **{"accept-language": "sv-SE,sv;q=0.9,en;q=0.5"})
    assert swedish[0] == SWEDISH_HEADER
    assert [r[2] for r in swedish[1:]] == [r[2] for r in english[1:]] == ["Ada Lovelace", "Bea"]
    assert swedish[1][6] != english[1][6]  # the registration date, written the Swedish way
    client.cookies.set(i18n.COOKIE, "sv")  # the switcher's choice wins over the browser
    assert _csv(client, url, **{"accept-language": "en"})[0] == SWEDISH_HEADER

    with i18n.use_language("sv"):
        assert list(roster.csv_header()) == SWEDISH_HEADER
    assert roster.csv_header() == roster.CSV_HEADER


def test_the_door_answers_in_swedish(gala) -> None:
    event, regs, admin, token = gala
    root = state_tree(token, path=f"/admin/checkin/[{ROUTE_ARG}]", query={ROUTE_ARG: str(event.id)})
    door = substate(root, AdminCheckinState)
    run(door.load())
    with i18n.use_language("sv"):
        run(door.check_in({"code": regs["ada"].ticket_code}))
        assert (door.result.headline, door.result.detail) == ("Incheckad", "2 platser · Gala")
        run(door.scanned(regs["ada"].ticket_code))
        assert door.result.headline == "Redan incheckad"
        assert door.result.detail.startswith("Incheckad ") and f" av {admin.email}." in door.result.detail
        run(door.check_in({"code": "NOPE-NOPE-1"}))
        assert door.result.headline == "Okänd biljett"
        registrations.cancel(regs["bea"].id, actor=Actor.user(admin))
        run(door.check_in({"code": regs["bea"].ticket_code}))
        assert (door.result.headline, door.result.detail) == ("Avbokad", "Anmälan är avbokad.")
        run(door.undo(regs["ada"].id))
        assert (door.result.headline, door.result.detail) == (
            "Incheckningen är ångrad",
            "Biljetten gäller igen.",
        )
        run(door.camera_failed(""))
        assert door.camera_problem == "Kameran kunde inte starta."
    run(door.check_in({"code": "NOPE-NOPE-1"}))
    assert door.result.headline == "Unknown ticket"  # the next event in English again


def test_registrations_mail_and_keys_answer_in_swedish(gala, person) -> None:
    event, regs, _, token = gala
    section = substate(state_tree(token, path="/admin/registrations", ip="10.7.1.1"), AdminRegistrationsState)
    run(section.load())
    with i18n.use_language("sv"):
        run(section.choose_event(str(event.id)))
        assert section.summary == "2 bekräftade (3 platser) · 0 väntar (0 platser) · 0 avbokade"
        assert {r.status_label for r in section.rows} == {"Bekräftad"}
        reply = str(run(section.cancel(regs["bea"].id)))
        assert "Anmälan är avbokad; platserna är lediga igen" in reply
        assert section.summary == "1 bekräftad (2 platser) · 0 väntar (0 platser) · 1 avbokad"
        assert "Avbokad" in {r.status_label for r in section.rows}
        reply = str(run(section.resend(regs["ada"].id)))
        assert "Bekräftelsen har skickats igen till " in reply

    announce = substate(state_tree(token, path="/admin/mail", ip="10.7.1.2"), AdminAnnounceState)
    run(announce.load())
    with i18n.use_language("sv"):
        run(announce.send())
        assert announce.errors["form"] == "Förhandsgranska meddelandet innan du skickar det."
        run(announce.choose_event(str(event.id)))
        run(announce.preview({"subject": "Dörrarna öppnar", "body": "Välkomna!", "package_id": ""}))
        assert announce.previewing and announce.preview_people_label == "1 biljettinnehavare"
        run(announce.send())
        assert announce.sent_note == "Ligger i kö för 1 biljettinnehavare."

    keys = substate(state_tree(token, path="/admin/api-keys", ip="10.7.1.3"), AdminApiKeysState)
    run(keys.load())
    with i18n.use_language("sv"):
        run(keys.create({"name": " ", "scope": "read"}))
        assert keys.errors == {"name": "Ge nyckeln ett namn (vem eller vad som använder den)."}


def test_the_audit_trail_names_its_actions_in_the_admins_language(gala) -> None:
    event, regs, admin, token = gala
    registrations.check_in(regs["ada"].ticket_code, actor=Actor.user(admin), event_id=event.id)
    log = substate(state_tree(token, path="/admin/audit", ip="10.7.1.4"), AdminAuditState)
    run(log.load())
    checked = next(r for r in log.rows if r.action == "registration.checked_in")
    assert (checked.action_label, checked.object_label, checked.actor_kind) == (
        "Checked in",
        "Registration",
        "Person",
    )
    with i18n.use_language("sv"):
        run(log.load())
        checked = next(r for r in log.rows if r.action == "registration.checked_in")
        assert (checked.action_label, checked.object_label, checked.actor_kind) == (
            "Incheckad",
            "Anmälan",
            "Person",
        )
        labels = {o.value: o.label for o in log.action_options}
        assert labels["registration.created"] == "Anmälan gjord" and set(labels) == set(log.actions)
        assert action_label("event.published") == "Evenemang publicerat"
        assert action_label("something.new") == "something.new"  # no words yet: the code itself


def test_every_action_the_code_writes_has_words() -> None:
    """A new audit action without a label would show as its dotted code: the label list keeps up."""
    from pathlib import Path

    written = set()
    for path in (Path(__file__).resolve().parents[2] / "khala").rglob("*.py"):
        written |= set(
            re.findall(
                r"\"((?:api_key|category|event|image|location|mail|package|registration|session|user)"
                r"\.[a-z_]+)\"",
                path.read_text(),
            )
        )
    written -= {
        f"{kind}.id" for kind in ("api_key", "category", "event", "image", "location", "package", "user")
    }
    unlabelled = sorted(a for a in written if action_label(a) == a)
    assert not unlabelled, unlabelled


def test_the_compiled_sections_carry_both_languages() -> None:
    for section, pairs in [
        (registrations_section, [("Export CSV", "Exportera CSV"), ("Confirm cancel", "Bekräfta avbokning")]),
        (
            checkin_section,
            [
                ("Check in", "Checka in"),
                ("Scan with the camera", "Skanna med kameran"),
                ("No camera found on this device", "Ingen kamera hittades på enheten"),  # the scanner's props
                ("The camera could not start (%(detail)s).", "Kameran kunde inte starta (%(detail)s)."),
            ],
        ),
        (mail_section, [("Write to ticket holders", "Skriv till biljettinnehavarna"), ("Outbox", "Utkorg")]),
        (users_section, [("Make admin", "Gör till admin"), (" an administrator", " till administratör")]),
        (
            audit_section,
            [("Every action", "Alla händelser"), ("Any object", "Alla objekt"), ("Venue", "Plats")],
        ),
        (api_keys_section, [("Create key", "Skapa nyckel"), ("Read and write", "Läs och skriv")]),
    ]:
        page = _compiled(section())
        for english, swedish in pairs:
            assert english in page and swedish in page, (section.__name__, english)
