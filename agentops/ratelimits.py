"""Rate limits on the endpoints that take credentials or bulk data.

Limits are Flask-Limiter strings from settings; storage is process memory, or
Redis when `RATELIMIT_STORAGE_URI` is set so that every process shares them.
A refused request answers 429 in the error envelope with `Retry-After`.
"""

from __future__ import annotations

import hashlib

from flask import current_app, request
from flask_limiter.util import get_remote_address

from agentops.extensions import limiter


def setting(name: str) -> str:
    """The limit string of a setting of the current app."""
    return getattr(current_app.extensions["settings"], name)


def address_key() -> str:
    """Limit per client address, in this deployment's namespace."""
    return f"{setting('RATELIMIT_KEY_PREFIX')}:addr:{get_remote_address()}"


def credential_key() -> str:
    """Limit per credential where one is sent, else per client address."""
    credential = request.headers.get("X-Agentops-Api-Key") or request.headers.get(
        "Authorization"
    )
    if credential:
        digest = hashlib.sha256(credential.encode()).hexdigest()[:32]
        return f"{setting('RATELIMIT_KEY_PREFIX')}:cred:{digest}"
    return address_key()


auth_token_limit = limiter.limit(
    lambda: setting("RATELIMIT_AUTH_TOKEN"), key_func=address_key
)
ingest_limit = limiter.limit(
    lambda: setting("RATELIMIT_INGEST"), key_func=credential_key
)
webhook_limit = limiter.limit(
    lambda: setting("RATELIMIT_WEBHOOK"), key_func=address_key
)
