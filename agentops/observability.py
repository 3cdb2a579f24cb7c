"""Logging, per-request log lines, profiling and Sentry, configured once."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request

from agentops.settings import Settings

logger = logging.getLogger("agentops.request")

SECRET_WORDS = (
    "password",
    "token",
    "api_key",
    "apikey",
    "secret",
    "authorization",
    "card",
    "cvc",
    "cvv",
    "exp_month",
    "exp_year",
    "iban",
)
MASK = "***"


def configure_logging(settings: Settings) -> None:
    """Set up the root logger once, and quiet noisy libraries."""
    level = getattr(logging, settings.LOGGING_LEVEL.upper(), logging.INFO)
    root = logging.getLogger()
    if not any(getattr(h, "_agentops", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
        handler._agentops = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    sql_level = getattr(logging, settings.SQLALCHEMY_LOG_LEVEL.upper(), logging.WARNING)
    logging.getLogger("sqlalchemy.engine").setLevel(sql_level)
    for noisy in ("urllib3", "stripe", "werkzeug"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def is_secret(key: str) -> bool:
    """Whether a field name looks like it holds a secret."""
    lowered = key.lower()
    return any(word in lowered for word in SECRET_WORDS)


def mask_secrets(value: Any) -> Any:
    """A copy of a JSON value with secret-looking fields masked."""
    if isinstance(value, dict):
        return {
            k: MASK if is_secret(str(k)) else mask_secrets(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask_secrets(item) for item in value]
    return value


def request_body_for_log() -> str:
    """The request body, masked, for debug logging."""
    if not request.is_json:
        return f"<{request.content_type or 'no content type'}, {request.content_length or 0} bytes>"
    body = request.get_json(silent=True)
    if body is None:
        return "<malformed JSON>"
    return json.dumps(mask_secrets(body))[:4000]


def install_request_logging(app: Flask, settings: Settings) -> None:
    """Log one line per request, and bodies when DEBUG asks for them."""

    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()
        if settings.DEBUG and request.method in ("POST", "PUT", "PATCH"):
            logger.debug("%s %s body=%s", request.method, request.path, request_body_for_log())

    @app.after_request
    def log_request(response: Response) -> Response:
        started = g.get("request_started")
        elapsed_ms = (time.perf_counter() - started) * 1000 if started else 0.0
        user = g.get("user")
        logger.info(
            "%s %s %s %.1fms user=%s",
            request.method,
            request.path,
            response.status_code,
            elapsed_ms,
            user.id if user is not None else "-",
        )
        return response


def install_profiling(app: Flask, settings: Settings) -> None:
    """Write one pyinstrument profile per request when PROFILING_ENABLED."""
    if not settings.PROFILING_ENABLED:
        return
    from pyinstrument import Profiler

    output_dir = Path(settings.PROFILE_OUTPUT_DIR)
    output_dir.mkdir(parents=True, exist_ok=True)
    speedscope = settings.PROFILING_FORMAT.lower() == "speedscope"

    @app.before_request
    def start_profiler() -> None:
        g.profiler = Profiler()
        g.profiler.start()

    @app.after_request
    def save_profile(response: Response) -> Response:
        profiler = g.pop("profiler", None)
        if profiler is None:
            return response
        profiler.stop()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = request.path.strip("/").replace("/", "_") or "root"
        if speedscope:
            from pyinstrument.renderers import SpeedscopeRenderer

            path = output_dir / f"{stamp}_{request.method}_{name}.speedscope.json"
            path.write_text(profiler.output(renderer=SpeedscopeRenderer()))
        else:
            path = output_dir / f"{stamp}_{request.method}_{name}.html"
            path.write_text(profiler.output_html())
        return response


def scrub_event(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Mask secrets in an event before it leaves for Sentry."""
    req = event.get("request")
    if isinstance(req, dict):
        if isinstance(req.get("data"), dict | list):
            req["data"] = mask_secrets(req["data"])
        if isinstance(req.get("headers"), dict):
            req["headers"] = mask_secrets(req["headers"])
    return event


def install_sentry(settings: Settings) -> None:
    """Send errors to Sentry when SENTRY_DSN is set."""
    if not settings.SENTRY_DSN:
        return
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(
        dsn=settings.SENTRY_DSN,
        integrations=[FlaskIntegration()],
        send_default_pii=False,
        before_send=scrub_event,
    )
