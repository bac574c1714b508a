"""Registering from the event modal, and "My tickets".

Every handler checks the caller itself (any client can call any handler by name); every database, mail or
hashing call runs off the event loop.
"""

from __future__ import annotations

import asyncio
import contextvars
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import reflex as rx

from khala.accounts import auth, sessions, throttle
from khala.accounts import service as accounts
from khala.audit.service import Actor
from khala.errors import AlreadyRegistered, DomainError, NotAuthenticated, NotFound, NotVerified, SoldOut
from khala.lib import routes
from khala.lib.dates import format_datetime_short
from khala.lib.i18n import gettext as _
from khala.lib.i18n import ngettext
from khala.lib.money import format_price
from khala.mail import service as mail
from khala.registrations import queries, service
from khala.registrations.tickets import qr_svg_data_uri


def _clip(value: object, n: int = 64) -> str:
    return str(value or "")[:n]


def _quantity(value: object, maximum: int) -> int:
    try:
        q = int(float(str(value)))
    except (ValueError, OverflowError):
        q = 1
    return max(1, min(q, max(1, maximum)))


class _StatusLooks:
    """Every open tab that follows a confirmation mail looks up its status now and then; looks asked for
    while one query is running share the next one (a sale rush follows a hundred mails at once, and each
    look in its own thread would queue in the default executor beside the registrations)."""

    def __init__(self) -> None:
        self._asked: dict[uuid.UUID, list[asyncio.Future[mail.MailStatus]]] = {}
        self._task: asyncio.Task | None = None

    async def status(self, message_id: str) -> mail.MailStatus:
        key = uuid.UUID(str(message_id))
        future: asyncio.Future[mail.MailStatus] = asyncio.get_running_loop().create_future()
        self._asked.setdefault(key, []).append(future)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), context=contextvars.Context())
        return await future

    async def _run(self) -> None:
        while self._asked:
            asked, self._asked = self._asked, {}
            try:
                found = await asyncio.to_thread(mail.delivery_statuses, list(asked))
            except Exception as exc:  # noqa: BLE001 - each waiting tab gets the error, as its own look would
                found, error = {}, exc
            else:
                error = None
            for key, futures in asked.items():
                for future in futures:
                    if future.done():
                        continue
                    if key in found:
                        future.set_result(found[key])
                    else:
                        future.set_exception(error or NotFound(_(mail.NOT_FOUND)))


_status_looks = _StatusLooks()


async def _delivery(message_id: str, timeout: float) -> mail.MailStatus:
    """``mail.wait_for_delivery`` without holding a thread while waiting: each look is a short query in a
    thread (shared with the other tabs looking at the same moment), the waits between them are on the
    event loop."""
    loop = asyncio.get_running_loop()
    deadline, pause = loop.time() + timeout, 0.1
    while True:
        await asyncio.sleep(min(pause, max(0.0, deadline - loop.time())))  # it was queued a moment ago
        status = await _status_looks.status(message_id)
        done = status.is_final or (status.status == mail.OutboxStatus.QUEUED and status.attempts > 0)
        if done or loop.time() >= deadline:
            return status
        pause = min(pause * 2, 0.5)


async def _mail_outcome(message_id: str | None, waitlisted: bool) -> str:
    """The truth about the confirmation mail, after giving the worker a moment to send it."""
    lead = _("You're on the waiting list") if waitlisted else _("You're in")
    if not message_id:
        return f"{lead}."
    status = await _delivery(message_id, 2.0)
    to = {"to": status.recipient}
    if status.status == mail.OutboxStatus.SENT:
        return f"{lead} — " + _("confirmation sent to %(to)s.") % to
    if status.status == mail.OutboxStatus.CAPTURED:
        return f"{lead} — " + _(
            "no mail server is configured, so the confirmation was written to the server log."
        )
    if status.status == mail.OutboxStatus.FAILED:
        tail = _("but the confirmation mail to %(to)s could not be delivered. Your ticket is on My tickets.")
        return f"{lead} — " + tail % to
    return f"{lead} — " + _("the confirmation mail to %(to)s is queued; we'll keep trying.") % to


def _register_as(
    token: str | None, package_id: str, quantity: int, waitlist: bool
) -> tuple[sessions.CurrentUser, queries.RegistrationView]:
    """The caller's check and the seat in one trip off the event loop: the session behind the websocket's
    cookie must be a signed-in, verified account (``auth.require_verified``, checked against the database
    now); then the per-user rate limit, then the seat."""
    user = sessions.check_verified(sessions.resolve_session(token))
    # Each registration mails a confirmation: register/cancel loops are rate limited per user (L12).
    throttle.registration_changes_by_user.consume(str(user.id))
    reg = service.register(user.id, package_id, quantity, actor=Actor.user(user), waitlist=waitlist)
    return user, reg


class RegistrationState(rx.State):
    """The register dialog: choose a quantity, confirm, and see what really happened."""

    dialog_open: bool = False
    # choose | need_login | need_verify | closed | working | done | error
    phase: str = "choose"
    package_id: str = ""
    package_title: str = ""
    event_title: str = ""
    event_slug: str = ""
    unit_price: str = ""
    total_price: str = ""
    max_quantity: int = 1
    quantity: int = 1
    waitlist: bool = False
    seats_note: str = ""
    message: str = ""
    ticket_code: str = ""
    login_href: str = routes.LOGIN
    signup_href: str = routes.SIGNUP
    _price_minor: int = 0
    _mail_id: str = ""  # the confirmation mail of the last registration made here (followed by follow_mail)
    _mail_tail: str = ""  # the waiting-list place, said after the mail's outcome
    _currency: str = ""  # the package's; empty until loaded (format_price then uses the default)

    def _set_links(self) -> None:
        back = routes.event(self.event_slug, register=self.package_id, qty=self.quantity)
        self.login_href, self.signup_href = routes.login(back), routes.signup(back)

    def _set_quantity(self, quantity: int) -> None:
        self.quantity = _quantity(quantity, self.max_quantity)
        self.total_price = format_price(self._price_minor * self.quantity, self._currency)

    @rx.event
    async def start(self, package_id: str, quantity: int | str = 1):
        """Open the dialog for a package (public facts only; nothing is taken here)."""
        if self.phase == "working":
            return  # a confirmation is on its way (``confirm`` runs beside this tab's other events)
        self.message = ""
        self.ticket_code = ""
        try:
            summary = await asyncio.to_thread(queries.package_summary, _clip(package_id))
        except DomainError as exc:
            self.phase, self.message, self.dialog_open = "error", exc.message, True
            return
        self.package_id = summary.package_id
        self.package_title = summary.package_title
        self.event_title = summary.event_title
        self.event_slug = summary.event_slug
        self._price_minor, self._currency = summary.price_minor, summary.currency
        self.unit_price = format_price(summary.price_minor, summary.currency)
        self.max_quantity = summary.max_per_registration
        if summary.seats_left is not None:
            self.max_quantity = max(1, min(self.max_quantity, summary.seats_left or self.max_quantity))
        self._set_quantity(_quantity(quantity, self.max_quantity))
        self.waitlist = summary.sold_out
        self.seats_note = (
            _("Sold out — join the waiting list and you'll get a seat automatically if one frees up.")
            if summary.sold_out
            else (
                ""
                if summary.seats_left is None
                else ngettext("%(num)d seat left", "%(num)d seats left", summary.seats_left)
                % {"num": summary.seats_left}
            )
        )
        self._set_links()
        self.dialog_open = True
        if summary.sales_state != "open":
            self.phase = "closed"
            self.message = summary.sales_message
            return
        user = await auth.current_user(self)
        if user is None:
            self.phase = "need_login"
            return
        if not user.is_verified:
            self.phase = "need_verify"
            return
        existing = await asyncio.to_thread(queries.find_active, user.id, summary.package_id)
        if existing is not None:
            self.phase, self.ticket_code = "done", existing.ticket_code
            self.message = (
                _("You're already on the waiting list (position %(position)s).")
                % {"position": existing.waitlist_position}
                if existing.status == "waitlisted"
                else _("You already have a ticket for this package.")
            )
            return
        self.phase = "choose"

    @rx.event
    async def resume(self):
        """on_load of the event page: come back from sign-in to the same package with the choice kept."""
        params = self.router.page.params
        package_id = _clip(params.get("register", ""))
        if package_id:
            return RegistrationState.start(package_id, _clip(params.get("qty", "1"), 4))
        return None

    @rx.event
    def set_quantity(self, value: float | str) -> None:
        if self.phase == "working":
            return
        self._set_quantity(_quantity(value, self.max_quantity))
        self._set_links()

    @rx.event
    def close(self) -> None:
        if self.phase != "working":
            self.dialog_open = False

    @rx.event
    def set_dialog_open(self, value: bool) -> None:
        if not value:
            self.close()

    @rx.event(background=True)
    async def confirm(self):
        """Take the seats (or a waiting-list place). The caller is checked here, not by the page.

        A background event: this tab's state is locked only for the two short writes (``working``, then the
        outcome), not while the session, the throttle and the seat are checked and taken in one thread hop
        (live seat counts and other events of the tab are not held up behind it). The outcome is shown as
        soon as the seat is taken; the mail is followed by ``follow_mail``, a background event too."""
        async with self:
            if self.phase != "choose":
                return  # a double click, or a repeated call: nothing happens twice
            self.phase = "working"
            token = auth.session_token(self)
            package_id, quantity, waitlist = self.package_id, self.quantity, self.waitlist
        try:
            user, reg = await asyncio.to_thread(_register_as, token, package_id, quantity, waitlist)
        except DomainError as exc:
            async with self:
                self._refused(exc)
            return
        waitlisted = reg.status == "waitlisted"
        lead = _("You're on the waiting list") if waitlisted else _("You're in")
        tail = (
            " " + _("You're number %(position)s in line.") % {"position": reg.waitlist_position}
            if waitlisted
            else ""
        )
        async with self:
            self._mail_tail = tail
            self.ticket_code, self.phase = reg.ticket_code, "done"
            self._mail_id = reg.mail_message_id or ""
            if not reg.mail_message_id:
                self.message = f"{lead}." + tail
                return
            queued = _("the confirmation mail to %(to)s is queued; we'll keep trying.") % {"to": user.email}
            self.message = f"{lead} — {queued}" + tail
        yield RegistrationState.follow_mail

    def _refused(self, exc: DomainError) -> None:
        """What a refused confirmation shows."""
        if isinstance(exc, AlreadyRegistered):
            self.phase, self.message = "done", _("You already have a ticket for this package.")
        elif isinstance(exc, SoldOut):
            self.phase, self.waitlist = "choose", True
            self.message = f"{exc.message} " + _("You can join the waiting list instead.")
        elif isinstance(exc, NotAuthenticated):
            self.phase = "need_login"
        elif isinstance(exc, NotVerified):
            self.phase = "need_verify"
        else:
            self.phase, self.message = "error", exc.message

    async def _follow(self, message_id: str, ticket_code: str, tail: str) -> None:
        """Tell what became of one confirmation mail, unless the dialog has moved on meanwhile."""
        outcome = await _mail_outcome(message_id, bool(tail)) + tail
        async with self:
            if self.phase == "done" and self.ticket_code == ticket_code:
                self.message = outcome

    @rx.event(background=True)
    async def follow_mail(self):
        """Tell what became of the confirmation mail of this tab's last registration (sent, written to the
        log, failed, or still queued after two seconds). Only that mail: its id is kept server-side."""
        async with self:
            message_id, ticket_code, tail = self._mail_id, self.ticket_code, self._mail_tail
        if message_id:
            await self._follow(message_id, ticket_code, tail)

    @rx.event
    async def resend_verification(self):
        try:
            user = await auth.require_user(self)
            self.message = await asyncio.to_thread(accounts.resend_verification_for, user.id)
        except DomainError as exc:
            self.message = exc.message


@dataclass
class TicketRow:
    id: str = ""
    status: str = ""
    status_label: str = ""
    quantity: int = 1
    ticket_code: str = ""
    qr: str = ""
    package_title: str = ""
    price_label: str = ""
    event_slug: str = ""
    event_title: str = ""
    when: str = ""
    venue: str = ""
    address: str = ""
    upcoming: bool = True
    cancellable: bool = False
    waitlisted: bool = False


def _row(t: queries.TicketView) -> TicketRow:

    waitlisted = t.status == "waitlisted"
    return TicketRow(
        id=t.id,
        status=t.status,
        status_label=(
            _("Waiting list · number %(position)s") % {"position": t.waitlist_position}
            if waitlisted
            else (_("Event cancelled") if t.event_status == "cancelled" else _("Confirmed"))
        ),
        quantity=t.quantity,
        ticket_code=t.ticket_code,
        qr="" if waitlisted else qr_svg_data_uri(t.ticket_code),
        package_title=t.package_title,
        price_label=format_price(t.price_minor * t.quantity, t.currency),
        event_slug=t.event_slug,
        event_title=t.event_title,
        when=format_datetime_short(t.starts_at, t.timezone),
        venue=t.venue,
        address=t.address,
        upcoming=t.cancellable or t.starts_at > datetime.now(UTC),
        cancellable=t.cancellable,
        waitlisted=waitlisted,
    )


class TicketsState(rx.State):
    """My tickets: only the signed-in owner's registrations, loaded and changed by checked handlers."""

    upcoming: list[TicketRow] = []
    past: list[TicketRow] = []
    loaded: bool = False
    confirm_id: str = ""
    confirm_title: str = ""
    notice: str = ""
    error: str = ""

    async def _reload(self, user_id: str) -> None:
        tickets = await asyncio.to_thread(queries.tickets_for_user, user_id)
        rows = await asyncio.to_thread(lambda: [_row(t) for t in tickets])
        self.upcoming = [r for r in rows if r.upcoming]
        self.past = [r for r in reversed(rows) if not r.upcoming]
        self.loaded = True

    @rx.event
    async def load(self):
        """on_load of /tickets: anonymous visitors go to sign in and come back."""
        self.notice, self.error = "", ""
        user = await auth.current_user(self)
        if user is None:
            self.upcoming, self.past, self.loaded = [], [], False
            return rx.redirect(routes.login(routes.TICKETS))
        await self._reload(str(user.id))
        cancel = _clip(self.router.page.params.get("cancel", ""))
        if cancel:
            return TicketsState.ask_cancel(cancel)
        return None

    @rx.event
    def ask_cancel(self, registration_id: str) -> None:
        match = next((t for t in self.upcoming if t.id == registration_id), None)
        if match is None or not match.cancellable:
            self.error = _(
                "That ticket can't be cancelled (it may already be cancelled or the event has started)."
            )
            return
        self.confirm_id = match.id
        self.confirm_title = f"{match.event_title} — {match.package_title} × {match.quantity}"

    @rx.event
    def keep(self) -> None:
        self.confirm_id = ""

    @rx.event
    def set_confirm_open(self, value: bool) -> None:
        if not value:
            self.confirm_id = ""

    @rx.event
    async def cancel(self):
        """Cancel the chosen registration — only if it is the caller's own (checked by the service)."""
        registration_id, self.confirm_id = self.confirm_id, ""
        try:
            user = await auth.require_user(self)
            await asyncio.to_thread(throttle.registration_changes_by_user.consume, str(user.id))
            result = await asyncio.to_thread(service.cancel, _clip(registration_id), actor=Actor.user(user))
        except DomainError as exc:
            self.error = exc.message
            return
        note = _("Cancelled — your seats went back to the pool.")
        if result.mail_message_id:
            status = await asyncio.to_thread(mail.wait_for_delivery, result.mail_message_id, 1.0)
            note += " " + _("A confirmation is %(status)s.") % {"status": status.summary}
        self.notice = note
        await self._reload(str(user.id))
