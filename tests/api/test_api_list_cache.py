"""GET /events answers remembered for a second (events.api_v1, events.totals.answer): a hit reads nothing, yet
a change this process writes (a seat taken included) shows at once, a change made elsewhere within
ANSWER_SECONDS, and answers are never shared across what a key may see or the language."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session, select

from khala import db as khala_db
from khala.audit.service import Actor
from khala.events import catalogue, service, totals
from khala.events.models import Package
from khala.registrations import service as registrations

BY = Actor.system("test")


def _seats(client, headers) -> int | None:
    return client.get("/events", headers=headers).json()["items"][0]["seats_left"]


def test_a_repeated_list_reads_nothing_and_answers_the_same(client, make_event, read_headers, count_queries):
    for i in range(3):
        make_event(f"Concert {i}", summary="Long enough to be worth compressing. " * 7)
    first = client.get("/events?q=concert&page_size=2", headers={**read_headers, "Accept-Encoding": "gzip"})
    assert first.status_code == 200 and first.headers["content-encoding"] == "gzip"
    with count_queries() as q:
        again = client.get(
            "/events?page_size=2&q=concert", headers={**read_headers, "Accept-Encoding": "gzip"}
        )
        plain = client.get(
            "/events?q=concert&page_size=2", headers={**read_headers, "Accept-Encoding": "identity"}
        )
    assert q.count == 0, q.report()  # the key was checked seconds ago, the answer is remembered
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert "content-encoding" not in plain.headers and plain.headers["etag"] == first.headers["etag"]
    assert plain.json() == first.json() and first.json()["total"] == 3
    # Per request still: the Link header from this request's URL, the rate limit's headers.
    assert again.headers["link"].startswith("<http://testserver/api/v1/events?page_size=2&q=concert&page=1>")
    assert first.headers["link"].startswith("<http://testserver/api/v1/events?q=concert&page_size=2&page=1>")
    assert int(again.headers["ratelimit-remaining"]) < int(first.headers["ratelimit-remaining"])
    assert again.headers["x-total-count"] == "3"
    assert again.content == plain.content  # (httpx undoes the gzip)


def test_if_none_match_on_a_remembered_answer_is_304(client, make_event, read_headers):
    for i in range(3):
        make_event(f"Concert {i}", summary="Long enough to be worth compressing. " * 7)
    gz = {**read_headers, "Accept-Encoding": "gzip"}
    tag = client.get("/events", headers=gz).headers["etag"]
    again = client.get("/events", headers={**gz, "If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert "content-encoding" not in again.headers and "accept-encoding" in again.headers["vary"].lower()


def test_a_change_written_here_shows_at_once(db, client, make_event, make_user, read_headers):
    event = make_event("Concert", packages=[{"title": "A", "capacity": 10}])
    assert _seats(client, read_headers) == 10
    with khala_db.session_scope(write=True) as s:
        service.update_event(s, event.id, title="Lecture", actor=BY)
    assert client.get("/events", headers=read_headers).json()["items"][0]["title"] == "Lecture"
    with Session(db) as s:
        package_id = s.exec(select(Package.id).where(Package.event_id == event.id)).one()
    user = make_user()
    registrations.register(user.id, package_id, 3, actor=Actor.user(user))  # only seat counters move
    assert _seats(client, read_headers) == 7
    service.set_status(event.id, "cancelled", actor=BY)
    assert client.get("/events", headers=read_headers).json()["total"] == 0


def test_a_rolled_back_write_leaves_the_answer_right(client, make_event, read_headers):
    make_event("Concert")
    assert client.get("/events", headers=read_headers).json()["total"] == 1
    try:
        with khala_db.session_scope(write=True) as s:
            s.execute(text("UPDATE event SET title = 'Never'"))
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert client.get("/events", headers=read_headers).json()["items"][0]["title"] == "Concert"


def test_a_change_made_by_another_process_shows_within_answer_seconds(
    db, client, make_event, read_headers, monkeypatch
):
    make_event("Concert", packages=[{"title": "A", "capacity": 10}])
    assert _seats(client, read_headers) == 10
    elsewhere = khala_db.make_engine(db.url.render_as_string(hide_password=False))  # another process's engine
    try:
        with elsewhere.begin() as conn:
            conn.execute(text("UPDATE event SET seats_taken = 4"))
    finally:
        elsewhere.dispose()
    assert _seats(client, read_headers) == 10  # not noticed here: remembered, for at most a second
    clock = totals.time.monotonic() + totals.ANSWER_SECONDS + 0.01
    monkeypatch.setattr(totals.time, "monotonic", lambda: clock)
    assert _seats(client, read_headers) == 6


def test_keys_that_may_see_other_things_and_languages_never_share_an_answer(
    client, make_event, make_key, count_queries
):
    make_event("Concert")
    _, reader = make_key("read")
    _, other_reader = make_key("read")
    _, writer = make_key("write")
    for headers in (reader, other_reader, writer):
        client.get("/events", headers=headers)  # each key checked once (remembered by keys.remembered)
    totals.forget()
    client.get("/events", headers=reader)
    with count_queries() as q:
        client.get("/events", headers=other_reader)
    assert q.count == 0, q.report()  # a key that may see the same: the same answer
    with count_queries() as q:
        client.get("/events", headers=writer)
    assert q.count > 0  # a write key may see more: never a read key's answer
    with count_queries() as q:
        swedish = client.get("/events", headers={**reader, "Accept-Language": "sv"})
    assert q.count > 0 and swedish.status_code == 200  # another language: its own answer


def test_other_filters_pages_and_sorts_are_other_answers(client, make_event, read_headers):
    for i in range(3):
        make_event(f"Concert {i}")
    make_event("Lecture")
    seen = {
        query: client.get(f"/events?{query}", headers=read_headers).json()
        for query in ("", "q=concert", "page_size=2", "page_size=2&page=2", "sort=popularity", "price=paid")
    }
    assert seen[""]["total"] == 4 and seen["q=concert"]["total"] == 3
    assert seen["page_size=2"]["items"] != seen["page_size=2&page=2"]["items"]
    assert seen["page_size=2&page=2"]["page"] == 2 and seen["price=paid"]["total"] == 0
    assert client.get("/events?page=9", headers=read_headers).json()["items"] == []  # past the end: empty
    assert client.get("/events?page=1", headers=read_headers).json()["items"] != []


def test_the_rate_limit_counts_remembered_answers(client, make_event, read_headers, rate_limit):
    make_event("Concert")
    rate_limit("3/minute")
    assert [client.get("/events", headers=read_headers).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_a_write_racing_the_build_leaves_nothing_stale(db, make_event):
    make_event("Concert")
    key = ("test", "race")

    def build_then_write() -> str:
        title = catalogue.search_events().items[0].title
        with khala_db.write_transaction() as conn:  # committed while the answer is being built
            conn.execute(text("UPDATE event SET title = 'Changed'"))
        return title

    assert totals.answer(key, build_then_write) == "Concert"
    assert totals.recall(key) is None  # built from what the write made stale: not served
    assert totals.answer(key, lambda: catalogue.search_events().items[0].title) == "Changed"
    assert totals.recall(key) == "Changed"


def test_which_writes_forget_answers_and_which_forget_totals_too() -> None:
    from khala.events.models import Event
    from khala.registrations import seats

    kind = totals.written_kind
    assert kind(Package.__table__.update().values(taken=Package.__table__.c.taken + 1)) == "seats"  # type: ignore[attr-defined]
    assert kind(Event.__table__.update().values(seats_taken=1, seats_version=2)) == "seats"  # type: ignore[attr-defined]
    assert kind(Event.__table__.update().values(title="x")) == "filters"  # type: ignore[attr-defined]
    assert kind(seats._PG_TOGETHER[(True, False)]) == "seats"  # PostgreSQL's one-statement registration
    assert kind(select(Event)) is None and kind(text("SELECT 1")) is None
