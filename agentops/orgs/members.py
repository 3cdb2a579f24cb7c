"""Members: removing them and changing their roles, never losing the last owner.

Both changes run under the org's lock and re-read the caller's membership
there. The statement that removes or demotes an owner also re-checks, in its
own WHERE clause, that another owner remains, so the rule holds even if a
change ever ran without the lock.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import aliased

from agentops.auth.access import lock_org, member_under_lock
from agentops.billing import seats
from agentops.errors import BadRequest, Conflict, Forbidden
from agentops.extensions import db
from agentops.orgs.models import ADMIN_ROLES, Org, OrgMember

logger = logging.getLogger(__name__)

MEMBER_NOT_FOUND = "Member not found"
LAST_OWNER = "The organization must keep at least one owner"


def another_owner_remains(org_id: uuid.UUID) -> ColumnElement[bool]:
    """A condition true when the org has more than one owner."""
    others = aliased(OrgMember)
    owners = (
        select(func.count())
        .select_from(others)
        .where(others.org_id == org_id, others.role == "owner")
        .scalar_subquery()
    )
    return owners > 1


def remove(org: Org, caller: OrgMember, user_id: uuid.UUID) -> None:
    """Remove a member: not yourself, an owner only by an owner, never the last."""
    if user_id == caller.user_id:
        raise BadRequest("You cannot remove yourself from the organization")
    lock_org(org.id)
    caller = member_under_lock(org.id, caller.user_id, ADMIN_ROLES)
    target = member_under_lock(org.id, user_id, not_found=MEMBER_NOT_FOUND)
    if target.role == "owner" and caller.role != "owner":
        raise Forbidden("Only an owner can remove an owner")
    removed = db.session.execute(
        delete(OrgMember)
        .where(
            OrgMember.org_id == org.id,
            OrgMember.user_id == user_id,
            or_(OrgMember.role != "owner", another_owner_remains(org.id)),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not removed:
        raise Conflict(LAST_OWNER)
    # Read before the commit: afterwards another request may remove the caller.
    caller_id, org_id = caller.user_id, org.id
    db.session.commit()
    logger.info("user %s removed user %s from org %s", caller_id, user_id, org_id)
    seats.membership_changed(org)


def change_role(org: Org, caller: OrgMember, user_id: uuid.UUID, role: str) -> None:
    """Change a member's role: not your own, `owner` only by an owner."""
    if user_id == caller.user_id:
        raise BadRequest("You cannot change your own role")
    lock_org(org.id)
    caller = member_under_lock(org.id, caller.user_id, ADMIN_ROLES)
    target = member_under_lock(org.id, user_id, not_found=MEMBER_NOT_FOUND)
    if "owner" in (role, target.role) and caller.role != "owner":
        raise Forbidden("Only an owner can grant or take away the owner role")
    if target.role == role:
        return
    statement = update(OrgMember).where(
        OrgMember.org_id == org.id, OrgMember.user_id == user_id
    )
    if target.role == "owner":
        statement = statement.where(another_owner_remains(org.id))
    changed = db.session.execute(
        statement.values(role=role).execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise Conflict(LAST_OWNER)
    caller_id, org_id = caller.user_id, org.id
    db.session.commit()
    logger.info("user %s made user %s %s in org %s", caller_id, user_id, role, org_id)
