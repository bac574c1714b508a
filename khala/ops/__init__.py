"""Running Khala in production: build once, serve fast, tell operators how it is doing.

- ``build``: compile the Reflex pages and build the frontend once, stamped with a hash of its sources;
- ``migrations``: upgrade the schema under a database lock (replicas that start together migrate once);
- ``serve``: the container's command — migrate, then serve the prebuilt frontend and the backend on one port;
- ``health``: the structured health report (``check()``) behind ``/healthz``, ``/readyz`` and the admin;
- ``metrics``: Prometheus metrics behind a token; ``middleware``: request id, one log line per request,
  latency by route, websocket clients and the security headers on every response; ``logs``: JSON logs.
"""
