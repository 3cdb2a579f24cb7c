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


def credential_key() -> str:
    """Limit per credential where one is sent, else per client address."""
    credential = request.headers.get("X-Agentops-Api-Key") or request.headers.get(
        "Authorization"
    )
    if credential:
        return "cred:" + hashlib.sha256(credential.encode()).hexdigest()[:32]
    return "addr:" + get_remote_address()


auth_token_limit = limiter.limit(
    lambda: setting("RATELIMIT_AUTH_TOKEN"), key_func=get_remote_address
)
ingest_limit = limiter.limit(
    lambda: setting("RATELIMIT_INGEST"), key_func=credential_key
)
webhook_limit = limiter.limit(
    lambda: setting("RATELIMIT_WEBHOOK"), key_func=get_remote_address
)
