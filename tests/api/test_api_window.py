"""The API's in-memory moving window (api/window.py) answers as limits' MovingWindowRateLimiter does, with
no timer thread."""

from __future__ import annotations

import random
import threading
import time

from limits import parse, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from khala.api.window import MovingWindow


def test_three_a_minute(monkeypatch) -> None:
    clock = [1_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    window, item = MovingWindow(), parse("3/minute")
    for t in (0, 1, 2):
        clock[0] = 1_000.0 + t
        assert window.hit(item, "api-key", "k")
    assert not window.hit(item, "api-key", "k")
    assert window.hit(item, "api-key", "other")  # counted per key
    stats = window.get_window_stats(item, "api-key", "k")
    assert stats.remaining == 0 and stats.reset_time == 1_060.0  # when the oldest hit leaves
    clock[0] = 1_060.5
    assert window.hit(item, "api-key", "k")
    assert not window.hit(item, "api-key", "k")
    window.reset()
    assert window.get_window_stats(item, "api-key", "k").remaining == 3


def test_same_answers_as_limits_over_a_random_day(monkeypatch) -> None:
    clock = [50_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    ours, theirs = MovingWindow(), MovingWindowRateLimiter(MemoryStorage())
    tiers = parse_many("5/minute;12/10 minutes")
    rng = random.Random(15)
    for _ in range(3_000):
        clock[0] += rng.choice((0.0, 0.5, 3.0, 20.0, 61.0)) + rng.random() / 100  # no hit exactly on an edge
        key = rng.choice("ab")
        for item in tiers:
            assert ours.hit(item, "ns", key) == theirs.hit(item, "ns", key)
            a, b = ours.get_window_stats(item, "ns", key), theirs.get_window_stats(item, "ns", key)
            assert a.remaining == b.remaining
            assert abs(a.reset_time - b.reset_time) < 1e-6 or a.remaining == item.amount


def test_no_thread_is_started_per_hit(monkeypatch) -> None:
    started: list[threading.Thread] = []
    start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda self: (started.append(self), start(self))[1])
    window, item = MovingWindow(), parse("1000000/minute")
    for _ in range(2_000):
        assert window.hit(item, "api-key", "busy")
    assert started == []
    assert window.get_window_stats(item, "api-key", "busy").remaining == 1_000_000 - 2_000


def test_idle_keys_are_swept(monkeypatch) -> None:
    clock = [0.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    window, item = MovingWindow(), parse("10/minute")
    for n in range(100):
        window.hit(item, "api-key", f"key{n}")
    clock[0] = 200.0
    window.hit(item, "api-key", "fresh")
    assert list(window._hits) == [item.key_for("api-key", "fresh")]
