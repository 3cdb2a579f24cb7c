"""Users: first sign-in provisioning and profile updates."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError

from agentops.extensions import db, storable
from agentops.models_common import new_id
from agentops.orgs.models import Org, OrgMember
from agentops.projects.models import Project
from agentops.users.models import User

logger = logging.getLogger(__name__)


def get(user_id: uuid.UUID) -> User | None:
    """The user with this id, if any."""
    return db.session.get(User, user_id)


# Column sizes of the user's e-mail and name, and of an org's name.
EMAIL_MAX = 320
NAME_MAX = 200


def personal_org_name(full_name: str | None) -> str:
    """The name of a new user's own org, cut to fit its column."""
    if not full_name:
        return "Default Organization"
    name, cut = f"{full_name}'s org", "\u2026's org"
    return name if len(name) <= NAME_MAX else full_name[: NAME_MAX - len(cut)] + cut


def usable_email(email: str | None) -> str | None:
    """The stored form of a sign-in e-mail; ValueError when no database stores it."""
    email = (email or "").strip().lower()
    if not storable(email) or len(email) > EMAIL_MAX:
        raise ValueError(
            f"the e-mail must be at most {EMAIL_MAX} characters "
            "with no NUL or unpaired surrogate characters"
        )
    return email or None


def usable_name(full_name: str | None) -> str | None:
    """A display name as it can be stored: trimmed, cut to its column, or None.

    The name comes from the sign-in provider's user metadata, which the user
    edits; a name no database stores is dropped rather than refusing sign-in.
    """
    if not isinstance(full_name, str) or not storable(full_name):
        return None
    return full_name.strip()[:NAME_MAX] or None


def provision(
    user_id: uuid.UUID, email: str | None, full_name: str | None, demo_org_id: str
) -> User:
    """Create a user with a personal org and project, once, race-safe.

    An e-mail no database stores raises ValueError (see `usable_email`).

    The user row, the org, the membership and the project commit together; when
    a concurrent first request wins the race, its user is returned instead.
    """
    email, full_name = usable_email(email), usable_name(full_name)
    user = User(id=user_id, email=email)
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
