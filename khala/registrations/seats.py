"""Taking seats: the registration hot path in SQLAlchemy Core (no ORM unit of work, few round trips).

``lookup.read`` fetches everything ``service.register`` checks in one statement, outside any write transaction:
the package, its event, the account and an active registration of theirs. ``take`` then writes, together with the
conditional seat UPDATE that is the guarantee (``taken + q <= capacity``), the registration, the outbox row
that names its mail (rendered later by the worker) and the audit entry:

- on PostgreSQL as one statement of data-modifying CTEs that commits on its own: a registration is one round
  trip, and the package and event rows stay locked only while that statement runs and commits;
- on SQLite, and for the waiting list everywhere, as one BEGIN IMMEDIATE transaction of a few short statements
  whose values were all prepared before it began;
- in a rush, the takes of one package that arrive while another is being written are written together after
  it, in one transaction with one seat UPDATE for their total ("seats in turn" below): one commit for many.

A concurrent duplicate (same account, same package) trips the partial unique index: IntegrityError, which the
service reports as AlreadyRegistered. Nothing here decides who may register; the service does, from ``read``.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from pydantic_core import PydanticUndefined
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from khala.accounts.models import User
from khala.audit import service as audit
from khala.audit.models import AuditEntry
from khala.audit.service import Actor
from khala.db import UTCDateTime, autocommit, get_engine, write_transaction
from khala.events.models import Event, Package
from khala.mail import outbox
from khala.mail import service as mail
from khala.mail.models import OutboxMessage
from khala.registrations import notify
from khala.registrations.lookup import Facts, Holder
from khala.registrations.models import Registration, RegistrationStatus
from khala.registrations.queries import RegistrationView, waitlist_position

_P: sa.Table = Package.__table__  # type: ignore[attr-defined]
_E: sa.Table = Event.__table__  # type: ignore[attr-defined]
_U: sa.Table = User.__table__  # type: ignore[attr-defined]
_R: sa.Table = Registration.__table__  # type: ignore[attr-defined]
_O: sa.Table = OutboxMessage.__table__  # type: ignore[attr-defined]
_A: sa.Table = AuditEntry.__table__  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------------ writing

# Parameter names of UPDATEs must not be column names of the table updated (SQLAlchemy would SET them).
_QUANTITY = sa.bindparam("take_quantity", type_=sa.Integer)
_TAKE_SEAT = (
    sa.update(_P)
    .where(
        _P.c.id == sa.bindparam("take_package", type_=_P.c.id.type),
        sa.or_(_P.c.capacity.is_(None), _P.c.taken + _QUANTITY <= _P.c.capacity),
    )
    .values(taken=_P.c.taken + _QUANTITY)
)
_COUNT_SEATS = (
    sa.update(_E)
    .where(_E.c.id == sa.bindparam("take_event", type_=_E.c.id.type))
    .values(seats_taken=_E.c.seats_taken + _QUANTITY, seats_version=_E.c.seats_version + 1)
)
_NOTIFY = sa.text(f"NOTIFY {outbox.PG_CHANNEL}")


def _seat_and_counter() -> tuple[sa.CTE, sa.CTE]:
    """PostgreSQL CTEs: the conditional seat UPDATE (the guarantee) and the event's counter that reads from it."""
    seat = _TAKE_SEAT.returning(_P.c.event_id).cte("seat")
    counter = (
        sa.update(_E)
        .where(_E.c.id == seat.c.event_id)
        .values(seats_taken=_E.c.seats_taken + _QUANTITY, seats_version=_E.c.seats_version + 1)
        .cte("counter")
    )
    return seat, counter


_PG_NOTIFY = sa.func.pg_notify(sa.literal_column(f"'{outbox.PG_CHANNEL}'"), sa.literal_column("''"))


@dataclass(frozen=True)
class NewAccount:
    """An account to create with the registration, in its transaction (the box office, for a new address):
    if no seat is taken, no account is made either."""

    holder: Holder
    row: dict[str, Any]
    trail: dict[str, Any]


def new_account(email: str, display_name: str, *, actor: Actor) -> NewAccount:
    """An unverified account without a password for ``email``, audited as ``user.created_for_registration``;
    its owner can set a password later with "forgot password". Written by ``take``."""
    row = _user_row(email=email, display_name=display_name)
    trail = audit.values(
        actor,
        "user.created_for_registration",
        object_type="user",
        object_id=row["id"],
        changes={"email": email, "display_name": display_name},
    )
    return NewAccount(Holder(row["id"], email, display_name), row, trail)


@cache
def _user_defaults() -> list[tuple[str, Any, Any]]:
    """(column, default factory or None, default) of every column of User, from the model."""
    fields = User.model_fields
    return [(c.name, fields[c.name].default_factory, fields[c.name].default) for c in _U.columns]


def _user_row(**given: Any) -> dict[str, Any]:
    """The column values ``User(**given)`` would have, from the model's own defaults and factories, without
    building the SQLModel instance (pydantic validation plus ORM instrumentation: about a sixth of the box
    office's CPU for a new address). Every column comes from the model, so a new column gets its default here
    too; a required one not given is a TypeError, as for the model."""
    row: dict[str, Any] = {}
    for name, factory, default in _user_defaults():
        if name in given:
            row[name] = given[name]
        elif factory is not None:
            row[name] = factory()
        elif default is PydanticUndefined:
            raise TypeError(f"a new account needs {name}")
        else:
            row[name] = default
    return row


def take(
    facts: Facts,
    quantity: int,
    *,
    ticket_code: str,
    actor: Actor,
    waitlist: bool,
    send_confirmation: bool,
    now: datetime,
    account: NewAccount | None = None,
) -> RegistrationView | None:
    """Take the seats for ``facts.holder`` (checked by the caller; ``account`` when it is to be created with
    them) and write what goes with them; None when the seats are not there and ``waitlist`` is false (nothing
    was written). With ``waitlist`` and no seat the registration joins the waiting list (status waitlisted,
    its own mail and audit action). IntegrityError for a concurrent duplicate, or an address that got an
    account meanwhile."""
    holder = account.holder if account is not None else facts.holder
    assert holder is not None, "the caller checks the account"
    package, event = facts.package, facts.event
    rid = uuid.uuid4()
    registration = {
        "id": rid,
        "user_id": holder.id,
        "package_id": package.id,
        "event_id": event.id,
        "quantity": quantity,
        "status": RegistrationStatus.confirmed.value,
        "ticket_code": ticket_code,
        "created_at": now,
        "updated_at": now,
        "checked_in_at": None,
    }

    def trail(status: RegistrationStatus) -> dict[str, Any]:
        created = status == RegistrationStatus.confirmed
        return audit.values(
            actor,
            "registration.created" if created else "registration.waitlisted",
            object_type="registration",
            object_id=rid,
            changes={
                "status": str(status),
                "quantity": quantity,
                "package_id": package.id,
                "user_id": holder.id,
            },
            data={"ticket_code": ticket_code},
        )

    def mail_row(status: RegistrationStatus) -> dict[str, Any] | None:
        fields = notify.mail_fields(status.value, rid, holder, event) if send_confirmation else None
        return mail.deferred_row(**fields) if fields is not None else None

    seats = {"take_package": package.id, "take_event": event.id, "take_quantity": quantity}
    confirmed_mail = mail_row(RegistrationStatus.confirmed)
    confirmed_trail = trail(RegistrationStatus.confirmed)
    engine = get_engine()
    if not waitlist:
        order = _Order(seats, registration, confirmed_trail, confirmed_mail, account)
        if not _take_in_turn(engine, order):
            return None
        return _finish(registration, confirmed_mail)

    position = None
    with write_transaction(engine) as conn:
        if conn.execute(_TAKE_SEAT, seats).rowcount == 1:
            conn.execute(_COUNT_SEATS, seats)
            message, entry = confirmed_mail, confirmed_trail
        elif not waitlist:
            return None
        else:
            registration["status"] = RegistrationStatus.waitlisted.value
            message = mail_row(RegistrationStatus.waitlisted)
            entry = trail(RegistrationStatus.waitlisted)
        if account is not None:
            conn.execute(_U.insert(), account.row)
            conn.execute(_A.insert(), account.trail)
        conn.execute(_R.insert(), registration)
        conn.execute(_A.insert(), entry)
        if message is not None:
            conn.execute(_O.insert(), message)
            if engine.dialect.name == "postgresql":
                conn.execute(_NOTIFY)
        if registration["status"] == RegistrationStatus.waitlisted:
            position = _position(conn, registration)
    return _finish(registration, message, position)


# ------------------------------------------------------------------------------------- seats in turn
#
# Every registration for a package waits for the package row: its seat UPDATE locks the row until the commit,
# so on PostgreSQL one commit (a WAL flush) follows another and a rush runs at one flush per seat. Here the
# takes of one package in this process queue up while one of them is being written; the next writer then
# takes the whole queue (at most ``BATCH`` orders) and writes them together: on PostgreSQL in one statement
# that commits on its own (one round trip: the conditional seat UPDATE for their total, the guarantee as for
# one, the event's counter, and every account, registration, audit entry and outbox row inserted from JSON),
# on SQLite in one transaction whose seat UPDATE comes last. One flush for all, and the row is locked only
# for that statement. When the total does not fit (the last seats of a rush), nothing is written and a
# transaction then locks the package row, reads what is left and takes, in order, the orders that fit,
# refusing the others: what one by one would have answered, in two transactions instead of one per order.
# When a row is refused (a duplicate, an address that got an account), the orders are written one by one as
# before, in order, so each gets exactly the answer it would have had alone. A lone order is written alone.

BATCH = 32
_PENDING: Any = object()


@dataclass(eq=False)
class _Order:
    seats: dict[str, Any]
    registration: dict[str, Any]
    trail: dict[str, Any]
    mail: dict[str, Any] | None
    account: NewAccount | None
    outcome: Any = _PENDING  # True (taken), False (no seat) or the exception to raise in the caller
    done: threading.Event = dataclasses.field(default_factory=threading.Event)
    conn: Connection | None = None  # handed over by the writer before, for the batch this order heads


# (engine, package id) -> its orders waiting; a key is present while an order of that package is being written
_queues: dict[tuple[Engine, Any], list[_Order]] = {}
_queues_lock = threading.Lock()


def _take_in_turn(engine: Engine, order: _Order) -> bool:
    """Take ``order``'s seats, together with the orders for the same package that arrive meanwhile."""
    key = (engine, order.seats["take_package"])
    with _queues_lock:
        queue = _queues.get(key)
        if queue is None:
            _queues[key] = [order]
        else:
            queue.append(order)
    if queue is not None:
        order.done.wait()  # answered, or woken to write the next batch (ours in it)
    if order.outcome is _PENDING:
        _write_next(engine, key, order)
    if isinstance(order.outcome, BaseException):
        raise order.outcome
    return bool(order.outcome)


def _write_next(engine: Engine, key: tuple[Engine, Any], head: _Order) -> None:
    """Write the head of the queue (``head``, the caller's order, first), answer it, and wake the next writer.

    The connection goes with the turn: the next writer gets this one instead of queueing for the pool behind
    the readers of a rush (the pool hands a returned connection to whichever thread asks first, so a waiting
    writer could wait for tens of milliseconds while the seats it would sell stay unsold)."""
    with _queues_lock:
        queue = _queues[key]
        batch = queue[:BATCH]
        del queue[:BATCH]
    conn, head.conn = head.conn, None
    if conn is None:
        conn = engine.connect().execution_options(khala_write=True)
    reusable = False
    try:
        if len(batch) == 1:
            batch[0].outcome = _alone(conn, batch[0])
        else:
            _together(conn, batch)
        reusable = not conn.invalidated and not conn.in_transaction()
    except BaseException as exc:  # every order gets an answer, whatever happened
        for o in batch:
            if o.outcome is _PENDING:
                o.outcome = exc
        raise
    finally:
        with _queues_lock:
            queue = _queues[key]
            following = queue[0] if queue else None
            if following is None:
                del _queues[key]
            elif reusable:
                following.conn, conn = conn, None
        if conn is not None:
            conn.close()
        for o in batch:
            o.done.set()
        if following is not None:
            following.done.set()  # its outcome is pending: it writes the next batch


def _alone(conn: Connection, order: _Order) -> bool | BaseException:
    """One order in its own statement (PostgreSQL) or transaction (SQLite); the exception is its answer."""
    try:
        if conn.dialect.name == "postgresql":
            with autocommit(conn):
                return _pg_together(conn, [order])  # the batch statement, for one
        with conn.begin():
            if conn.execute(_TAKE_SEAT, order.seats).rowcount != 1:
                return False
            conn.execute(_COUNT_SEATS, order.seats)
            _insert_rows(conn, [order])
        return True
    except Exception as exc:  # noqa: BLE001 - raised in the caller's thread
        return exc


class _NotAllFit(Exception):
    pass


def _pg_together_statement(with_mail: bool, with_accounts: bool) -> sa.Select:
    """PostgreSQL: a batch in one statement that commits on its own. The seat UPDATE for the batch's total
    (the guarantee), the event's counter, and the rows of every order, passed as one JSON array per table
    and inserted from ``json_populate_recordset`` (one row per order, typed by the table's own row type):
    the new accounts, the registrations, the audit entries (of both), the outbox rows and the workers'
    NOTIFY. Every insert reads from the seat UPDATE's RETURNING, so when the total does not fit nothing is
    written and no row comes back."""
    seat, counter = _seat_and_counter()
    parts: list[Any] = [counter, _insert_rows_of(_R, "r_rows", seat).cte("regs")]
    parts.append(_insert_rows_of(_A, "a_rows", seat).cte("trails"))
    if with_accounts:
        parts.append(_insert_rows_of(_U, "u_rows", seat).cte("accounts"))
    columns: list[Any] = [seat.c.event_id]
    if with_mail:
        parts.append(_insert_rows_of(_O, "o_rows", seat).cte("mails"))
        columns.append(_PG_NOTIFY)
    return sa.select(*columns).select_from(seat).add_cte(*parts)


def _insert_rows_of(table: sa.Table, param: str, source: sa.CTE) -> sa.Insert:
    """INSERT INTO table (every column) SELECT … FROM json_populate_recordset(NULL::table, :param) JOIN source
    ON true: one row per element of the JSON array, for each source row (none or one). A json column gets its
    value's JSON text as it is; a None, which json_populate_recordset makes SQL NULL, is JSON null, as
    SQLAlchemy's JSON type writes it."""
    record = sa.literal_column(f'NULL::"{table.name}"')
    rows = (
        sa.func.json_populate_recordset(record, sa.cast(sa.bindparam(param, type_=sa.Text), postgresql.JSON))
        .table_valued(*(sa.column(c.name, c.type) for c in table.columns))
        .alias(f"{table.name}_rows")
    )
    values = [
        sa.func.coalesce(rows.c[c.name], sa.literal_column("'null'::json"))
        if isinstance(c.type, sa.JSON)
        else rows.c[c.name]
        for c in table.columns
    ]
    select = sa.select(*values).select_from(rows.join(source, sa.true()))
    return sa.insert(table).from_select([c.name for c in table.columns], select)


_PG_TOGETHER = {(m, a): _pg_together_statement(m, a) for m in (True, False) for a in (True, False)}


def _utc_text(value: datetime) -> str:
    if value.tzinfo is None:  # as UTCDateTime refuses it
        raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
    return value.astimezone(UTC).isoformat()


@cache
def _json_converters(table: sa.Table) -> list[tuple[str, Any]]:
    """(column, what turns its Python value into JSON for json_populate_recordset, or None: as is). The JSON
    columns' values go in as JSON (serialised as SQLAlchemy's JSON type does, by json.dumps)."""
    converters: list[tuple[str, Any]] = []
    for c in table.columns:
        kind = c.type
        if isinstance(kind, sa.TypeDecorator) and not isinstance(kind, UTCDateTime):
            if type(kind).process_bind_param is not sa.TypeDecorator.process_bind_param:
                raise TypeError(f"{table.name}.{c.name}: {kind!r} converts its values; no JSON form here")
            kind = kind.impl_instance  # e.g. SQLModel's AutoString: a String
        if isinstance(kind, sa.Uuid):
            converters.append((c.name, str))
        elif isinstance(kind, UTCDateTime):
            converters.append((c.name, _utc_text))
        elif isinstance(kind, sa.Integer | sa.String | sa.Boolean | sa.JSON):
            converters.append((c.name, None))
        else:  # a column type this does not know: say so rather than write it wrong
            raise TypeError(f"{table.name}.{c.name}: {c.type!r} has no JSON form here")
    return converters


def _json_rows(table: sa.Table, rows: list[dict[str, Any]]) -> str:
    converters = _json_converters(table)
    return json.dumps(
        [
            {
                name: value if convert is None or value is None else convert(value)
                for name, convert in converters
                for value in (row[name],)
            }
            for row in rows
        ]
    )


def _pg_together(conn: Connection, orders: list[_Order]) -> bool:
    """The orders in one statement (see _pg_together_statement); False when their total does not fit."""
    accounts = [o.account for o in orders if o.account is not None]
    mails = [o.mail for o in orders if o.mail is not None]
    params = {
        **orders[0].seats,
        "take_quantity": sum(o.seats["take_quantity"] for o in orders),
        "r_rows": _json_rows(_R, [o.registration for o in orders]),
        "a_rows": _json_rows(_A, [a.trail for a in accounts] + [o.trail for o in orders]),
    }
    if accounts:
        params["u_rows"] = _json_rows(_U, [a.row for a in accounts])
    if mails:
        params["o_rows"] = _json_rows(_O, mails)
    return conn.execute(_PG_TOGETHER[bool(mails), bool(accounts)], params).first() is not None


def _together(conn: Connection, batch: list[_Order]) -> None:
    try:
        fit = batch if _all_of(conn, batch) else _as_many_as_fit(conn, batch)
    except (_NotAllFit, IntegrityError):
        for o in batch:  # rolled back: one by one, in order, each as it would have gone alone
            o.outcome = _alone(conn, o)
        return
    for o in batch:
        o.outcome = o in fit


def _all_of(conn: Connection, batch: list[_Order]) -> bool:
    """The whole batch in one statement (PostgreSQL) or transaction (SQLite), the package row locked only by
    its last statement; False (and nothing written) when their total does not fit."""
    if conn.dialect.name == "postgresql":
        with autocommit(conn):
            return _pg_together(conn, batch)
    try:
        with conn.begin():
            _take_together(conn, batch)
    except _NotAllFit:
        return False
    return True


_LEFT = (
    sa.select(_P.c.capacity, _P.c.taken)
    .where(_P.c.id == sa.bindparam("package_id", type_=_P.c.id.type))
    .with_for_update(key_share=True)  # PostgreSQL: FOR NO KEY UPDATE (SQLite: BEGIN IMMEDIATE serialises)
)


def _as_many_as_fit(conn: Connection, batch: list[_Order]) -> list[_Order]:
    """A batch whose total does not fit: lock the package row, read what is left and take, in order, the
    orders that fit (as one by one would have: an order too big for what is left is refused, a later smaller
    one may still fit), in one transaction. The others are refused. The conditional seat UPDATE for the
    total stays the guarantee: should it refuse, the whole is rolled back (_NotAllFit)."""
    with conn.begin():
        row = conn.execute(_LEFT, {"package_id": batch[0].seats["take_package"]}).first()
        if row is None:
            return []
        left = None if row.capacity is None else row.capacity - row.taken
        fit = []
        for o in batch:
            quantity = o.seats["take_quantity"]
            if left is None or quantity <= left:
                fit.append(o)
                if left is not None:
                    left -= quantity
        if fit:
            _take_together(conn, fit)
    return fit


def _take_together(conn: Connection, orders: list[_Order]) -> None:
    """In the caller's transaction, the orders' rows and one conditional seat UPDATE for their total with the
    event's counter; _NotAllFit when the total does not fit (the transaction is then rolled back)."""
    if conn.dialect.name == "postgresql":
        if not _pg_together(conn, orders):
            raise _NotAllFit
        return
    seats = {**orders[0].seats, "take_quantity": sum(o.seats["take_quantity"] for o in orders)}
    _insert_rows(conn, orders)
    if conn.execute(_TAKE_SEAT, seats).rowcount != 1:
        raise _NotAllFit
    conn.execute(_COUNT_SEATS, seats)


def _insert_rows(conn: Connection, orders: list[_Order]) -> None:
    """SQLite: the new accounts and their audit entries, the registrations, their audit entries and outbox
    rows (the worker polls; there is no NOTIFY)."""
    accounts = [o.account for o in orders if o.account is not None]
    if accounts:
        conn.execute(_U.insert(), [a.row for a in accounts])
        conn.execute(_A.insert(), [a.trail for a in accounts])
    conn.execute(_R.insert(), [o.registration for o in orders])
    conn.execute(_A.insert(), [o.trail for o in orders])
    messages = [o.mail for o in orders if o.mail is not None]
    if messages:
        conn.execute(_O.insert(), messages)


def _position(conn: Connection, registration: dict[str, Any]) -> int:
    with Session(bind=conn) as s:
        return waitlist_position(s, SimpleNamespace(**registration))  # type: ignore[arg-type]


def _finish(
    registration: dict[str, Any], message: dict[str, Any] | None, position: int | None = None
) -> RegistrationView:
    """After the commit: wake this process's mail workers, and say what was registered."""
    if message is not None:
        outbox.notify()
    return RegistrationView(
        id=str(registration["id"]),
        user_id=str(registration["user_id"]),
        package_id=str(registration["package_id"]),
        event_id=str(registration["event_id"]),
        quantity=registration["quantity"],
        status=registration["status"],
        ticket_code=registration["ticket_code"],
        created_at=registration["created_at"],
        waitlist_position=position,
        mail_message_id=str(message["id"]) if message is not None else None,
    )
