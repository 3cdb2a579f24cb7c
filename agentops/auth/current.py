"""The signed-in user of the current request."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g
from flask_jwt_extended import get_jwt, verify_jwt_in_request

from agentops.errors import Unauthorized
from agentops.users import service as users
from agentops.users.models import User

F = TypeVar("F", bound=Callable[..., Any])


def load_user() -> User:
    """Check the bearer token and return its user, provisioning a new one."""
    verify_jwt_in_request()
    claims = get_jwt()
    try:
        user_id = uuid.UUID(str(claims.get("sub")))
    except ValueError:
        raise Unauthorized("Invalid token: sub must be a user id (UUID)") from None
    user = users.get(user_id)
    if user is None:
        metadata = claims.get("user_metadata") or {}
        full_name = metadata.get("full_name") if isinstance(metadata, dict) else None
        email = claims.get("email") if isinstance(claims.get("email"), str) else None
        try:
            email = users.usable_email(email)
        except ValueError as error:
            raise Unauthorized(f"Invalid token: email claim: {error}") from None
        user = users.provision(
            user_id,
            email,
            full_name if isinstance(full_name, str) else None,
            current_app.extensions["settings"].DEMO_ORG_ID,
        )
    g.user = user
    return user


def login_required(view: F) -> F:
    """Require a valid user token; the user is then `current_user()`."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        load_user()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def current_user() -> User:
    """The user of this request (after `login_required`)."""
    return g.user
