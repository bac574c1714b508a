"""UI rush: 200 signed-in Socket.IO clients press Confirm within one second, on SQLite and PostgreSQL.

One ``python -m khala serve`` worker (the production mode, no Redis), the frontend built once. Each client is a
real websocket on Reflex's event namespace with its own session cookie (a verified account), loads the event's
page as a browser does (its on_load ``EventDetailState.load_page``: the page then shows live seat counts, pushed
by the seat hub), opens the register dialog of the same package (``RegistrationState.start``), and then, spread
evenly over one second, all press Confirm (``RegistrationState.confirm``). Reported: registrations/s while seats
last, p50/p95 from the click to the answer reaching the client (the frame that leaves "working": confirmed, or
sold out), the answers, oversold (must be 0), p50/p95 until the client is told what became of its confirmation
mail (the worker renders it), and the median number of live seat updates a page received during the rush.

    .venv/bin/python bench/ui_rush.py [--clients 200] [--capacity 100] [--spread 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

from _common import database, oversold, pct, table, using, write_json

from khala.ops import launcher

ANSWERS = ("done", "choose", "error", "need_login", "need_verify", "closed")


def setup(clients: int, capacity: int) -> tuple[str, str, list[str]]:
    """A published event with one package, and ``clients`` verified accounts each with a session; returns the
    package id, the event's slug and the session tokens."""
    import sqlalchemy as sa

    from khala.accounts import passwords
    from khala.accounts.models import User, UserSession
    from khala.audit.service import Actor
    from khala.db import get_engine, session_scope, utcnow
    from khala.events import service as events
    from khala.events.models import EventStatus

    bench = Actor.system("bench")
    with session_scope(write=True) as s:
        event = events.create_event(
            s,
            title="UI Rush",
            starts_at=utcnow() + timedelta(days=7),
            status=EventStatus.published,
            actor=bench,
        )
        package = events.add_package(
            s, event.id, title="Rush tier", capacity=capacity, max_per_registration=1, actor=bench
        )
        package_id, slug = str(package.id), event.slug
    now = utcnow()
    users, sessions, tokens = [], [], []
    for i in range(clients):
        user = User(email=f"ui{i}@bench.invalid", display_name=f"UI {i}", email_verified_at=now)
        users.append({c.name: getattr(user, c.name) for c in User.__table__.columns})
        token = passwords.new_secret()
        tokens.append(token)
        sessions.append(
            {
                "id": uuid.uuid4(),
                "user_id": user.id,
                "token_hash": passwords.hash_secret(token),
                "created_at": now,
                "last_seen_at": now,
                "expires_at": now + timedelta(days=14),
                "user_agent": "bench",
                "ip": "127.0.0.1",
            }
        )
    with get_engine().begin() as conn:
        conn.execute(sa.insert(User.__table__), users)
        conn.execute(sa.insert(UserSession.__table__), sessions)
    return package_id, slug, tokens


class Client:
    """One browser tab's websocket: Engine.IO 4 / Socket.IO 5 on Reflex's event namespace."""

    def __init__(self, base: str, token: str, state: str, namespace: str, path: str, detail: str) -> None:
        self.url = (
            base.replace("http://", "ws://") + f"/_event/?EIO=4&transport=websocket&token={uuid.uuid4()}"
        )
        self.origin, self.cookie, self.state, self.namespace, self.path = base, token, state, namespace, path
        self.detail = detail  # the event page's state: live seat counts arrive there
        self.seat_updates: list[float] = []  # when a live seat update arrived
        self.ws = None
        self.phase = ""
        self.message = ""
        self.changes: asyncio.Queue[tuple[float, str, str]] = asyncio.Queue()

    async def connect(self) -> None:
        import websockets
        from reflex import constants

        self.ws = await websockets.connect(
            self.url,
            origin=self.origin,  # type: ignore[arg-type]
            subprotocols=[constants.Reflex.VERSION],  # type: ignore[list-item]
            additional_headers={"Cookie": f"khala_session={self.cookie}; __Host-khala_session={self.cookie}"},
            open_timeout=60,
            ping_interval=None,
            max_size=None,
        )
        await self.ws.recv()  # engine.io OPEN
        await self.ws.send(f"40{self.namespace},")
        reply = await self.ws.recv()
        if not str(reply).startswith("40"):
            raise RuntimeError(f"namespace connect refused: {reply!r}")
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        prefix = f"42{self.namespace},"
        async for frame in self.ws:
            now = time.perf_counter()
            if frame == "2":
                await self.ws.send("3")
                continue
            if not isinstance(frame, str) or not frame.startswith(prefix):
                continue
            _, update = json.loads(frame[len(prefix) :])
            delta = update.get("delta") or {}
            if "packages_rx_state_" in (delta.get(self.detail) or {}):
                self.seat_updates.append(now)
            mine = delta.get(self.state) or {}
            if "phase_rx_state_" in mine or "message_rx_state_" in mine:
                self.phase = mine.get("phase_rx_state_", self.phase)
                self.message = mine.get("message_rx_state_", self.message)
                self.changes.put_nowait((now, self.phase, self.message))

    async def send(self, handler: str, payload: dict | None = None, *, state: str = "") -> None:
        assert self.ws is not None
        event = {
            "name": f"{state or self.state}.{handler}",
            "payload": payload or {},
            "router_data": {"pathname": self.path, "query": {}, "asPath": self.path},
        }
        await self.ws.send(f"42{self.namespace}," + json.dumps(["event", event]))

    async def until(self, done, timeout: float) -> tuple[float, str, str]:
        deadline = time.perf_counter() + timeout
        while True:
            change = await asyncio.wait_for(self.changes.get(), max(0.01, deadline - time.perf_counter()))
            if done(change):
                return change

    async def close(self) -> None:
        if self.ws is not None:
            self.reader.cancel()
            await self.ws.close()


async def rush(base: str, package_id: str, slug: str, tokens: list[str], spread: float) -> dict:
    from reflex_base.config import get_config

    from khala.events.state.detail import EventDetailState
    from khala.registrations.state import RegistrationState

    state, namespace = RegistrationState.get_full_name(), get_config().get_event_namespace()
    detail = EventDetailState.get_full_name()
    clients = [Client(base, t, state, namespace, f"/events/{slug}", detail) for t in tokens]
    gate = asyncio.Semaphore(20)  # connecting and opening the dialog is not what is measured

    async def prepare(c: Client) -> None:
        async with gate:
            await c.connect()
            await c.send("load_page", state=detail)  # the page's on_load: it now watches the seats
            await c.send("start", {"package_id": package_id, "quantity": 1})
            await c.until(lambda ch: ch[1] == "choose", 120)

    await asyncio.gather(*(prepare(c) for c in clients))
    answers: Counter[str] = Counter()
    latencies: list[float] = []
    confirmed_at: list[float] = []
    told: list[float] = []
    latency_end: list[float] = []  # when each answer arrived, from the start
    start = time.perf_counter() + 0.5
    for c in clients:
        c.seat_updates.clear()

    async def press(i: int, c: Client) -> None:
        await asyncio.sleep(max(0.0, start + spread * i / len(clients) - time.perf_counter()))
        clicked = time.perf_counter()
        await c.send("confirm")
        working = False

        def answered(change: tuple[float, str, str]) -> bool:
            nonlocal working
            working = working or change[1] == "working"
            return change[1] in ANSWERS and (working or change[1] != "choose")

        at, phase, message = await c.until(answered, 120)
        latencies.append(at - clicked)
        latency_end.append(at - start)
        kind = "confirmed" if phase == "done" and message.startswith("You're in") else phase
        if phase == "choose" and "sold out" in message.lower():
            kind = "sold out"
        answers[kind] += 1
        if kind == "confirmed":
            confirmed_at.append(at - start)
            try:  # the mail's fate replaces the "queued" line (unchanged when still queued after 2 s)
                at2, _, _ = await c.until(lambda ch: ch[2] != message, 5)
                told.append(at2 - clicked)
            except TimeoutError:
                pass

    await asyncio.gather(*(press(i, c) for i, c in enumerate(clients)))
    last = start + max(latency_end) if latency_end else start
    updates = sorted(sum(1 for t in c.seat_updates if t <= last) for c in clients)
    await asyncio.gather(*(c.close() for c in clients))
    sold_by = max(confirmed_at) if confirmed_at else float("nan")
    return {
        "clients": len(clients),
        "spread_s": spread,
        "answers": dict(answers),
        "answered": sum(answers.values()),
        "registrations_per_s": round(len(confirmed_at) / sold_by, 1) if confirmed_at else 0.0,
        "p50_ms": round(pct(latencies, 50) * 1000, 1),
        "p95_ms": round(pct(latencies, 95) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1) if latencies else float("nan"),
        "mail_told_p50_ms": round(pct(told, 50) * 1000, 1),
        "mail_told_p95_ms": round(pct(told, 95) * 1000, 1),
        "seat_updates_per_page": updates[len(updates) // 2] if updates else 0,
        "rush_s": round(last - start, 2),  # from the first click to the last answer
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--capacity", type=int, default=100)
    parser.add_argument("--spread", type=float, default=1.0, help="seconds over which the clicks are spread")
    args = parser.parse_args()
    results, rows = {}, []
    with launcher.current_build():
        for kind in ("sqlite", "postgresql"):
            with database(kind) as url:
                if url is None:
                    continue
                with using(url):
                    package_id, slug, tokens = setup(args.clients, args.capacity)
                with tempfile.TemporaryDirectory() as tmp:
                    port = launcher.free_port()
                    env = launcher.server_env(
                        Path(tmp), port, KHALA_DATABASE_URL=url, KHALA_PUBLIC_URL=f"http://127.0.0.1:{port}"
                    )
                    server = launcher.start(env, Path(tmp) / "serve.log")
                    try:
                        server.wait_ready("/readyz", timeout=180)
                        r = asyncio.run(rush(server.url, package_id, slug, tokens, args.spread))
                    except Exception:
                        print(server.log_tail(60))
                        raise
                    finally:
                        server.stop()
                with using(url):
                    r.update(oversold(package_id, args.capacity))
                results[kind] = r
                rows.append(
                    [
                        kind,
                        r["answered"],
                        ", ".join(f"{k}: {v}" for k, v in sorted(r["answers"].items())),
                        r["registrations_per_s"],
                        r["p50_ms"],
                        r["p95_ms"],
                        r["mail_told_p95_ms"],
                        f"{r['seat_updates_per_page']} in {r['rush_s']:g} s",
                        r["oversold"],
                    ]
                )
    table(
        f"UI rush: {args.clients} signed-in websocket clients press Confirm within {args.spread:g} s, "
        f"capacity {args.capacity} (python -m khala serve, 1 worker)",
        [
            "database",
            "answered",
            "answers",
            "reg/s",
            "p50 ms",
            "p95 ms",
            "mail told p95 ms",
            "seat updates",
            "oversold",
        ],
        rows,
    )
    write_json("ui_rush", {"clients": args.clients, "capacity": args.capacity, "backends": results})
    if any(r["oversold"] for r in results.values()):
        raise SystemExit("OVERSOLD")


if __name__ == "__main__":
    main()
