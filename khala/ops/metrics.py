"""Prometheus metrics (prometheus-client), served at ``/metrics`` to holders of ``KHALA_METRICS_TOKEN`` only.

Per process (merged across workers through ``PROMETHEUS_MULTIPROC_DIR``, which ``serve`` sets when it runs
several): request latency and counts by route template, open websocket clients. From the database, read at
scrape time (at most every few seconds, whichever process is asked): registrations by status, seats taken,
outbox messages by status, the age of the oldest pending message, failed mails.
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
import time
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from khala.ops import stats
from khala.settings import Settings

log = logging.getLogger("khala.metrics")

REQUEST_SECONDS = Histogram(
    "khala_http_request_duration_seconds",
    "Time from request to the end of the response, by route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REQUESTS = Counter(
    "khala_http_requests", "HTTP responses by route template and status.", ["method", "route", "status"]
)
WEBSOCKET_CLIENTS = Gauge(
    "khala_websocket_clients",
    "Open websocket connections (Reflex event channel).",
    multiprocess_mode="livesum",
)
SNAPSHOT_TTL = 5.0


class DomainCollector(Collector):
    """Figures from the database, cached for a few seconds so scrapes cost one short read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at = 0.0
        self._snapshot: stats.Snapshot | None = None

    def _current(self) -> stats.Snapshot | None:
        with self._lock:
            if self._snapshot is None or time.monotonic() - self._at > SNAPSHOT_TTL:
                try:
                    self._snapshot = stats.snapshot()
                    self._at = time.monotonic()
                except Exception:  # the database is away: report what we can (readiness says why)
                    log.warning("metrics: database figures unavailable", exc_info=True)
                    return None
            return self._snapshot

    def describe(self) -> list[Metric]:
        return []  # registering must not query the database (the registry would call collect())

    def collect(self) -> Iterator[Metric]:
        snap = self._current()
        up = GaugeMetricFamily(
            "khala_database_figures_up", "1 when the database figures below could be read."
        )
        up.add_metric([], 1 if snap else 0)
        yield up
        if snap is None:
            return
        regs = GaugeMetricFamily("khala_registrations", "Registrations by status.", labels=["status"])
        for status, n in sorted(snap.registrations.items()):
            regs.add_metric([status], n)
        yield regs
        yield GaugeMetricFamily(
            "khala_seats_taken", "Seats taken over every package.", value=snap.seats_taken
        )
        outbox = GaugeMetricFamily("khala_outbox_messages", "Outbox messages by status.", labels=["status"])
        for status, n in sorted(snap.outbox.items()):
            outbox.add_metric([status], n)
        yield outbox
        yield GaugeMetricFamily(
            "khala_outbox_depth",
            "Messages waiting to be delivered (queued + sending).",
            value=snap.outbox_depth,
        )
        yield GaugeMetricFamily(
            "khala_outbox_oldest_pending_seconds",
            "Age of the oldest message still waiting to be delivered (0 when none).",
            value=snap.outbox_oldest_pending_seconds,
        )
        yield GaugeMetricFamily(
            "khala_mail_failed",
            "Mails that failed for good (status failed).",
            value=snap.outbox.get("failed", 0),
        )


DOMAIN = DomainCollector()
REGISTRY.register(DOMAIN)


def render() -> tuple[bytes, str]:
    """The exposition text for this process, or for all workers when several share a multiprocess dir."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(DOMAIN)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def authorized(settings: Settings, authorization: str | None) -> bool:
    """``Authorization: Bearer <KHALA_METRICS_TOKEN>`` (compared in constant time)."""
    token = settings.metrics_token
    if not token or not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
