"""Who may see and change what: every permission check lives here.

Objects a caller may not see answer 404 with the same message as objects that
do not exist; a caller who sees an object but lacks the role gets 403. The view
decorators below run those checks before the request body is read, so the
order is always token (401), visibility (404), role (403), then the request.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from flask.blueprints import BlueprintSetupState
from sqlalchemy import select, update
from werkzeug.routing import UUIDConverter

from agentops.auth.current import current_user
from agentops.errors import Forbidden, NotFound
from agentops.extensions import db
from agentops.orgs.models import ADMIN_ROLES, Org, OrgMember
from agentops.projects.models import Project
from agentops.users.models import User

ORG_NOT_FOUND = "Organization not found"
PROJECT_NOT_FOUND = "Project not found"
UUID_PATTERN = re.compile(UUIDConverter.regex)

F = TypeVar("F", bound=Callable[..., Any])


class PathIdConverter(UUIDConverter):
    """A UUID path segment (`<id:org_id>`); anything else becomes None.

    Werkzeug's own `uuid` converter turns a malformed id into a routing 404
    before the token is checked. This one matches any segment and hands the
    view None, which the checks below answer with the object's 404 after the
    token check. The OpenAPI document still shows a UUID parameter.
    """

    regex = r"[^/]+"

    def to_python(self, value: str) -> uuid.UUID | None:
        if UUID_PATTERN.fullmatch(value) is None:
            return None
        return uuid.UUID(value)


def install_path_ids(state: BlueprintSetupState) -> None:
    """Make the `id` converter available to a blueprint's rules."""
    state.app.url_map.converters.setdefault("id", PathIdConverter)


def membership(org_id: uuid.UUID | None, user: User) -> OrgMember | None:
    """The user's membership in an org, if any."""
    if org_id is None:
        return None
    return db.session.get(OrgMember, (org_id, user.id))


def require_role(member: OrgMember, roles: Iterable[str]) -> None:
    """Refuse with 403 unless the member holds one of the roles."""
    roles = tuple(roles)
    if member.role not in roles:
        wanted = " or ".join(roles)
        raise Forbidden(f"This requires the {wanted} role in the organization")


def org_for_member(
    org_id: uuid.UUID | None, user: User, roles: Iterable[str] | None = None
) -> tuple[Org, OrgMember]:
    """The org and the caller's membership; 404 if not a member, 403 if no role."""
    member = membership(org_id, user)
    if member is None:
        raise NotFound(ORG_NOT_FOUND)
    if roles is not None:
        require_role(member, roles)
    return member.org, member


def org_for_admin(org_id: uuid.UUID | None, user: User) -> tuple[Org, OrgMember]:
    """The org, for an admin or owner."""
    return org_for_member(org_id, user, ADMIN_ROLES)


def project_for_member(
    project_id: uuid.UUID | None, user: User, roles: Iterable[str] | None = None
) -> tuple[Project, OrgMember]:
    """The project and the caller's membership in its org."""
    if project_id is None:
        raise NotFound(PROJECT_NOT_FOUND)
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


def org_access(roles: Iterable[str] | None = None) -> Callable[[F], F]:
    """Turn the path's `org_id` into `org` and `member` arguments of the view."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, org_id: uuid.UUID | None, **kwargs: Any) -> Any:
            org, member = org_for_member(org_id, current_user(), roles)
            return view(*args, org=org, member=member, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def project_access(roles: Iterable[str] | None = None) -> Callable[[F], F]:
    """Turn the path's `project_id` into `project` and `member` arguments."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, project_id: uuid.UUID | None, **kwargs: Any) -> Any:
            project, member = project_for_member(project_id, current_user(), roles)
            return view(*args, project=project, member=member, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def lock_org(org_id: uuid.UUID) -> None:
    """Hold the org's row lock until the transaction ends.

    Every change to an org's members, invites or projects takes this lock
    first, so those changes run one at a time per org and their checks (the
    last owner, the plan limits) read what is committed. PostgreSQL locks the
    row (`FOR NO KEY UPDATE`, which still lets other transactions insert rows
    that reference the org). SQLite has no row locks: a no-op write takes the
    database's write lock, which it holds until commit.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(Org).where(Org.id == org_id).values(name=Org.name),
            execution_options={"synchronize_session": False},
        )
    else:
        db.session.execute(
            select(Org.id).where(Org.id == org_id).with_for_update(key_share=True)
        )


def member_under_lock(
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    roles: Iterable[str] | None = None,
    not_found: str = ORG_NOT_FOUND,
) -> OrgMember:
    """Re-read a membership after `lock_org`; it may have changed meanwhile.

    Missing answers 404 with `not_found`; a role outside `roles` answers 403.
    """
    member = db.session.scalar(
        select(OrgMember)
        .where(OrgMember.org_id == org_id, OrgMember.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    if member is None:
        raise NotFound(not_found)
    if roles is not None:
        require_role(member, roles)
    return member
