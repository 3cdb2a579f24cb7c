"""Project tokens: what the SDK trades a project's API key for.

A project token is an HS256 JWT signed with the server's JWT secret, but with an
audience that user tokens never carry, so neither kind is accepted in place of
the other. It names the project and holds a fingerprint of the project's current
API key: regenerating the key (or deleting the project) ends every token
minted from the old one.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import uuid
from dataclasses import dataclass

import jwt

from agentops.errors import BadRequest, Forbidden, Unauthorized
from agentops.extensions import db
from agentops.projects.models import Project
from agentops.settings import Settings

logger = logging.getLogger(__name__)

PROJECT_AUDIENCE = "agentops-project"
ALGORITHM = "HS256"


@dataclass
class ProjectToken:
    """A minted project token and what it stands for."""

    token: str
    project: Project


def key_fingerprint(api_key: uuid.UUID | str, secret: str) -> str:
    """A keyed digest of an API key; reveals nothing about the key itself."""
    digest = hmac.new(secret.encode(), str(api_key).encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def parse_api_key(raw: object) -> uuid.UUID:
    """Read an API key (a UUID), or refuse it as malformed (400)."""
    if not isinstance(raw, str) or not raw.strip():
        raise BadRequest("api_key is required and must be a string")
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise BadRequest("api_key is malformed: it must be a UUID") from None


def project_for_key(api_key: uuid.UUID) -> Project | None:
    """The project holding this API key, compared in constant time."""
    project = db.session.scalar(db.select(Project).where(Project.api_key == api_key))
    if project is None:
        return None
    if not hmac.compare_digest(str(project.api_key), str(api_key)):
        return None
    return project


def mint(api_key_raw: object, settings: Settings) -> ProjectToken:
    """Trade an API key for a project token; unknown keys are refused (403)."""
    api_key = parse_api_key(api_key_raw)
    project = project_for_key(api_key)
    if project is None:
        raise Forbidden("Unknown API key")
    now = int(time.time())
    claims = {
        "aud": PROJECT_AUDIENCE,
        "sub": str(project.id),
        "project_id": str(project.id),
        "key": key_fingerprint(project.api_key, settings.JWT_SECRET_KEY),
        "iat": now,
        "exp": now + settings.PROJECT_TOKEN_DAYS * 86400,
    }
    token = jwt.encode(claims, settings.JWT_SECRET_KEY, algorithm=ALGORITHM)
    logger.info("issued a project token for project %s", project.id)
    return ProjectToken(token, project)


def project_for_token(token: str, settings: Settings) -> Project:
    """The project a token stands for, while its key is unchanged (else 401)."""
    try:
        claims = jwt.decode(
            token,
            settings.JWT_SECRET_KEY,
            algorithms=[ALGORITHM],
            audience=PROJECT_AUDIENCE,
            options={"require": ["exp", "aud", "project_id", "key"]},
        )
        project_id = uuid.UUID(str(claims["project_id"]))
    except jwt.ExpiredSignatureError:
        raise Unauthorized("Project token has expired") from None
    except (jwt.InvalidTokenError, ValueError) as error:
        raise Unauthorized(f"Invalid project token: {error}") from None
    project = db.session.get(Project, project_id)
    if project is None:
        raise Unauthorized("Project token is no longer valid")
    expected = key_fingerprint(project.api_key, settings.JWT_SECRET_KEY)
    if not hmac.compare_digest(expected, str(claims["key"])):
        raise Unauthorized(
            "Project token is no longer valid: the project's API key was regenerated"
        )
    return project


def project_for_headers(
    authorization: str | None, api_key_header: str | None, settings: Settings
) -> Project:
    """Authenticate an ingest request by bearer project token or raw API key."""
    if api_key_header:
        try:
            api_key = uuid.UUID(api_key_header.strip())
        except ValueError:
            raise Unauthorized(
                "X-Agentops-Api-Key is malformed: an API key is a UUID"
            ) from None
        project = project_for_key(api_key)
        if project is None:
            raise Forbidden("Unknown API key")
        return project
    scheme, _, credential = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise Unauthorized(
            "Missing credential: send Authorization: Bearer <project token> "
            "or X-Agentops-Api-Key: <api key>"
        )
    return project_for_token(credential.strip(), settings)
