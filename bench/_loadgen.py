"""A small HTTP/1.1 load generator on asyncio streams: keep-alive connections to 127.0.0.1, nothing else.

httpx costs about as much CPU per request as the server under test does (4 ms here), and on a 2-core machine a
client that heavy measures itself. This one writes the request bytes and reads the status line, the headers
and a Content-Length or chunked body: tens of microseconds a request.

    async with Pool("http://127.0.0.1:8000", size=50) as pool:
        status, headers, body = await pool.request("POST", "/api/v1/x", json_body={...}, headers={...})
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import zlib
from typing import Any
from urllib.parse import urlencode, urlsplit


class HTTPError(Exception):
    pass


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
            self.reader = self.writer = None

    async def request(
        self, method: str, target: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        for attempt in (1, 2):
            if self.writer is None:
                await self._open()
            try:
                return await self._exchange(method, target, headers, body)
            except (ConnectionError, asyncio.IncompleteReadError, HTTPError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        assert self.reader is not None and self.writer is not None
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            raise HTTPError(f"bad status line {status_line!r}")
        got: dict[str, str] = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                got[name.strip().lower()] = value.strip()
        if got.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            data = b"".join(chunks)
        else:
            data = await self.reader.readexactly(int(got.get("content-length", "0")))
        if got.get("connection", "").lower() == "close":
            await self.close()
        return int(parts[1]), got, data


class Pool:
    """``size`` keep-alive connections; ``request`` waits for a free one."""

    def __init__(self, base_url: str, size: int, headers: dict[str, str] | None = None) -> None:
        url = urlsplit(base_url)
        self.prefix = url.path.rstrip("/")
        self.headers = headers or {}
        self._free: asyncio.Queue[Connection] = asyncio.Queue()
        for _ in range(size):
            self._free.put_nowait(Connection(url.hostname or "127.0.0.1", url.port or 80))
        self._all = list(self._free._queue)  # type: ignore[attr-defined]

    async def __aenter__(self) -> Pool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for c in self._all:
            await c.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        target = self.prefix + path + ("?" + urlencode(params) if params else "")
        sent = {**self.headers, **(headers or {})}
        body = b""
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        conn = await self._free.get()
        try:
            status, got, data = await conn.request(method, target, sent, body)
        finally:
            self._free.put_nowait(conn)
        if got.get("content-encoding") == "gzip":
            data = zlib.decompress(data, 16 + zlib.MAX_WBITS)
        return status, got, data


__all__ = ["HTTPError", "Pool"]
