# Khala in one container. Defaults are the embedded mode (SQLite + local files under /app/data, mails logged);
# set KHALA_* / AZURE_STORAGE_CONNECTION_STRING for PostgreSQL, Redis, SMTP and Azure Blob Storage.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    REFLEX_USE_SYSTEM_BUN=1 REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false \
    PATH=/app/.tools/node_modules/.bin:/app/.venv/bin:$PATH \
    HOST=0.0.0.0 PORT=3000

RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm make unzip \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .tools/package.json ./build/
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir -r build/requirements.txt \
    && mkdir -p .tools && cp build/package.json .tools/ && cd .tools && npm install --omit=dev --no-audit --no-fund

COPY . .
# Compile and build the frontend once, at image build time.
RUN .venv/bin/reflex export --frontend-only --no-zip --loglevel warning && touch .venv/.installed .tools/.installed

RUN useradd --system --home /app khala && mkdir -p /app/data && chown -R khala /app/data /app/.web /app/.states 2>/dev/null || true
USER khala
VOLUME /app/data
EXPOSE 3000
HEALTHCHECK CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\",\"3000\")}/ping')"
CMD ["sh", "-c", "python -m khala migrate && { [ \"$KHALA_ENVIRONMENT\" = production ] || python -m khala seed-demo --if-empty; } && exec reflex run --env prod --frontend-port $PORT --backend-port $PORT --backend-host $HOST"]
