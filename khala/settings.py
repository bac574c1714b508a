"""One typed settings object. Defaults are the embedded mode (SQLite, local files, no SMTP)."""

from __future__ import annotations

import ipaddress
import math
import secrets
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KHALA_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    environment: Literal["development", "production"] = "development"
    data_dir: Path = ROOT / "data"
    database_url: str = ""
    redis_url: str | None = None
    public_url: str = ""
    secret_key: str = ""
    port: int = Field(default=3000, validation_alias="PORT")
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("KHALA_HOST", "HOST"))
    cors_origins: list[str] = []
    default_currency: str = "SEK"
    default_timezone: str = "Europe/Stockholm"

    # mail
    smtp_url: str | None = None
    mail_from: str = "Khala <no-reply@khala.local>"
    mail_reply_to: str | None = None

    # images
    azure_storage_connection_string: str | None = Field(
        default=None, validation_alias="AZURE_STORAGE_CONNECTION_STRING"
    )
    azure_storage_account: str | None = None
    azure_storage_key: str | None = None
    azure_container: str = "images"
    image_url_ttl_minutes: int = 60
    upload_max_bytes: int = 10 * 1024 * 1024

    # the client address behind reverse proxies (khala/accounts/network.py): how many proxy hops to believe
    # in X-Forwarded-For / Forwarded, and/or the proxies' networks ("10.0.0.0/8,fd00::/8"); none = the peer
    trusted_proxy_hops: int = Field(default=0, ge=0, le=10)
    trusted_proxies: Annotated[list[str], NoDecode] = []

    # the embeddable widget (/embed, /embed.js): the sites that may frame it, its CSP frame-ancestors
    # ("https://club.example https://*.example.org"); "*" = any site (it shows public events only), "" = none
    embed_origins: Annotated[list[str], NoDecode] = ["*"]

    # REST API: requests per API key (the ``limits`` notation, e.g. "600/minute" or "100/second;600/minute")
    api_rate_limit: str = "600/minute"

    # serving (python -m khala serve)
    workers: int = Field(default=1, ge=1, le=64)  # processes; more than one needs KHALA_REDIS_URL
    metrics_token: str | None = None  # /metrics answers only `Authorization: Bearer <token>`; unset = off
    log_format: Literal["auto", "json", "text"] = "auto"  # auto: JSON in production, text otherwise
    shutdown_timeout: int = Field(default=30, ge=1)  # seconds a stopping worker gets to finish requests

    @field_validator("redis_url", "smtp_url", "metrics_token", mode="before")
    @classmethod
    def _empty_is_none(cls, v: object) -> object:
        return v or None

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, v: object) -> object:
        items = v.replace(";", ",").split(",") if isinstance(v, str) else v
        if not isinstance(items, list | tuple):
            return v
        networks = [str(n).strip() for n in items if str(n).strip()]
        for n in networks:  # ValueError: "… does not appear to be an IPv4 or IPv6 network"
            ipaddress.ip_network(n, strict=False)
        return networks

    @field_validator("embed_origins", mode="before")
    @classmethod
    def _frame_sources(cls, v: object) -> object:
        items = v.replace(",", " ").split() if isinstance(v, str) else v
        if not isinstance(items, list | tuple):
            return v
        sources = [str(o).strip() for o in items if str(o).strip()]
        for o in sources:  # one CSP source expression each: nothing that could end the directive
            if any(c in o for c in ';,"\n\r') or (o.startswith("'") and o not in ("'self'", "'none'")):
                raise ValueError(f"KHALA_EMBED_ORIGINS: {o!r} is not an origin such as https://club.example")
        return sources

    @model_validator(mode="after")
    def _derive(self) -> Settings:
        self.data_dir = Path(self.data_dir)
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'khala.db'}"
        if self.workers > 1 and not self.redis_url:
            raise ValueError(
                f"KHALA_WORKERS={self.workers} needs KHALA_REDIS_URL: without Redis every worker keeps its own "
                "copy of each visitor's state. Set KHALA_REDIS_URL or use one worker."
            )
        if self.environment == "production":
            problems = production_problems(self)
            if problems:
                raise ValueError("production mode refuses to start: " + "; ".join(problems))
        if not self.public_url:
            self.public_url = f"http://localhost:{self.port}"
        self.public_url = self.public_url.rstrip("/")
        if not self.cors_origins:
            self.cors_origins = [self.public_origin]
        if not self.secret_key:
            self.secret_key = _embedded_secret(self.data_dir)
        return self

    @property
    def public_origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"


PLACEHOLDER_WORDS = ("change", "secret", "example", "password", "default")  # 6+ letters: never by chance
MIN_SECRET_BITS = 80


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` is too weak to sign anything in production, or None.

    At least 32 characters, at least 8 distinct ones, no short repeating pattern, no placeholder words, and
    an estimated entropy (characters x bits per character, as measured on the key) of at least 80 bits
    (random 32-character hex keys measure 90+).
    ``python -c "import secrets; print(secrets.token_urlsafe(48))"`` and ``openssl rand -hex 32`` pass.
    """
    if len(key) < 32:
        return "KHALA_SECRET_KEY must be at least 32 characters"
    if len(set(key)) < 8:
        return "KHALA_SECRET_KEY uses too few distinct characters (generate a random one)"
    for period in range(1, len(key) // 2 + 1):
        if len(key) % period == 0 and key == key[:period] * (len(key) // period):
            return "KHALA_SECRET_KEY is a repeated pattern (generate a random one)"
    lowered = key.lower()
    if any(word in lowered for word in PLACEHOLDER_WORDS):
        return "KHALA_SECRET_KEY looks like a placeholder (generate a random one)"
    counts = Counter(key)
    per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    if per_char * len(key) < MIN_SECRET_BITS:
        return "KHALA_SECRET_KEY has too little entropy (generate a random one)"
    return None


def production_problems(s: Settings) -> list[str]:
    """Every reason the settings are unsafe for production (empty when they are fine)."""
    problems = [f"KHALA_{n.upper()} is required" for n in ("public_url", "secret_key") if not getattr(s, n)]
    if s.secret_key and (why := secret_key_problem(s.secret_key)):
        problems.append(why)
    if s.public_url and urlsplit(s.public_url).scheme != "https":
        problems.append(f"KHALA_PUBLIC_URL must be an https:// URL (got {s.public_url!r})")
    if s.database_url.startswith("sqlite") and s.workers > 1:
        problems.append(
            "SQLite serves one worker: with KHALA_WORKERS > 1 use PostgreSQL (KHALA_DATABASE_URL=postgresql://…)"
        )
    return problems


def _embedded_secret(data_dir: Path) -> str:
    """Embedded mode: generate a secret once and keep it in data/ (never a working default)."""
    path = Path(data_dir) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key)
    tmp.chmod(0o600)
    tmp.replace(path)
    return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
