"""Liveness, readiness and the self-hosted documentation assets."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, redirect, send_from_directory
from openapi_ui_bundles import swagger_ui
from sqlalchemy import text

from agentops.extensions import db

logger = logging.getLogger(__name__)

bp = Blueprint("ops", __name__)


@bp.get("/health")
def health():
    """Answer that the process is alive, touching nothing else."""
    return jsonify(status="ok")


@bp.get("/ready")
def ready():
    """Check the database and ClickHouse; 503 naming what fails."""
    failing = []
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        logger.warning("readiness: database failed: %s", error)
        failing.append("database")
        db.session.rollback()
    try:
        current_app.extensions["spans"].ping()
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        logger.warning("readiness: clickhouse failed: %s", error)
        failing.append("clickhouse")
    if failing:
        response = jsonify(
            code=503,
            status="Service Unavailable",
            message="Not ready: " + ", ".join(failing) + " unavailable",
            errors={"failing": failing},
        )
        response.status_code = 503
        return response
    return jsonify(status="ready", database="ok", clickhouse="ok")


@bp.get("/docs/assets/<path:filename>")
def docs_asset(filename: str):
    """Serve the Swagger UI files bundled with the app, no CDN."""
    return send_from_directory(swagger_ui.static_path, filename, max_age=86400)


@bp.get("/docs/")
def docs_slash():
    """Send `/docs/` to the documentation page."""
    return redirect("/docs", code=308)
