"""The REST API speaks the request's language in its human-readable fields: problem+json ``title``/``detail``
and the field messages follow ``Accept-Language``, while ``type``, ``code``, ``status`` and field names stay
the same for programs; a box-office sale mails the new attendee in the request's language (ticket ``.ics``
included), an attendee who chose a language gets theirs."""

from __future__ import annotations

import uuid

from api_helpers import assert_problem
from icalendar import Calendar
from sqlmodel import select

from khala.db import session_scope
from khala.events.models import Package
from khala.mail.models import OutboxMessage
from khala.mail.rendering import materialize

SV = {"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"}


def _package(make_event, capacity: int = 5) -> Package:
    event = make_event("Fjord Jazz", packages=[{"title": "Balkong", "capacity": capacity}])
    with session_scope() as s:
        return s.exec(select(Package).where(Package.event_id == event.id)).one()


def test_a_missing_key_in_swedish_and_in_english(client) -> None:
    sv = assert_problem(client.get("/events", headers=SV), 401, "not-authenticated")
    assert sv["title"] == "Obehörig"
    assert sv["detail"] == "Skicka din API-nyckel i headern X-API-Key."
    assert sv["type"] == "tag:khala,2026:problem:not-authenticated"
    en = assert_problem(client.get("/events"), 401, "not-authenticated")
    assert (en["title"], en["detail"]) == ("Unauthorized", "Send your API key in the X-API-Key header.")
    assert en["type"] == sv["type"]
    assert client.get("/events", headers=SV).headers["content-language"] == "sv"


def test_no_such_endpoint_and_wrong_method_in_swedish(client, read_headers) -> None:
    missing = assert_problem(client.get("/nothing-here", headers={**read_headers, **SV}), 404, "not-found")
    assert missing["title"] == "Hittades inte"
    assert missing["detail"] == "Den slutpunkten finns inte i API:et; se /api/v1/docs."
    wrong = assert_problem(client.delete("/events", headers={**read_headers, **SV}), 405)
    assert wrong["code"] == "method-not-allowed" and wrong["title"] == "Metoden är inte tillåten"
    assert wrong["detail"].startswith("Den här slutpunkten svarar på GET")


def test_validation_messages_in_swedish_with_the_same_fields(client, write_headers) -> None:
    body = {"starts_at": "2027-01-01T19:00:00+01:00", "capacity": "many"}
    sv = assert_problem(
        client.post("/events", json=body, headers={**write_headers, **SV}), 422, "invalid-input"
    )
    en = assert_problem(client.post("/events", json=body, headers=write_headers), 422, "invalid-input")
    assert [e["field"] for e in sv["errors"]] == [e["field"] for e in en["errors"]]
    by_field = {e["field"]: e["detail"] for e in sv["errors"]}
    assert by_field["title"] == "Fältet måste fyllas i"
    assert {e["field"]: e["detail"] for e in en["errors"]}["title"] == "Field required"
    assert sv["title"] == "Ogiltiga uppgifter" and en["title"] == "Unprocessable Entity"

    naive = {"title": "T", "starts_at": "tomorrow evening"}
    iso = assert_problem(client.post("/events", json=naive, headers={**write_headers, **SV}), 422)
    assert "Ange datum och tid enligt ISO 8601 med tidszon" in iso["errors"][0]["detail"]

    broken = client.post(
        "/events",
        content=b"{not json",
        headers={**write_headers, **SV, "Content-Type": "application/json"},
    )
    assert (
        assert_problem(broken, 400, "malformed-json")["detail"] == "Förfrågans innehåll är inte giltig JSON."
    )


def test_a_domain_error_in_swedish(client, make_event, write_headers) -> None:
    pkg = _package(make_event, capacity=1)
    url = f"/packages/{pkg.id}/registrations"
    assert client.post(url, json={"email": "first@example.com"}, headers=write_headers).status_code == 201
    full = assert_problem(
        client.post(url, json={"email": "second@example.com"}, headers={**write_headers, **SV}), 409
    )
    assert full["code"] == "sold-out" and full["title"] == "Konflikt"
    assert "Balkong" in full["detail"] and "slutsåld" in full["detail"]
    gone = assert_problem(
        client.get(f"/events/{uuid.uuid4()}", headers={**write_headers, **SV}), 404, "not-found"
    )
    assert gone["detail"].startswith("Vi hittade inte evenemanget")


def test_rate_limit_message_in_swedish(client, read_headers, rate_limit) -> None:
    rate_limit("2/minute")
    for _ in range(2):
        assert client.get("/events", headers=read_headers).status_code == 200
    body = assert_problem(client.get("/events", headers={**read_headers, **SV}), 429, "rate-limited")
    assert body["detail"].startswith("Den här API-nyckeln har gjort mer än 2 förfrågningar per minut. Vänta ")
    assert body["detail"].endswith(("sekund.", "sekunder."))


def _mail_to(address: str) -> OutboxMessage:
    with session_scope() as s:
        row = s.exec(select(OutboxMessage).where(OutboxMessage.recipient == address)).one()
        return materialize(row)


def test_a_box_office_sale_mails_the_new_attendee_in_the_requests_language(client, make_event, write_headers):
    pkg = _package(make_event)
    r = client.post(
        f"/packages/{pkg.id}/registrations",
        json={"email": "walkin@example.com", "display_name": "Walk-in", "quantity": 2},
        headers={**write_headers, **SV},
    )
    assert r.status_code == 201, r.text
    msg = _mail_to("walkin@example.com")
    assert msg.subject == "Du är med: Fjord Jazz" and "Hej Walk-in!" in msg.text_body
    [ics] = [a for a in msg.attachment_list() if a.content_type == "text/calendar"]
    [entry] = Calendar.from_ical(ics.data).walk("VEVENT")
    assert str(entry["SUMMARY"]) == "Fjord Jazz"  # the organiser's title as written
    assert str(entry["DESCRIPTION"]) == f"Balkong × 2 – biljett {r.json()['ticket_code']}"


def test_an_attendee_who_chose_english_gets_english_from_a_swedish_box_office(
    client, make_event, make_user, write_headers
):
    pkg = _package(make_event)
    make_user(email="ada@example.com", display_name="Ada", locale="en")
    r = client.post(
        f"/packages/{pkg.id}/registrations",
        json={"email": "ada@example.com"},
        headers={**write_headers, **SV},
    )
    assert r.status_code == 201, r.text
    msg = _mail_to("ada@example.com")
    assert msg.subject == "You're in: Fjord Jazz" and "Hi Ada," in msg.text_body
    [ics] = [a for a in msg.attachment_list() if a.content_type == "text/calendar"]
    assert str(Calendar.from_ical(ics.data).walk("VEVENT")[0]["DESCRIPTION"]).startswith(
        "Balkong × 1 — ticket "
    )
