"""Websocket clients against one `python -m khala serve` worker (demo catalogue, SQLite, no Redis):

- UI round trip: p50/p95 from clicking an event card in Chromium to the modal showing that event, while 100
  other websocket clients are connected (and once with none, for comparison);
- memory: the worker's resident memory with 0, 100 and 1,000 idle websocket clients (each one a real
  Socket.IO connection to the event namespace, as a browser tab opens it, answering the server's pings).
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path

from _common import summary_ms, table, write_json
from first_load import seed

from khala.ops import launcher

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
RUNS = 20


def worker_pid(supervisor: int) -> int:
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    return int(children[0])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


class IdleClients:
    """N Socket.IO clients in a background event loop; each stays connected until ``close()``."""

    def __init__(self, base: str, origin: str) -> None:
        from reflex_base.config import get_config

        self.url = base.replace("http://", "ws://") + "/_event/?EIO=4&transport=websocket"
        self.origin = origin
        self.namespace = get_config().get_event_namespace()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.tasks: list[asyncio.Future] = []
        self.connected = 0
        self._stop = asyncio.Event()

    async def _client(self) -> None:
        import websockets
        from reflex import constants

        token = str(uuid.uuid4())
        async with websockets.connect(
            f"{self.url}&token={token}",
            origin=self.origin,  # type: ignore[arg-type]
            subprotocols=[constants.Reflex.VERSION],  # type: ignore[list-item]
            open_timeout=30,
            ping_interval=None,
        ) as ws:
            await ws.recv()  # engine.io OPEN
            await ws.send(f"40{self.namespace},")  # socket.io CONNECT to the event namespace
            reply = await ws.recv()
            if not str(reply).startswith("40"):
                raise RuntimeError(f"namespace connect refused: {reply!r}")
            self.connected += 1
            while not self._stop.is_set():
                try:
                    msg = await asyncio.wait_for(ws.recv(), timeout=1.0)
                except TimeoutError:
                    continue
                if msg == "2":  # engine.io PING → PONG
                    await ws.send("3")

    def open(self, n: int, timeout: float = 120.0) -> None:
        target = self.connected + n
        for _ in range(n):
            self.tasks.append(asyncio.run_coroutine_threadsafe(self._client(), self.loop))
        launcher.wait_until(lambda: self.connected >= target, timeout, interval=0.2, what=f"{target} clients")

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self._stop.set)
        for t in self.tasks:
            with contextlib.suppress(Exception):
                t.result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def modal_times(browser, url: str, runs: int) -> list[float]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(url + "/events")
    page.locator("article.khala-card").first.wait_for(timeout=60_000)
    cards = page.locator("article.khala-card")
    samples: list[float] = []
    for i in range(runs):
        card = cards.nth(i % max(1, min(cards.count(), 12)))
        title = card.locator("h3").first.inner_text().strip()
        page.evaluate(
            """(title) => { window.__t0 = performance.now(); window.__t1 = null;
                const watch = () => { const h = document.querySelector('#event-modal h2');
                  if (h && h.textContent === title && document.querySelector('#event-modal [data-package-id]'))
                    { window.__t1 = performance.now(); return; } requestAnimationFrame(watch); };
                requestAnimationFrame(watch); }""",
            title,
        )
        card.locator("a").first.click()
        page.wait_for_function(
            "() => window.__t1 !== null", timeout=30_000
        )  # a function: no eval under the CSP
        samples.append(page.evaluate("(window.__t1 - window.__t0) / 1000"))
        page.keyboard.press("Escape")
        page.locator("#event-modal").wait_for(state="detached", timeout=30_000)
        time.sleep(0.2)
    ctx.close()
    return samples


def main() -> None:
    from playwright.sync_api import sync_playwright

    result: dict[str, object] = {}
    with launcher.current_build(), tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        url = f"sqlite:///{data_dir / 'khala.db'}"
        port = launcher.free_port()
        origin = f"http://127.0.0.1:{port}"
        env = launcher.server_env(data_dir, port, KHALA_DATABASE_URL=url, KHALA_PUBLIC_URL=origin)
        seed(env)  # with the server's own settings (first_load.seed)
        server = launcher.start(env, data_dir / "serve.log")
        clients = None
        try:
            server.wait_ready("/readyz", timeout=120)
            pid = worker_pid(server.proc.pid)
            memory = {"0": rss_mb(pid)}
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                try:
                    alone = modal_times(browser, server.url, RUNS)
                    clients = IdleClients(server.url, origin)
                    clients.open(100)
                    time.sleep(2)
                    memory["100"] = rss_mb(pid)
                    crowded = modal_times(browser, server.url, RUNS)
                finally:
                    browser.close()
            clients.open(900)
            time.sleep(3)
            memory["1000"] = rss_mb(pid)
            result = {
                "card_to_modal_alone": summary_ms(alone),
                "card_to_modal_with_100_clients": summary_ms(crowded),
                "worker_rss_mb_by_idle_clients": memory,
                "kb_per_idle_client": round((memory["1000"] - memory["0"]) * 1024 / 1000, 1),
                "clients_connected": clients.connected,
            }
        finally:
            if clients is not None:
                clients.close()
            server.stop()
    table(
        "websocket clients on one worker",
        ["measure", "value"],
        [
            [
                "card → modal p50/p95 ms, alone",
                f"{result['card_to_modal_alone']['p50_ms']} / {result['card_to_modal_alone']['p95_ms']}",
            ],
            [
                "card → modal p50/p95 ms, 100 other clients",
                f"{result['card_to_modal_with_100_clients']['p50_ms']} / {result['card_to_modal_with_100_clients']['p95_ms']}",
            ],
            *[[f"worker RSS MB, {k} idle clients", v] for k, v in memory.items()],
            ["KB per idle client", result["kb_per_idle_client"]],
        ],
    )
    write_json("ws_clients", result)


if __name__ == "__main__":
    main()
