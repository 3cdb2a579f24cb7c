"""Fixtures: an app on a real database (SQLite or PostgreSQL) and embedded ClickHouse.

Set TEST_DATABASE_URL to a PostgreSQL server URL to run the suite on
PostgreSQL; a fresh database is created for the run and dropped after it.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from agentops import clickhouse, create_app
from agentops.extensions import db
from tests.support.tokens import TEST_SECRET, TokenFactory

SHARED_DIR = Path(__file__).resolve().parent.parent.parent / "shared"
SPANS_DIR = SHARED_DIR / "data" / "spans"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database for this run: SQLite, or PostgreSQL when asked for."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    url = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"agentops_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def base_settings(
    tmp_path_factory: pytest.TempPathFactory, database_url: str
) -> dict[str, Any]:
    """Settings every test app starts from; the schemas are created once."""
    instance = tmp_path_factory.mktemp("instance")
    settings = {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "CLICKHOUSE_PATH": str(instance / "chdb"),
        "CLICKHOUSE_DATABASE": f"test_{uuid.uuid4().hex[:8]}",
        "JWT_SECRET_KEY": TEST_SECRET,
        "RATELIMIT_ENABLED": False,
        "LOGGING_LEVEL": "WARNING",
    }
    app = create_app(settings, environ={})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        clickhouse.migrate(app.extensions["spans"], echo=lambda _: None)
        db.engine.dispose()
    return settings


@pytest.fixture
def make_app(base_settings: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """Build apps with extra settings; tables are emptied after the test."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        app = create_app({**base_settings, **overrides}, environ={})
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if apps:
        cleaner = create_app(base_settings, environ={})
        with cleaner.app_context():
            empty_tables()
            db.engine.dispose()


def empty_tables() -> None:
    """Delete every row of every relational table."""
    db.session.remove()
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} CASCADE"))
        else:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The app on the test settings."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An HTTP test client."""
    return app.test_client()


@pytest.fixture
def tokens(app: Flask) -> TokenFactory:
    """Mint user tokens the way Supabase signs them."""
    return TokenFactory(TEST_SECRET)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over HTTP on a loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
