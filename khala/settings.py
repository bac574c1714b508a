"""One typed settings object. Defaults are the embedded mode (SQLite, local files, no SMTP)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KHALA_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = ROOT / "data"
    database_url: str = ""
    redis_url: str | None = None
    public_url: str = ""
    secret_key: str = ""
    port: int = Field(default=3000, validation_alias="PORT")
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

    @field_validator("redis_url", "smtp_url", mode="before")
    @classmethod
    def _empty_is_none(cls, v: object) -> object:
        return v or None

    @model_validator(mode="after")
    def _derive(self) -> Settings:
        self.data_dir = Path(self.data_dir)
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'khala.db'}"
        if self.environment == "production":
            missing = [n for n in ("public_url", "secret_key") if not getattr(self, n)]
            if missing:
                names = ", ".join(f"KHALA_{n.upper()}" for n in missing)
                raise ValueError(f"production mode requires {names}")
            if len(self.secret_key) < 32:
                raise ValueError("KHALA_SECRET_KEY must be at least 32 characters")
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
