"""SIGTERM (what `docker stop` sends to the container's first process) while a request is in flight: the
request completes, new connections are refused, and the server exits 0 on its own."""

from __future__ import annotations

import os
import signal
import socket
import time

from khala.ops import launcher


def _read_all(sock: socket.socket, timeout: float = 20.0) -> bytes:
    sock.settimeout(timeout)
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_sigterm_during_a_request_lets_it_complete(serve_process) -> None:
    server = serve_process()
    server.wait_ready("/readyz", timeout=60)
    origin = f"http://127.0.0.1:{server.port}"
    body = b"code=not-a-real-code&next=%2Fevents&pad=" + b"x" * 4000
    head = (
        f"POST /auth/complete HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nOrigin: {origin}\r\nSec-Fetch-Site: same-origin\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + body[:100])  # the handler is now reading the form, waiting for the rest
        time.sleep(0.5)
        os.kill(server.proc.pid, signal.SIGTERM)  # the supervisor only, as a container runtime does
        time.sleep(1.0)
        assert server.proc.poll() is None  # still draining: the request is not done
        sock.sendall(body[100:])
        response = _read_all(sock)
    status_line = response.split(b"\r\n", 1)[0]
    assert status_line == b"HTTP/1.1 303 See Other", response[:300]
    assert b"location: /login?expired=1" in response.lower()  # the real answer to an unknown code
    assert server.proc.wait(timeout=30) == 0
    assert launcher.http_status(server.url + "/healthz", timeout=1) == 0  # nothing listens any more
    log = server.log_tail()
    assert "Granian shutdown completed" in log and "refused to gracefully stop" not in log
