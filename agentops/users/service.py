"""Users: first sign-in provisioning and profile updates."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError

from agentops.extensions import db
from agentops.models_common import new_id
from agentops.orgs.models import Org, OrgMember
from agentops.projects.models import Project
from agentops.users.models import User

logger = logging.getLogger(__name__)


def get(user_id: uuid.UUID) -> User | None:
    """The user with this id, if any."""
    return db.session.get(User, user_id)


def personal_org_name(full_name: str | None) -> str:
    """The name of a new user's own org."""
    return f"{full_name}'s org" if full_name else "Default Organization"


def provision(
    user_id: uuid.UUID, email: str | None, full_name: str | None, demo_org_id: str
) -> User:
    """Create a user with a personal org and project, once, race-safe.

    The user row, the org, the membership and the project commit together; when
    a concurrent first request wins the race, its user is returned instead.
    """
    user = User(id=user_id, email=(email or "").strip().lower() or None)
    user.full_name = full_name
    org = Org(id=new_id(), name=personal_org_name(full_name))
    db.session.add_all(
        [
            user,
            org,
            OrgMember(org_id=org.id, user_id=user_id, role="owner"),
            Project(org_id=org.id, name="Default Project", environment="development"),
        ]
    )
    demo = demo_org(demo_org_id)
    if demo is not None:
        db.session.add(OrgMember(org_id=demo.id, user_id=user_id, role="business_user"))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = get(user_id)
        if existing is None:
            raise
        return existing
    logger.info("provisioned user %s with org %s", user.id, org.id)
    return user


def demo_org(demo_org_id: str) -> Org | None:
    """The demo org named by the setting, if it exists."""
    if not demo_org_id:
        return None
    try:
        return db.session.get(Org, uuid.UUID(demo_org_id))
    except ValueError:
        logger.warning("DEMO_ORG_ID %r is not a UUID; ignoring it", demo_org_id)
        return None


def update(user: User, changes: dict[str, Any]) -> User:
    """Apply profile changes."""
    for name, value in changes.items():
        setattr(user, name, value)
    db.session.commit()
    return user


def complete_survey(user: User) -> None:
    """Mark the onboarding survey as done."""
    user.survey_is_complete = True
    db.session.commit()
