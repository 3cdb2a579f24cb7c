"""Checking user access tokens: Supabase HS256 secrets and JWKS-signed tokens."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from functools import lru_cache
from typing import Any

import jwt as pyjwt
from flask import Flask, current_app
from flask_jwt_extended import create_access_token

from agentops.errors import envelope
from agentops.extensions import jwt

logger = logging.getLogger(__name__)

ASYMMETRIC_ALGORITHMS = ("ES256", "RS256")


def configure(app: Flask) -> None:
    """Set up flask-jwt-extended for Supabase-style tokens."""
    settings = app.extensions["settings"]
    app.config.update(
        JWT_SECRET_KEY=settings.JWT_SECRET_KEY,
        JWT_ALGORITHM="HS256",
        JWT_DECODE_ALGORITHMS=["HS256", *ASYMMETRIC_ALGORITHMS],
        JWT_DECODE_AUDIENCE=settings.JWT_AUDIENCE,
        JWT_IDENTITY_CLAIM="sub",
        JWT_TOKEN_LOCATION=["headers"],
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(hours=1),
        JWT_ERROR_MESSAGE_KEY="message",
    )
    jwt.init_app(app)


@jwt.decode_key_loader
def key_for_token(header: dict[str, Any], payload: dict[str, Any]) -> Any:
    """Pick the key a token is checked with, by its algorithm and key id."""
    algorithm = header.get("alg")
    if algorithm == "HS256":
        return current_app.config["JWT_SECRET_KEY"]
    if algorithm not in ASYMMETRIC_ALGORITHMS:
        raise pyjwt.InvalidAlgorithmError(f"Tokens signed with {algorithm} are refused")
    settings = current_app.extensions["settings"]
    if settings.JWT_JWKS_FILE:
        keys = jwks_from_file(settings.JWT_JWKS_FILE)
        return pick_key(keys, header.get("kid"))
    if settings.JWT_JWKS_URL:
        try:
            return jwks_client(settings.JWT_JWKS_URL).get_signing_key(header.get("kid"))
        except pyjwt.PyJWKClientError as error:
            raise pyjwt.InvalidTokenError(f"No signing key: {error}") from None
    raise pyjwt.InvalidTokenError(
        f"Tokens signed with {algorithm} need JWT_JWKS_URL or JWT_JWKS_FILE"
    )


@lru_cache(maxsize=4)
def jwks_client(url: str) -> pyjwt.PyJWKClient:
    """A cached JWKS client for a URL."""
    return pyjwt.PyJWKClient(url, cache_keys=True, lifespan=600, timeout=5)


@lru_cache(maxsize=4)
def jwks_from_file(path: str) -> pyjwt.PyJWKSet:
    """The key set in a JWKS file."""
    with open(path, encoding="utf-8") as handle:
        return pyjwt.PyJWKSet.from_dict(json.load(handle))


def pick_key(keys: pyjwt.PyJWKSet, kid: str | None) -> Any:
    """The key with the token's `kid`, or the only key."""
    for key in keys.keys:
        if kid is None or key.key_id == kid:
            return key
    raise pyjwt.InvalidTokenError("No key in the JWKS matches the token's kid")


def header_error(message: str) -> Any:
    """Answer a missing or unusable credential with 401."""
    return envelope(401, message)


@jwt.unauthorized_loader
def missing_token(reason: str) -> Any:
    return header_error(f"Missing or malformed Authorization header: {reason}")


@jwt.invalid_token_loader
def invalid_token(reason: str) -> Any:
    return header_error(f"Invalid token: {reason}")


@jwt.expired_token_loader
def expired_token(header: dict[str, Any], payload: dict[str, Any]) -> Any:
    return header_error("Token has expired")


@jwt.token_verification_failed_loader
def failed_verification(header: dict[str, Any], payload: dict[str, Any]) -> Any:
    return header_error("Token verification failed")


def mint_user_token(
    user_id: str,
    email: str | None,
    full_name: str | None = None,
    expires: timedelta = timedelta(hours=12),
) -> str:
    """Sign a Supabase-style access token with the local secret."""
    claims = {
        "aud": current_app.config["JWT_DECODE_AUDIENCE"],
        "email": email,
        "role": "authenticated",
        "user_metadata": {"full_name": full_name} if full_name else {},
    }
    return create_access_token(
        identity=user_id, additional_claims=claims, expires_delta=expires
    )
