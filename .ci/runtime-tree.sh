#!/usr/bin/env bash
# The files the runtime image carries, copied into $1: the application code, its migrations and the prebuilt
# frontend (.web/build/client + the backend's route markers), and nothing else (no .venv, bun, node_modules,
# tests, benchmarks, Azurite or local data). The Dockerfile's build stage runs this (via make image-runtime);
# tests/ops/test_runtime_tree.py serves from such a tree to prove it is complete.
set -euo pipefail
dest="${1:?usage: runtime-tree.sh DEST}"
cd "$(dirname "$0")/.."
test -f .web/build/khala-build.json || { echo "no stamped frontend build: run make build" >&2; exit 1; }
mkdir -p "$dest/.web/build" "$dest/data"
cp -R khala alembic alembic.ini rxconfig.py assets "$dest/"
cp -R .web/build/client "$dest/.web/build/client"
cp .web/build/khala-build.json "$dest/.web/build/"
cp -R .web/backend "$dest/.web/backend"
cp .web/routes.json "$dest/.web/routes.json"
find "$dest" -name '__pycache__' -type d -prune -exec rm -rf {} +
# Bytecode made now, not at every container start (the image sets PYTHONDONTWRITEBYTECODE).
"${PYTHON:-.venv/bin/python}" -m compileall -q -j 0 "$dest/khala" "$dest/alembic" "$dest/rxconfig.py" >/dev/null
echo "runtime tree in $dest ($(du -sh "$dest" | cut -f1))"
