"""The Core hot path (registrations/seats.py): what it writes with a seat, and what it leaves alone without one."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import col, func, select

from khala.accounts.models import User
from khala.audit import service as audit
from khala.audit.models import AuditEntry
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.errors import SoldOut
from khala.events.models import Event, Package
from khala.mail.models import OutboxMessage
from khala.registrations import lookup, seats
from khala.registrations import service as registrations
from khala.registrations.models import Registration

BOX_OFFICE = Actor.system("box office")


def _package(event) -> Package:
    with session_scope() as s:
        return s.exec(select(Package).where(Package.event_id == event.id)).one()


def _count(model, *where) -> int:
    with session_scope() as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def test_a_seat_comes_with_its_registration_mail_audit_and_counter(make_event, make_user) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 3}])
    pkg, user = _package(event), make_user()
    version = event.seats_version
    reg = registrations.register(user.id, pkg.id, 2, actor=Actor.user(user))
    with session_scope() as s:
        row = s.get(Registration, uuid.UUID(reg.id))
        mail = s.get(OutboxMessage, uuid.UUID(reg.mail_message_id))
        entry = s.exec(select(AuditEntry).where(AuditEntry.object_id == reg.id)).one()
        counted = s.get(Event, event.id)
    assert (row.status, row.quantity, row.ticket_code, row.created_at) == (
        "confirmed",
        2,
        reg.ticket_code,
        reg.created_at,
    )
    assert mail.recipient == user.email and mail.deferred["args"] == {
        "registration_id": reg.id,
        "kind": "confirmed",
    }
    assert mail.status == "queued" and mail.html_body == "" and mail.attachments == []
    assert entry.action == "registration.created" and entry.actor_id == user.id
    assert entry.changes == {
        "status": "confirmed",
        "quantity": 2,
        "package_id": str(pkg.id),
        "user_id": str(user.id),
    }
    assert entry.data == {"ticket_code": reg.ticket_code}
    assert (counted.seats_taken, counted.seats_version) == (2, version + 1)
    assert _package(event).taken == 2


def test_no_seat_writes_nothing_not_even_the_new_account(make_event, make_user) -> None:
    """The facts were read while a seat was left; it went before the write: nothing is written, and the
    box office's new account is not made for nothing either."""
    event = make_event(packages=[{"title": "A", "capacity": 1}])
    pkg = _package(event)
    facts = lookup.read(pkg.id, email="late@example.com")
    assert facts is not None and facts.holder is None and facts.package.taken == 0
    first = make_user()
    registrations.register(first.id, pkg.id, actor=Actor.user(first))
    account = seats.new_account("late@example.com", "Late", actor=BOX_OFFICE)
    now = utcnow()
    done = seats.take(
        facts,
        1,
        ticket_code="LATE000000",
        actor=BOX_OFFICE,
        waitlist=False,
        send_confirmation=True,
        now=now,
        account=account,
    )
    assert done is None
    assert _count(User, User.email == "late@example.com") == 0
    assert _count(Registration) == 1 and _count(OutboxMessage) == 1
    assert _count(AuditEntry, col(AuditEntry.action).in_(["user.created_for_registration"])) == 0
    assert _package(event).taken == 1


def test_box_office_sold_out_makes_no_account(make_event, make_user) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 1}])
    pkg = _package(event)
    registrations.register_attendee("first@example.com", pkg.id, actor=BOX_OFFICE)
    with pytest.raises(SoldOut):
        registrations.register_attendee("second@example.com", pkg.id, actor=BOX_OFFICE)
    assert _count(User, User.email == "second@example.com") == 0


def test_box_office_address_that_got_an_account_meanwhile_registers_that_account(
    make_event, make_user, monkeypatch
) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 5}])
    pkg = _package(event)
    stale = lookup.read(pkg.id, email="meanwhile@example.com")  # read before the account existed
    person = make_user(email="meanwhile@example.com")
    reads = iter([stale])
    real_read = lookup.read
    monkeypatch.setattr(lookup, "read", lambda *a, **k: next(reads, None) or real_read(*a, **k))
    done = registrations.register_attendee("meanwhile@example.com", pkg.id, actor=BOX_OFFICE)
    assert done.account_created is False and done.registration.user_id == str(person.id)
    assert _count(User, User.email == "meanwhile@example.com") == 1
    assert _package(event).taken == 1


def test_waiting_list_through_the_transaction_path(make_event, make_user) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 1}])
    pkg = _package(event)
    first, second, third = make_user(), make_user(), make_user()
    assert registrations.register(first.id, pkg.id, waitlist=True, actor=audit.SYSTEM).status == "confirmed"
    two = registrations.register(second.id, pkg.id, waitlist=True, actor=audit.SYSTEM)
    three = registrations.register(third.id, pkg.id, waitlist=True, actor=audit.SYSTEM)
    assert (two.status, two.waitlist_position, three.waitlist_position) == ("waitlisted", 1, 2)
    with session_scope() as s:
        mail = s.get(OutboxMessage, uuid.UUID(two.mail_message_id))
        entry = s.exec(select(AuditEntry).where(AuditEntry.object_id == two.id)).one()
    assert mail.deferred["args"]["kind"] == "waitlisted"
    assert entry.action == "registration.waitlisted" and entry.changes["status"] == "waitlisted"
    assert _package(event).taken == 1


def test_the_box_office_seat_statement_is_converted_once_not_per_registration(db, make_event, monkeypatch):
    """PostgreSQL: psycopg keeps a statement's converted placeholders only under its size limits, which
    db.make_engine raises so the box-office seat statement (the longest) is kept too."""
    if db.dialect.name != "postgresql":
        pytest.skip("psycopg's statement conversion")
    from psycopg import _queries

    pkg = _package(make_event(packages=[{"title": "A", "capacity": 10}]))
    registrations.register_attendee("one@example.com", pkg.id, actor=BOX_OFFICE)  # converted and kept
    converted: list[bytes] = []
    uncached = _queries._query2pg_nocache
    monkeypatch.setattr(
        _queries, "_query2pg_nocache", lambda q, enc: (converted.append(q), uncached(q, enc))[1]
    )
    done = registrations.register_attendee("two@example.com", pkg.id, actor=BOX_OFFICE)
    assert done.account_created and _count(Registration, Registration.package_id == pkg.id) == 2
    assert converted == [], [q[:80] for q in converted]


def test_the_new_account_row_is_what_the_model_would_make() -> None:
    """``new_account`` builds the row from User's defaults without the model instance: the same columns and
    values (the id and the creation time fresh each time), and a required column left out is refused."""
    row = seats.new_account("ada@example.com", "Ada", actor=BOX_OFFICE).row
    model = User(email="ada@example.com", display_name="Ada")
    expected = {c.name: getattr(model, c.name) for c in User.__table__.columns}
    assert row.keys() == expected.keys()
    assert {k: v for k, v in row.items() if k not in ("id", "created_at")} == {
        k: v for k, v in expected.items() if k not in ("id", "created_at")
    }
    assert (
        isinstance(row["id"], uuid.UUID)
        and row["id"] != seats.new_account("b@x.org", "B", actor=BOX_OFFICE).row["id"]
    )
    assert abs((row["created_at"] - utcnow()).total_seconds()) < 5 and row["created_at"].tzinfo is not None
    with pytest.raises(TypeError):
        seats._user_row(email="no-name@example.com")


@pytest.mark.parametrize("capacity", [40, 13])
def test_concurrent_takes_are_written_together_and_never_oversell(
    db, make_event, make_user, monkeypatch, capacity
):
    """60 people at once for one package: the takes that arrive while one is being written go in one
    transaction together (one seat UPDATE for their total); when the total does not fit the batch falls back
    to one by one. Either way exactly ``capacity`` seats, each registration with its audit entry and its
    mail, and the rest hear "sold out"; box-office addresses get their account only with a seat. The writers
    hand their connection on to the next one, and the last gives it back to the pool."""
    import threading
    import time

    event = make_event(packages=[{"title": "Hot", "capacity": capacity, "max_per_registration": 1}])
    pkg = _package(event)
    users = [make_user() for _ in range(30)]
    together: list[int] = []
    real_together, real_alone = seats._together, seats._alone
    first = threading.Event()

    writes_on: list[int] = []

    def counted_together(conn, batch):
        together.append(len(batch))
        writes_on.append(id(conn))
        return real_together(conn, batch)

    def slow_first(conn, order):
        if not first.is_set():
            first.set()
            writes_on.append(id(conn))
            time.sleep(0.3)  # the first write is slow: everyone else queues behind it
        return real_alone(conn, order)

    monkeypatch.setattr(seats, "_together", counted_together)
    monkeypatch.setattr(seats, "_alone", slow_first)
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(60)

    def attempt(i: int) -> None:
        start.wait()
        try:
            if i < 30:
                registrations.register(users[i].id, pkg.id, 1, actor=Actor.user(users[i]))
            else:
                registrations.register_attendee(f"walk-in{i}@example.com", pkg.id, 1, actor=BOX_OFFICE)
            result = "ok"
        except SoldOut:
            result = "sold out"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcomes.count("ok") == capacity and outcomes.count("sold out") == 60 - capacity
    assert together and max(together) > 1  # batches were written
    with session_scope() as s:
        assert s.get(Package, pkg.id).taken == capacity
        assert s.get(Event, event.id).seats_taken == capacity
    assert _count(Registration, Registration.package_id == pkg.id) == capacity
    regs = _count(AuditEntry, AuditEntry.action == "registration.created")
    assert regs == capacity
    assert _count(OutboxMessage) == capacity
    walk_ins = _count(User, col(User.email).like("walk-in%"))
    assert walk_ins == _count(AuditEntry, AuditEntry.action == "user.created_for_registration")
    assert seats._queues == {}
    assert len(set(writes_on)) < len(writes_on)  # the connection went with the turn
    assert db.pool.checkedout() == 0


def _orders_for(pkg, people, monkeypatch) -> list:
    """The orders ``register`` would hand to "seats in turn" for ``people`` [(user, quantity)], captured
    unwritten: the batches below are then written by hand, in a known order."""
    captured: list = []
    monkeypatch.setattr(seats, "_take_in_turn", lambda engine, order: captured.append(order) or True)
    for user, quantity in people:
        registrations.register(user.id, pkg.id, quantity, actor=Actor.user(user))
    monkeypatch.undo()
    return captured


def _write_together(db, batch, *, one_by_one: bool = False) -> None:
    """Write ``batch`` as the writer of "seats in turn" does, on a connection of its own; unless
    ``one_by_one``, no order may have been written alone (a batch statement that failed and fell back)."""
    alone: list = []
    real_alone = seats._alone
    seats._alone = lambda conn, order: alone.append(order) or real_alone(conn, order)
    try:
        with db.connect() as conn:
            seats._together(conn.execution_options(khala_write=True), batch)
    finally:
        seats._alone = real_alone
    assert bool(alone) == one_by_one, alone


def _written(pkg, event) -> tuple[int, int, int, int, int]:
    with session_scope() as s:
        taken, seats_taken = s.get(Package, pkg.id).taken, s.get(Event, event.id).seats_taken
    return (
        taken,
        seats_taken,
        _count(Registration, Registration.package_id == pkg.id),
        _count(AuditEntry, AuditEntry.action == "registration.created"),
        _count(OutboxMessage),
    )


def test_a_batch_that_does_not_all_fit_takes_in_order_those_that_fit(
    db, make_event, make_user, monkeypatch
) -> None:
    """5 seats left, orders of 2, 2, 3, 1, 1 in that order: one by one would give 2, 2, refuse the 3, give
    the first 1 and refuse the last (nothing left). The batch answers exactly that, in two transactions,
    without writing any order alone; each seat with its registration, audit entry and mail."""
    event = make_event(packages=[{"title": "Few", "capacity": 6, "max_per_registration": 3}])
    pkg = _package(event)
    first = make_user()
    registrations.register(first.id, pkg.id, 1, actor=Actor.user(first))
    people = [(make_user(), q) for q in (2, 2, 3, 1, 1)]
    batch = _orders_for(pkg, people, monkeypatch)
    alone: list = []
    real_alone = seats._alone
    monkeypatch.setattr(seats, "_alone", lambda conn, order: alone.append(order) or real_alone(conn, order))
    _write_together(db, batch)
    assert [o.outcome for o in batch] == [True, True, False, True, False]
    assert alone == []
    assert _written(pkg, event) == (6, 6, 4, 4, 4)
    with session_scope() as s:
        holders = set(s.exec(select(Registration.user_id).where(Registration.package_id == pkg.id)).all())
    assert holders == {first.id, people[0][0].id, people[1][0].id, people[3][0].id}


def test_a_batch_on_a_sold_out_package_writes_nothing(db, make_event, make_user, monkeypatch) -> None:
    event = make_event(packages=[{"title": "Gone", "capacity": 3, "max_per_registration": 3}])
    pkg = _package(event)
    batch = _orders_for(pkg, [(make_user(), 2), (make_user(), 1)], monkeypatch)
    last = make_user()
    registrations.register(last.id, pkg.id, 3, actor=Actor.user(last))  # meanwhile: every seat
    _write_together(db, batch)
    assert [o.outcome for o in batch] == [False, False]
    assert _written(pkg, event) == (3, 3, 1, 1, 1)


def test_a_duplicate_in_a_batch_that_does_not_fit_goes_one_by_one(
    db, make_event, make_user, monkeypatch
) -> None:
    """3 seats left; the batch is 2 (a duplicate: that account registered meanwhile), 2, 1. One by one: the
    duplicate is refused as a duplicate without a seat, so the second 2 and the 1 both fit."""
    from sqlalchemy.exc import IntegrityError

    event = make_event(packages=[{"title": "Dup", "capacity": 5, "max_per_registration": 2}])
    pkg = _package(event)
    twice, other, third = make_user(), make_user(), make_user()
    batch = _orders_for(pkg, [(twice, 2), (other, 2), (third, 1)], monkeypatch)
    registrations.register(twice.id, pkg.id, 2, actor=Actor.user(twice))  # meanwhile, the same account
    _write_together(db, batch, one_by_one=True)
    assert isinstance(batch[0].outcome, IntegrityError)
    assert [o.outcome for o in batch[1:]] == [True, True]
    assert _written(pkg, event) == (5, 5, 3, 3, 3)


def test_concurrent_orders_larger_than_what_is_left_never_oversell(
    make_event, make_user, monkeypatch
) -> None:
    """40 people at once asking 1 to 3 seats of 23, some of them twice: every answer is one that one by one
    could give (a refused order is larger than what is left at the end), duplicates are refused as such, and
    each seat comes with its registration, audit entry and mail."""
    import threading
    import time

    from khala.errors import AlreadyRegistered

    event = make_event(packages=[{"title": "Mixed", "capacity": 23, "max_per_registration": 3}])
    pkg = _package(event)
    users = [make_user() for _ in range(30)]
    real_alone = seats._alone
    first = threading.Event()

    def slow_first(conn, order):
        if not first.is_set():
            first.set()
            time.sleep(0.3)  # everyone else queues behind the first write
        return real_alone(conn, order)

    monkeypatch.setattr(seats, "_alone", slow_first)
    outcomes: list[tuple[int, int, str]] = []
    lock = threading.Lock()
    start = threading.Barrier(40)

    def attempt(i: int) -> None:
        who, quantity = i % 30, 1 + i % 3
        start.wait()
        try:
            registrations.register(users[who].id, pkg.id, quantity, actor=Actor.user(users[who]))
            result = "ok"
        except SoldOut:
            result = "sold out"
        except AlreadyRegistered:
            result = "duplicate"
        with lock:
            outcomes.append((who, quantity, result))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(outcomes) == 40
    ok = [(who, q) for who, q, r in outcomes if r == "ok"]
    taken = sum(q for _, q in ok)
    assert taken <= 23 and len({who for who, _ in ok}) == len(ok)
    assert all(q > 23 - taken for _, q, r in outcomes if r == "sold out")
    assert all(who in {w for w, _ in ok} for who, _, r in outcomes if r == "duplicate")
    assert _written(pkg, event) == (taken, taken, len(ok), len(ok), len(ok))
    assert seats._queues == {}


def test_rows_written_together_are_the_rows_written_alone(db, make_event, make_user, monkeypatch) -> None:
    """A batch (on PostgreSQL one statement inserting from arrays) writes, column for column, what an order
    written alone writes: the registration, its audit entry, its outbox row and a new box-office account
    with its audit entry; only ids, names, codes and times differ."""
    from sqlalchemy import inspect

    event = make_event(packages=[{"title": "Same", "capacity": 10, "max_per_registration": 3}])
    pkg = _package(event)
    captured: list = []
    monkeypatch.setattr(seats, "_take_in_turn", lambda engine, order: captured.append(order) or True)
    for i in range(4):
        registrations.register_attendee(f"same{i}@example.com", pkg.id, 2, actor=BOX_OFFICE)
    monkeypatch.undo()
    _write_together(db, captured[:3])
    assert [o.outcome for o in captured[:3]] == [True, True, True]
    with db.connect() as conn:
        assert seats._alone(conn.execution_options(khala_write=True), captured[3]) is True

    def rows(order) -> list[dict]:
        rid, uid = order.registration["id"], order.account.holder.id
        with session_scope() as s:
            found = [
                s.get(Registration, rid),
                s.exec(select(AuditEntry).where(AuditEntry.object_id == str(rid))).one(),
                s.get(OutboxMessage, order.mail["id"]),
                s.get(User, uid),
                s.exec(select(AuditEntry).where(AuditEntry.object_id == str(uid))).one(),
            ]
        return [{a.key: getattr(r, a.key) for a in inspect(r).mapper.column_attrs} for r in found]

    alone = rows(captured[3])
    for order in captured[:3]:
        for together_row, alone_row in zip(rows(order), alone, strict=True):
            differ = {k for k in alone_row if together_row[k] != alone_row[k]}
            assert differ <= {
                "id", "user_id", "ticket_code", "created_at", "updated_at", "at", "object_id", "changes", "data",
                "message_id", "recipient", "recipient_name", "deferred", "next_attempt_at", "email", "display_name",
            }, differ  # fmt: skip
            assert {k: type(v) for k, v in together_row.items()} == {k: type(v) for k, v in alone_row.items()}
            for key in ("changes", "data", "deferred"):
                if key in alone_row and isinstance(alone_row[key], dict):
                    assert together_row[key].keys() == alone_row[key].keys()
    assert _written(pkg, event) == (8, 8, 4, 4, 4)


def test_the_direct_read_gives_what_sqlalchemy_gives(db, make_event, make_user, count_queries) -> None:
    """``lookup.read`` skips SQLAlchemy's execution machinery on PostgreSQL (db.first_row); with a query
    counter listening it goes through SQLAlchemy. Both give the same facts: times in UTC, a deleted or
    unknown account, an active registration, by id and by address, and a package that does not exist."""
    from datetime import UTC, timedelta

    from khala import db as khala_db

    opens = utcnow().replace(microsecond=0) - timedelta(days=1)
    event = make_event(
        packages=[{"title": "Read", "capacity": 5, "sales_opens_at": opens, "sales_closes_at": None}]
    )
    pkg = _package(event)
    holder, gone, plain = make_user(), make_user(deleted_at=utcnow()), make_user()
    registrations.register(holder.id, pkg.id, 2, actor=Actor.user(holder))
    asks = [
        ({"user_id": holder.id}, pkg.id),
        ({"user_id": gone.id}, pkg.id),
        ({"user_id": plain.id}, pkg.id),
        ({"user_id": uuid.uuid4()}, pkg.id),
        ({"email": holder.email}, pkg.id),
        ({"email": gone.email}, pkg.id),
        ({"email": "nobody@example.com"}, pkg.id),
        ({"user_id": holder.id}, uuid.uuid4()),
    ]
    direct_before = khala_db._compiled_read.cache_info()
    direct = [lookup.read(package_id, **who) for who, package_id in asks]
    direct_now = [lookup.package_now(pkg.id), lookup.package_now(uuid.uuid4())]
    used = khala_db._compiled_read.cache_info()
    assert (used.hits + used.misses > direct_before.hits + direct_before.misses) == (
        db.dialect.name == "postgresql"
    )
    with count_queries() as q:
        through = [lookup.read(package_id, **who) for who, package_id in asks]
        through_now = [lookup.package_now(pkg.id), lookup.package_now(uuid.uuid4())]
    assert q.count == len(asks) + 2
    assert direct == through and direct_now == through_now
    first = direct[0]
    assert first.existing_id is not None and first.package.taken == 2 and direct_now[0].taken == 2
    assert first.package.sales_opens_at == opens and first.package.sales_opens_at.tzinfo == UTC
    assert first.event.starts_at.tzinfo == UTC and direct[1].holder.deleted_at.tzinfo == UTC
    assert direct[2].existing_id is None and direct[3].holder is None and direct[-1] is None
    assert direct[5].holder is None and direct[4].holder.id == holder.id  # by address: not deleted ones


def test_a_failing_direct_read_is_made_again_through_sqlalchemy(
    db, make_event, make_user, monkeypatch
) -> None:
    """Should the direct read fail (here: a statement the server refuses), its connection is discarded and
    the read made again through SQLAlchemy; the pool keeps no broken connection."""
    from khala import db as khala_db

    event = make_event(packages=[{"title": "Again", "capacity": 5}])
    pkg, user = _package(event), make_user()
    expected = lookup.read(pkg.id, user_id=user.id)
    real = khala_db._compiled_read

    def broken(dialect, statement):
        _sql, *rest = real(dialect, statement)
        return ("SELECT * FROM no_such_table", *rest)

    monkeypatch.setattr(khala_db, "_compiled_read", broken)
    assert lookup.read(pkg.id, user_id=user.id) == expected
    assert db.pool.checkedout() == 0


def test_a_json_none_is_written_together_as_alone(db, make_event, make_user, monkeypatch) -> None:
    """A JSON column given None holds JSON null (SQLAlchemy's JSON type), whichever way the row is written;
    the batch's JSON text is stored as the type would store it."""
    from sqlalchemy import text

    event = make_event(packages=[{"title": "Null", "capacity": 10}])
    pkg = _package(event)
    batch = _orders_for(pkg, [(make_user(), 1) for _ in range(3)], monkeypatch)
    for o in batch:
        o.trail["data"] = None
        o.trail["changes"] = {"nested": {"list": [1, "två", None], "flag": True}}
    _write_together(db, batch[:2])
    with db.connect() as conn:
        assert seats._alone(conn.execution_options(khala_write=True), batch[2]) is True
    with db.connect() as conn:
        got = {
            row[0]: tuple(row[1:])
            for row in conn.execute(
                text("SELECT object_id, data IS NULL, changes FROM audit_entry WHERE action = :a"),
                {"a": "registration.created"},
            )
        }
    written = [got[str(o.registration["id"])] for o in batch]
    assert written[0] == written[1] == written[2]
