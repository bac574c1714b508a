"""Production mode refuses unsafe settings, with reasons a person can act on; several workers need Redis."""

from __future__ import annotations

import secrets

import pytest
from pydantic import ValidationError

from khala.ops import serve
from khala.settings import Settings, production_problems, secret_key_problem

GOOD = {
    "environment": "production",
    "public_url": "https://events.example.org",
    "secret_key": "vR7-Qm2pXw9LzT4kB8nJc1YhD6fS3aGeU0oKiW5tNq",
}


def prod(**overrides: object) -> Settings:
    return Settings(**{**GOOD, **overrides})


def refusal(**overrides: object) -> str:
    with pytest.raises(ValidationError) as info:
        prod(**overrides)
    return str(info.value)


def test_a_sound_production_configuration_starts() -> None:
    s = prod()
    assert s.is_production and production_problems(s) == []


@pytest.mark.parametrize("missing", ["public_url", "secret_key"])
def test_missing_public_url_or_secret_is_refused(missing: str) -> None:
    assert f"KHALA_{missing.upper()} is required" in refusal(**{missing: ""})


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("short-but-random-Xy7", "at least 32 characters"),
        ("a" * 40, "too few distinct characters"),
        ("0123456789abcdef" * 3, "repeated pattern"),
        ("please-change-me-to-something-long-and-random", "placeholder"),
        ("my-default-value-for-the-site-0123456789", "placeholder"),
        ("a" * 30 + "bcdefghi", "entropy"),
    ],
)
def test_weak_secret_keys_are_refused(key: str, why: str) -> None:
    assert why in refusal(secret_key=key)


def test_generated_secrets_always_pass() -> None:
    for _ in range(500):  # the checks must never refuse a properly random key by chance
        assert secret_key_problem(secrets.token_urlsafe(48)) is None
        assert secret_key_problem(secrets.token_hex(32)) is None
        assert secret_key_problem(secrets.token_hex(16)) is None


def test_plain_http_public_url_is_refused() -> None:
    assert "must be an https:// URL" in refusal(public_url="http://events.example.org")


def test_sqlite_with_several_workers_is_refused_in_production() -> None:
    message = refusal(workers=2, redis_url="redis://127.0.0.1:6379/0")
    assert "SQLite serves one worker" in message


def test_postgresql_with_several_workers_and_redis_is_fine() -> None:
    s = prod(workers=4, redis_url="redis://r:6379/0", database_url="postgresql://k@db/khala")
    assert s.workers == 4


def test_several_workers_need_redis_in_every_mode() -> None:
    with pytest.raises(ValidationError, match="needs KHALA_REDIS_URL"):
        Settings(workers=2)
    assert serve.refusals(Settings(), 3) and "KHALA_REDIS_URL" in serve.refusals(Settings(), 3)[0]
    assert serve.refusals(Settings(), 1) == []


def test_errors_never_echo_the_secret() -> None:
    key = "a" * 40
    assert key not in refusal(secret_key=key)


def test_every_problem_is_listed_at_once() -> None:
    message = refusal(public_url="http://x.example", secret_key="b" * 40)
    assert "https://" in message and "distinct" in message


def test_cli_prints_one_readable_line_and_exits_2(monkeypatch, capsys) -> None:
    from khala.cli import main
    from khala.settings import get_settings

    monkeypatch.setenv("KHALA_ENVIRONMENT", "production")
    monkeypatch.setenv("KHALA_PUBLIC_URL", "http://events.example.org")
    monkeypatch.setenv("KHALA_SECRET_KEY", GOOD["secret_key"])
    get_settings.cache_clear()
    try:
        assert main(["migrate"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith("configuration error: production mode refuses to start")
    assert "https://" in err and "Traceback" not in err


def test_production_never_loads_the_demo(monkeypatch, capsys, tmp_path) -> None:
    from khala.cli import main
    from khala.settings import get_settings

    for k, v in {**GOOD, "data_dir": str(tmp_path)}.items():
        monkeypatch.setenv(f"KHALA_{k.upper()}", str(v))
    get_settings.cache_clear()
    try:
        assert main(["seed-demo"]) == 2
        assert main(["run"]) == 2  # make run's quick start (it seeds the demo) is not for production either
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "never loads the demo data" in err and "production runs `serve`" in err
