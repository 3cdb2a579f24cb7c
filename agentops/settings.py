"""Every setting the server reads, typed, with the embedded defaults.

This module is the only place that reads the process environment. Each setting
has the name the original deployment used, so an existing `.env` keeps working.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class SettingsError(RuntimeError):
    """A setting is missing or cannot be parsed."""


def parse_bool(name: str, raw: str) -> bool:
    """Read a yes/no setting."""
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def parse_int(name: str, raw: str) -> int:
    """Read a whole-number setting."""
    try:
        return int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


def parse_float(name: str, raw: str) -> float:
    """Read a decimal setting."""
    try:
        return float(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None


@dataclass
class Settings:
    """The typed settings of one server process."""

    DEBUG: bool = False
    TESTING: bool = False
    INSTANCE_PATH: str = "instance"
    LOGGING_LEVEL: str = "INFO"
    SQLALCHEMY_LOG_LEVEL: str = "WARNING"
    MAX_CONTENT_LENGTH: int = 20 * 1024 * 1024

    # Relational database; empty means a SQLite file under the instance folder.
    DATABASE_URL: str = ""

    # Spans; an empty host means the embedded chdb engine under the instance folder.
    CLICKHOUSE_HOST: str = ""
    CLICKHOUSE_PORT: int = 8123
    CLICKHOUSE_USER: str = "default"
    CLICKHOUSE_PASSWORD: str = ""
    CLICKHOUSE_DATABASE: str = "otel_2"
    CLICKHOUSE_SECURE: bool = False
    CLICKHOUSE_PATH: str = ""
    CLICKHOUSE_CLUSTER: str = ""
    CLICKHOUSE_TTL_DAYS: int = 0

    # Authentication.
    SUPABASE_URL: str = ""
    SUPABASE_KEY: str = ""
    JWT_SECRET_KEY: str = ""
    JWT_AUDIENCE: str = "authenticated"
    JWT_JWKS_URL: str = ""
    JWT_JWKS_FILE: str = ""
    PROJECT_TOKEN_DAYS: int = 30

    # Orgs and plans.
    DEMO_ORG_ID: str = ""
    FREEPLAN_MAX_USERS: int = 1
    FREEPLAN_MAX_PROJECTS: int = 1
    FREEPLAN_METRICS_DAYS_CUTOFF: int = 30
    FREEPLAN_TRACE_DAYS_CUTOFF: int = 3
    FREEPLAN_TRACE_MIN_NUM: int = 3
    APP_URL: str = "http://localhost:3000"
    MAIL_URL: str = ""
    MAIL_FROM: str = "AgentOps <no-reply@localhost>"

    # Billing.
    STRIPE_SECRET_KEY: str = ""
    STRIPE_WEBHOOK_SECRET: str = ""
    STRIPE_SUBSCRIPTION_PRICE_ID: str = ""
    STRIPE_API_BASE: str = ""
    STRIPE_WEBHOOK_TOLERANCE: int = 300
    BILLING_GRACE_DAYS: int = 3

    # Ingestion.
    INGEST_MAX_BYTES: int = 16 * 1024 * 1024
    INGEST_BATCH_SIZE: int = 5000

    # Rate limits (Flask-Limiter strings); empty storage means process memory.
    RATELIMIT_STORAGE_URI: str = ""
    RATELIMIT_KEY_PREFIX: str = "agentops"
    RATELIMIT_AUTH_TOKEN: str = "60 per minute"
    RATELIMIT_INGEST: str = "600 per minute"
    RATELIMIT_WEBHOOK: str = "300 per minute"
    RATELIMIT_ENABLED: bool = True

    # Operations.
    SENTRY_DSN: str = ""
    PROFILING_ENABLED: bool = False
    PROFILE_OUTPUT_DIR: str = "profiles"
    PROFILING_FORMAT: str = "html"

    # Filled in by `load`; not read from the environment.
    secret_generated: bool = field(default=False, repr=False)

    @classmethod
    def from_mapping(cls, environ: Mapping[str, str]) -> Settings:
        """Build settings from an environment-like mapping."""
        values: dict[str, Any] = {}
        for spec in fields(cls):
            if spec.name == "secret_generated" or spec.name not in environ:
                continue
            raw = environ[spec.name]
            if spec.type == "bool":
                values[spec.name] = parse_bool(spec.name, raw)
            elif spec.type == "int":
                values[spec.name] = parse_int(spec.name, raw)
            elif spec.type == "float":
                values[spec.name] = parse_float(spec.name, raw)
            else:
                values[spec.name] = raw
        return cls(**values)

    @property
    def database_uri(self) -> str:
        """The SQLAlchemy URL, with the psycopg 3 driver for PostgreSQL."""
        url = self.DATABASE_URL or f"sqlite:///{self.instance_dir / 'agentops.db'}"
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def instance_dir(self) -> Path:
        """The folder that holds local state on the embedded defaults."""
        return Path(self.INSTANCE_PATH).resolve()

    @property
    def clickhouse_embedded(self) -> bool:
        """Whether spans live in the in-process chdb engine."""
        return not self.CLICKHOUSE_HOST

    @property
    def chdb_path(self) -> Path:
        """The chdb data folder."""
        return Path(self.CLICKHOUSE_PATH or self.instance_dir / "chdb").resolve()

    @property
    def stripe_enabled(self) -> bool:
        """Whether billing can talk to Stripe."""
        return bool(self.STRIPE_SECRET_KEY)

    def ensure_secret(self) -> None:
        """Use the configured JWT secret, or a local one kept under `instance/`.

        Without `DEBUG` a missing secret is an error unless the server runs on the
        embedded defaults for a single machine, where a generated secret is kept in
        the instance folder so tokens survive restarts.
        """
        if self.JWT_SECRET_KEY:
            return
        if not self.DEBUG and not self.TESTING and not self.is_embedded:
            raise SettingsError(
                "JWT_SECRET_KEY is not set. Set it to your Supabase project's JWT "
                "secret (or any long random string) before starting in production."
            )
        secret_file = self.instance_dir / "jwt-secret"
        if secret_file.exists():
            self.JWT_SECRET_KEY = secret_file.read_text().strip()
            return
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        secret_file.write_text(secret + "\n")
        secret_file.chmod(0o600)
        self.JWT_SECRET_KEY = secret
        self.secret_generated = True
        logger.warning(
            "JWT_SECRET_KEY is not set; generated a local secret in %s. Tokens it "
            "signs work only on this machine.",
            secret_file,
        )

    @property
    def is_embedded(self) -> bool:
        """Whether both stores are the local embedded defaults."""
        return not self.DATABASE_URL and self.clickhouse_embedded

    @property
    def secret_is_local(self) -> bool:
        """Whether this server may mint user tokens (the secret lives here)."""
        return (self.instance_dir / "jwt-secret").exists() or self.DEBUG or self.TESTING


def load(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read settings from `environ` (default: `.env` and the process), then overrides.

    Settings that cannot be parsed raise SettingsError naming the setting.
    """
    if environ is None:
        from dotenv import dotenv_values

        environ = {k: v for k, v in dotenv_values(".env").items() if v is not None}
        environ.update(os.environ)
    settings = Settings.from_mapping(environ)
    for name, value in (overrides or {}).items():
        if not hasattr(settings, name):
            raise SettingsError(f"unknown setting {name}")
        setattr(settings, name, value)
    return settings
