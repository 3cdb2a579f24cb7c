"""Who may see and change what: every permission check lives here.

Objects a caller may not see answer 404 with the same message as objects that
do not exist; a caller who sees an object but lacks the role gets 403.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select

from agentops.errors import Forbidden, NotFound
from agentops.extensions import db
from agentops.orgs.models import ADMIN_ROLES, Org, OrgMember
from agentops.projects.models import Project
from agentops.users.models import User

ORG_NOT_FOUND = "Organization not found"
PROJECT_NOT_FOUND = "Project not found"


def membership(org_id: uuid.UUID, user: User) -> OrgMember | None:
    """The user's membership in an org, if any."""
    return db.session.get(OrgMember, (org_id, user.id))


def require_role(member: OrgMember, roles: Iterable[str]) -> None:
    """Refuse with 403 unless the member holds one of the roles."""
    roles = tuple(roles)
    if member.role not in roles:
        wanted = " or ".join(roles)
        raise Forbidden(f"This requires the {wanted} role in the organization")


def org_for_member(
    org_id: uuid.UUID, user: User, roles: Iterable[str] | None = None
) -> tuple[Org, OrgMember]:
    """The org and the caller's membership; 404 if not a member, 403 if no role."""
    member = membership(org_id, user)
    if member is None:
        raise NotFound(ORG_NOT_FOUND)
    if roles is not None:
        require_role(member, roles)
    return member.org, member


def org_for_admin(org_id: uuid.UUID, user: User) -> tuple[Org, OrgMember]:
    """The org, for an admin or owner."""
    return org_for_member(org_id, user, ADMIN_ROLES)


def project_for_member(
    project_id: uuid.UUID, user: User, roles: Iterable[str] | None = None
) -> tuple[Project, OrgMember]:
    """The project and the caller's membership in its org."""
    row = db.session.execute(
        select(Project, OrgMember)
        .join(OrgMember, OrgMember.org_id == Project.org_id)
        .where(Project.id == project_id, OrgMember.user_id == user.id)
    ).first()
    if row is None:
        raise NotFound(PROJECT_NOT_FOUND)
    project, member = row
    if roles is not None:
        require_role(member, roles)
    return project, member
