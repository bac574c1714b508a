# Khala in one container: `python -m khala serve` on one port, production mode by default.
# Give it KHALA_PUBLIC_URL (https://…), KHALA_SECRET_KEY, KHALA_DATABASE_URL (PostgreSQL), KHALA_REDIS_URL
# (for several workers or replicas), KHALA_SMTP_URL and AZURE_STORAGE_CONNECTION_STRING; see compose.yaml.
#
# Every RUN below is a make target that CI runs too (.ci/run: make lint test, which builds the frontend and
# serves a runtime tree made by `make image-runtime`), so each step is known to work without a container engine.

# ---- build: locked Python dependencies, bun from the npm registry, the frontend built once ----------------
FROM python:3.11-slim-bookworm AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_CHECK_LATEST_VERSION=false

WORKDIR /app
COPY .ci/os-packages.sh .ci/check-lock.py .ci/
# make, Node.js and npm (apt, only what is missing)
RUN bash .ci/os-packages.sh

# Dependencies first, so editing the code does not reinstall them.
COPY Makefile requirements.txt requirements.lock ./
COPY .tools/package.json .tools/
# .venv from requirements.lock (hash-checked; no test tools) and .tools (bun) from the npm registry
RUN make install

COPY . .
# the frontend, compiled and bundled once, then the runtime tree (code, migrations, prebuilt pages, bytecode)
RUN make image-runtime DEST=/runtime

# ---- runtime: slim, non-root, only what serving needs (no bun, node, tests or Azurite) --------------------
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/app/.venv/bin:$PATH \
    KHALA_ENVIRONMENT=production \
    KHALA_DATA_DIR=/app/data \
    KHALA_HOST=0.0.0.0 \
    PORT=3000 \
    REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_CHECK_LATEST_VERSION=false

WORKDIR /app
COPY --from=build /app/.venv /app/.venv
# Code and pages stay root-owned (read-only to the app); it writes only its data and Reflex's route markers.
COPY --from=build /runtime /app
COPY --from=build --chown=10001:10001 /runtime/data /app/data
COPY --from=build --chown=10001:10001 /runtime/.web/backend /app/.web/backend

USER 10001:10001
VOLUME ["/app/data"]
EXPOSE 3000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-m", "khala.ops.probe", "/readyz"]
CMD ["python", "-m", "khala", "serve"]
