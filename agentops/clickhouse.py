"""ClickHouse clients and the schema migrations of the span store.

One code path serves both a ClickHouse server (HTTP, `CLICKHOUSE_HOST`) and the
embedded engine (chdb, a data folder under `instance/`). Queries always bind
their parameters; nothing from a request is pasted into SQL.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from flask import Flask, current_app

from agentops.settings import Settings

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations" / "clickhouse"
SPANS_TABLE = "otel_traces"


class ClickHouseBusy(RuntimeError):
    """The embedded data folder is held by another process."""


class SpanStore:
    """Per-thread ClickHouse clients for one app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.database = settings.CLICKHOUSE_DATABASE
        self._local = threading.local()
        self._lock_handle: Any = None
        self._guard = threading.Lock()

    @property
    def table(self) -> str:
        """The fully qualified spans table."""
        return f"{self.database}.{SPANS_TABLE}"

    def client(self) -> Client:
        """This thread's client, created on first use."""
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._connect()
            self._local.client = client
        return client

    def _connect(self) -> Client:
        settings = self.settings
        if settings.clickhouse_embedded:
            self._hold_folder()
            return clickhouse_connect.get_client(
                interface="chdb", path=str(settings.chdb_path)
            )
        return clickhouse_connect.get_client(
            host=settings.CLICKHOUSE_HOST,
            port=settings.CLICKHOUSE_PORT,
            username=settings.CLICKHOUSE_USER,
            password=settings.CLICKHOUSE_PASSWORD,
            secure=settings.CLICKHOUSE_SECURE,
            autogenerate_session_id=False,
            connect_timeout=5,
            send_receive_timeout=60,
        )

    def _hold_folder(self) -> None:
        """Take the embedded folder's lock, or say plainly who holds it."""
        with self._guard:
            if self._lock_handle is not None:
                return
            path = self.settings.chdb_path
            path.mkdir(parents=True, exist_ok=True)
            handle = open(path.parent / f"{path.name}.lock", "a+")  # noqa: SIM115
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                handle.close()
                raise ClickHouseBusy(
                    f"The embedded ClickHouse folder {path} is in use by process "
                    f"{holder} (probably the running server). Stop the server first, "
                    "or send spans to the running server's /v1/traces instead."
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            self._lock_handle = handle

    def query(
        self, sql: str, parameters: dict[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """Run a query with bound parameters and return its rows."""
        return self.client().query(sql, parameters=parameters or {}).result_rows

    def query_dicts(
        self, sql: str, parameters: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run a query and return its rows as dicts."""
        result = self.client().query(sql, parameters=parameters or {})
        return list(result.named_results())

    def command(self, sql: str, parameters: dict[str, Any] | None = None) -> Any:
        """Run a statement that returns no rows."""
        return self.client().command(sql, parameters=parameters or {})

    def insert(
        self, table: str, rows: Sequence[Sequence[Any]], column_names: Sequence[str]
    ) -> None:
        """Insert rows into a table of this database."""
        if rows:
            self.client().insert(
                f"{self.database}.{table}", rows, column_names=list(column_names)
            )

    def ping(self) -> bool:
        """Whether ClickHouse answers."""
        return self.client().command("SELECT 1") == 1

    def close(self) -> None:
        """Close this thread's client."""
        client = getattr(self._local, "client", None)
        if client is not None:
            client.close()
            self._local.client = None


def init_app(app: Flask) -> None:
    """Attach a span store to the app."""
    app.extensions["spans"] = SpanStore(app.extensions["settings"])


def store() -> SpanStore:
    """The current app's span store."""
    return current_app.extensions["spans"]


def migration_files() -> list[Path]:
    """The DDL files in the order they apply."""
    return sorted(MIGRATIONS_DIR.glob("*.sql"))


def render(sql: str, settings: Settings) -> str:
    """Fill a DDL template for a single server or a cluster."""
    cluster = settings.CLICKHOUSE_CLUSTER
    ttl = settings.CLICKHOUSE_TTL_DAYS
    return sql.format(
        db=settings.CLICKHOUSE_DATABASE,
        on_cluster=f"ON CLUSTER `{cluster}`" if cluster else "",
        engine=(
            "ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', "
            "'{replica}')"
            if cluster
            else "MergeTree()"
        ),
        local_suffix="_local" if cluster else "",
        ttl=f"TTL toDateTime(Timestamp) + INTERVAL {int(ttl)} DAY" if ttl > 0 else "",
        distributed_otel_traces=(
            f"CREATE TABLE IF NOT EXISTS {settings.CLICKHOUSE_DATABASE}.otel_traces "
            f"ON CLUSTER `{cluster}` AS {settings.CLICKHOUSE_DATABASE}.otel_traces_local "
            f"ENGINE = Distributed(`{cluster}`, {settings.CLICKHOUSE_DATABASE}, "
            "otel_traces_local, cityHash64(TraceId))"
            if cluster
            else ""
        ),
    )


def statements(sql: str) -> list[str]:
    """Split a DDL file on statement-ending semicolons."""
    parts = (part.strip().rstrip(";").strip() for part in sql.split(";\n"))
    return [part for part in parts if part and not all_comments(part)]


def all_comments(sql: str) -> bool:
    """Whether a chunk holds only comments."""
    return all(
        line.strip().startswith("--") or not line.strip() for line in sql.splitlines()
    )


def migrate(spans: SpanStore, echo: Any = logger.info) -> list[str]:
    """Apply the DDL files not yet recorded; return the names applied."""
    settings = spans.settings
    on_cluster = f"ON CLUSTER `{settings.CLICKHOUSE_CLUSTER}`" if settings.CLICKHOUSE_CLUSTER else ""
    spans.command(f"CREATE DATABASE IF NOT EXISTS {spans.database} {on_cluster}")
    spans.command(
        f"CREATE TABLE IF NOT EXISTS {spans.database}.schema_migrations {on_cluster} "
        "(version String, applied_at DateTime64(3) DEFAULT now64(3)) "
        "ENGINE = ReplacingMergeTree ORDER BY version"
    )
    done = {
        row[0]
        for row in spans.query(f"SELECT version FROM {spans.database}.schema_migrations")
    }
    applied = []
    for path in migration_files():
        if path.stem in done:
            continue
        echo(f"applying {path.name}")
        for statement in statements(render(path.read_text(), settings)):
            spans.command(statement)
        spans.insert("schema_migrations", [[path.stem]], ["version"])
        applied.append(path.stem)
    return applied
