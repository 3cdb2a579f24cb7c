"""Domain errors and the one JSON error envelope.

Every error leaves the server as flask-smorest's envelope:
`{"code": 404, "status": "Not Found", "message": "...", "errors": {...}}`.
Services raise the exceptions below; the handlers registered here turn them,
and every other HTTP error, into that envelope.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An error that answers with a given status and message."""

    status = 400

    def __init__(self, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class BadRequest(ApiError):
    """The request cannot be carried out as asked (400)."""

    status = 400


class Unauthorized(ApiError):
    """No valid credential (401)."""

    status = 401


class Forbidden(ApiError):
    """The caller lacks the role, plan or credential for this (403)."""

    status = 403


class NotFound(ApiError):
    """The object does not exist or is not visible to the caller (404)."""

    status = 404


class Conflict(ApiError):
    """The current state refuses the request (409)."""

    status = 409


class PayloadTooLarge(ApiError):
    """The body is larger than the server accepts (413)."""

    status = 413


class Unprocessable(ApiError):
    """A field is malformed (422)."""

    status = 422


class UpstreamError(ApiError):
    """A service the server depends on failed (502)."""

    status = 502


class Unavailable(ApiError):
    """A feature is not configured or a dependency is down (503)."""

    status = 503


def envelope(status: int, message: str, errors: Any = None) -> Response:
    """Build the JSON error response."""
    body: dict[str, Any] = {
        "code": status,
        "status": HTTP_STATUS_CODES.get(status, "Error"),
        "message": message,
    }
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """Answer every error in the envelope."""

    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError) -> Response:
        return envelope(error.status, error.message, error.errors)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> Response:
        data = getattr(error, "data", None) or {}
        message = data.get("message") or error.description or error.name
        errors = data.get("messages") or data.get("errors")
        if error.code == 422 and errors:
            errors = flatten_locations(errors)
            message = data.get("message") or describe_fields(errors)
        response = envelope(error.code or 500, message, errors)
        for name, value in (error.get_headers() or []):
            if name.lower() not in ("content-type", "content-length"):
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        logger.exception("unhandled error")
        return envelope(500, InternalServerError.description)


def flatten_locations(errors: dict[str, Any]) -> dict[str, Any]:
    """Drop webargs' location level (`json`, `query`) when only one is present."""
    if len(errors) == 1:
        (location, fields_), = errors.items()
        if location in ("json", "query", "form", "headers", "files", "path"):
            return fields_ if isinstance(fields_, dict) else {location: fields_}
    return errors


def describe_fields(errors: dict[str, Any]) -> str:
    """Name the offending fields in a 422 message."""
    names = ", ".join(sorted(str(name) for name in errors))
    return f"Invalid input: {names}"
