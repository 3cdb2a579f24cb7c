"""The AgentOps-compatible API server: the app factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request

from agentops import clickhouse, errors, observability, openapi
from agentops import settings as settings_module
from agentops.errors import envelope
from agentops.extensions import api, db, limiter, migrate

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Paths that read their own raw body rather than JSON.
RAW_BODY_PATHS = ("/v1/traces", "/v4/stripe-webhook")


def create_app(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Flask:
    """Build the Flask app from the environment (or `environ`) plus `overrides`."""
    settings = settings_module.load(overrides, environ)
    observability.configure_logging(settings)
    settings.ensure_secret()

    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.url_map.strict_slashes = False
    app.extensions["settings"] = settings
    app.config.update(
        DEBUG=settings.DEBUG,
        TESTING=settings.TESTING,
        SECRET_KEY=settings.JWT_SECRET_KEY,
        MAX_CONTENT_LENGTH=max(settings.MAX_CONTENT_LENGTH, settings.INGEST_MAX_BYTES),
        SQLALCHEMY_DATABASE_URI=settings.database_uri,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(settings.database_uri),
        RATELIMIT_ENABLED=settings.RATELIMIT_ENABLED,
        RATELIMIT_STORAGE_URI=settings.RATELIMIT_STORAGE_URI or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        API_TITLE="AgentOps API",
        API_VERSION="1.0.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="/docs/assets/",
        API_SPEC_OPTIONS={
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "bearerFormat": "JWT",
                    }
                }
            },
            "security": [{"bearerAuth": []}],
            "info": {
                "description": "Traces, metrics, orgs, projects and billing for "
                "an observability dashboard of LLM agents."
            },
        },
    )
    app.instance_path = str(settings.instance_dir)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    from agentops.auth import tokens

    tokens.configure(app)
    limiter.init_app(app)
    clickhouse.init_app(app)
    api.init_app(app)
    openapi.document_text_rules(api)
    openapi.document_errors(api)
    register_blueprints(app)
    openapi.add_common_errors(api)
    errors.register_error_handlers(app)
    observability.install_request_logging(app, settings)
    observability.install_profiling(app, settings)
    observability.install_sentry(settings)
    install_content_type_check(app)

    from cli import register_commands

    register_commands(app)
    import_models()
    return app


def engine_options(uri: str) -> dict[str, Any]:
    """Connection-pool options suited to the database."""
    if uri.startswith("sqlite"):
        return {"connect_args": {"check_same_thread": False, "timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


def register_blueprints(app: Flask) -> None:
    """Mount every area's routes."""
    from agentops import ops
    from agentops.billing.routes import blp as billing_blp
    from agentops.billing.webhook import blp as webhook_blp
    from agentops.ingest.routes import blp as ingest_blp
    from agentops.metrics.routes import blp as metrics_blp
    from agentops.orgs.routes import blp as orgs_blp
    from agentops.projects.routes import blp as projects_blp
    from agentops.traces.routes import blp as traces_blp
    from agentops.users.routes import blp as users_blp

    app.register_blueprint(ops.bp)
    for blueprint in (
        users_blp,
        orgs_blp,
        projects_blp,
        billing_blp,
        webhook_blp,
        traces_blp,
        metrics_blp,
        ingest_blp,
    ):
        api.register_blueprint(blueprint)


def install_content_type_check(app: Flask) -> None:
    """Refuse oversized bodies (413) and non-JSON bodies on JSON endpoints (415)."""
    settings = app.extensions["settings"]

    @app.before_request
    def require_json_body():
        if "\x00" in request.path:
            return envelope(404, "The requested URL was not found on the server")
        if "%00" in request.query_string.decode("latin-1"):
            return envelope(
                422,
                "Invalid query: a parameter contains a NUL character",
                {"query": ["Contains a NUL character."]},
            )
        raw_body = request.path.rstrip("/") in RAW_BODY_PATHS
        limit = settings.INGEST_MAX_BYTES if raw_body else settings.MAX_CONTENT_LENGTH
        if request.content_length and request.content_length > limit:
            return envelope(413, f"Request body is larger than {limit} bytes")
        request.max_content_length = limit
        if request.method not in ("POST", "PUT", "PATCH") or raw_body:
            return None
        if not request.content_length and not request.headers.get("Transfer-Encoding"):
            return None
        if request.is_json:
            return None
        return envelope(
            415,
            "Content-Type must be application/json, not "
            f"{request.content_type or 'missing'!r}",
        )


def import_models() -> None:
    """Import every model so metadata and migrations see all tables."""
    from agentops.billing import models as _billing  # noqa: F401
    from agentops.orgs import models as _orgs  # noqa: F401
    from agentops.pricing import models as _pricing  # noqa: F401
    from agentops.projects import models as _projects  # noqa: F401
    from agentops.users import models as _users  # noqa: F401
