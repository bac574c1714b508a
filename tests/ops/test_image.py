"""The container image, step by step without a container engine: the runtime tree the Dockerfile copies
(`make image-runtime` → .ci/runtime-tree.sh) serves on its own, and the Dockerfile, .dockerignore and
compose.yaml keep the promises the README makes (non-root, production, health check, no secrets)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from khala.ops import launcher
from khala.settings import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _stages() -> list[str]:
    return re.split(r"^FROM ", DOCKERFILE, flags=re.M)[1:]


def test_every_run_step_is_a_make_target_or_script_ci_runs() -> None:
    runs = re.findall(r"^RUN (.+)$", DOCKERFILE, flags=re.M)
    assert runs
    makefile = (ROOT / "Makefile").read_text()
    for run in runs:
        if run.startswith("make "):
            target = run.split()[1]
            assert re.search(rf"^{re.escape(target)}:", makefile, flags=re.M), run
        else:
            script = re.fullmatch(r"bash (\.ci/[\w.-]+\.sh)", run)
            assert script and (ROOT / script.group(1)).is_file(), run


def test_runtime_stage_is_slim_non_root_production_with_a_health_check() -> None:
    build, runtime = _stages()
    assert build.startswith("python:3.11-slim-bookworm AS build")
    assert runtime.startswith("python:3.11-slim-bookworm")
    assert "RUN " not in runtime  # nothing installed at runtime: only copies from the build stage
    assert "USER 10001:10001" in runtime
    assert "KHALA_ENVIRONMENT=production" in runtime
    assert 'CMD ["python", "-m", "khala", "serve"]' in runtime
    assert "HEALTHCHECK" in runtime and "khala.ops.probe" in runtime
    assert re.search(r"^EXPOSE 3000$", runtime, flags=re.M)
    assert ".tools" not in runtime and "node" not in runtime.lower()  # no bun, no Azurite


def test_dockerignore_keeps_secrets_and_host_trees_out() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for entry in (".git", ".env", "data/", "*.db", ".states/", ".web/", ".venv/", ".tools/node_modules/"):
        assert entry in ignored, entry


def test_compose_runs_two_replicas_behind_one_port_with_the_backing_services() -> None:
    compose = (ROOT / "compose.yaml").read_text()
    for service in ("app:", "balancer:", "postgres:", "redis:", "azurite:"):
        assert re.search(rf"^  {service}", compose, flags=re.M), service
    assert "replicas: 2" in compose
    assert re.findall(r'^\s+- "(\d+):\d+"', compose, flags=re.M) == ["8443"]  # one published port
    assert "KHALA_ENVIRONMENT: production" in compose and "health_uri /readyz" in compose


def test_the_runtime_tree_serves_on_its_own(frontend_build, tmp_path: Path) -> None:
    tree = tmp_path / "app"
    done = subprocess.run(
        ["bash", str(ROOT / ".ci" / "runtime-tree.sh"), str(tree)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    present = {p.relative_to(tree).parts[0] for p in tree.iterdir()}
    assert present == {
        "khala",
        "alembic",
        "alembic.ini",
        "rxconfig.py",
        "assets",
        ".web",
        "data",
        "__pycache__",
    }
    assert not (tree / ".web" / "node_modules").exists() and not (tree / "tests").exists()
    assert (tree / "khala" / "__pycache__").is_dir()  # bytecode made at build time

    port = launcher.free_port()
    env = launcher.server_env(
        tree / "data", port, KHALA_DATABASE_URL=f"sqlite:///{tree / 'data' / 'khala.db'}"
    )
    log = tmp_path / "serve.log"
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "khala", "serve"],
        cwd=tree,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    served = launcher.Served(f"http://127.0.0.1:{port}", port, proc, log, 0.0)
    try:
        served.wait_ready("/readyz", timeout=60)
        assert launcher.http_status(served.url + "/") == 200
        assert launcher.http_status(served.url + "/events/") == 200
        text = log.read_text()
        assert str(tree) in text or "serving" in text
        assert "sources changed" not in text  # no sources to hash in an image: no false alarm
    finally:
        served.stop()
    assert "ModuleNotFoundError" not in log.read_text()
