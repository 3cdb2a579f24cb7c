"""Invites: sending, revoking, listing and accepting them.

Addresses are stored lower-case with surrounding spaces removed and always
compared lower-case, so an invite matches its person whatever the letter case.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from agentops.auth.access import lock_org, member_under_lock
from agentops.billing import seats
from agentops.errors import Conflict, Forbidden, NotFound
from agentops.extensions import db
from agentops.orgs import mail
from agentops.orgs.models import ADMIN_ROLES, Org, OrgInvite, OrgMember
from agentops.orgs.service import counts, is_free, pending_invites, settings
from agentops.users.models import User

logger = logging.getLogger(__name__)

INVITE_NOT_FOUND = "Invite not found"


def normalize(email: str) -> str:
    """The stored form of an address: no surrounding spaces, lower-case."""
    return email.strip().lower()


def require_owner_for_owner(role: str, inviter: OrgMember | None) -> None:
    """Only an owner may hand out the owner role."""
    if role == "owner" and inviter is not None and inviter.role != "owner":
        raise Forbidden("Only an owner can invite someone as an owner")


def require_member_room(org: Org) -> None:
    """Refuse (403) when a free org has no room for another member or invite."""
    if not is_free(org):
        return
    limit = settings().FREEPLAN_MAX_USERS
    used = counts([org.id])[org.id]
    if used.members + used.invites >= limit:
        raise Forbidden(
            f"The free plan allows {limit} member(s), pending invites included; "
            "upgrade the organization to add more"
        )


def create(
    org: Org, inviter: OrgMember | None, email: str, role: str
) -> dict[str, Any]:
    """Invite an address into an org and send it the accept link.

    `inviter` is None when an operator invites from the command line. A failed
    delivery keeps the invite; the answer says whether the e-mail went out.
    """
    email = normalize(email)
    require_owner_for_owner(role, inviter)
    lock_org(org.id)
    if inviter is not None:
        inviter = member_under_lock(org.id, inviter.user_id, ADMIN_ROLES)
        require_owner_for_owner(role, inviter)
    db.session.refresh(org)
    require_member_room(org)
    if is_member(org.id, email):
        raise Conflict(f"{email} is already a member of the organization")
    if find(org.id, email) is not None:
        raise Conflict(f"{email} is already invited to the organization")
    invite = OrgInvite(
        org_id=org.id,
        email=email,
        role=role,
        inviter_id=inviter.user_id if inviter else None,
    )
    db.session.add(invite)
    # Read before the commit: afterwards another request may remove the inviter.
    inviter_email = inviter.user.email if inviter is not None else None
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(f"{email} is already invited to the organization") from None
    logger.info("invite %s to org %s created with role %s", invite.id, org.id, role)
    return deliver(invite, org, inviter_email)


def deliver(invite: OrgInvite, org: Org, inviter_email: str | None) -> dict[str, Any]:
    """Send the invite e-mail and describe the outcome to the caller."""
    sent = mail.send_invite(
        invite.id, org.id, org.name, invite.email, invite.role, inviter_email
    )
    if sent:
        message = f"Invite e-mailed to {invite.email}"
    elif settings().MAIL_URL:
        message = (
            f"Invite created, but the e-mail to {invite.email} could not be sent; "
            "share the accept link, or they can accept from their pending invites"
        )
    else:
        message = (
            "Invite created; e-mail is not configured on this server, so share "
            "the accept link, or they can accept from their pending invites"
        )
    return {
        "success": True,
        "message": message,
        "email_sent": sent,
        "accept_url": mail.accept_url(org.id),
    }


def is_member(org_id: uuid.UUID, email: str) -> bool:
    """Whether someone with this address belongs to the org."""
    found = db.session.scalar(
        select(OrgMember.user_id)
        .join(User, User.id == OrgMember.user_id)
        .where(OrgMember.org_id == org_id, func.lower(User.email) == normalize(email))
        .limit(1)
    )
    return found is not None


def find(org_id: uuid.UUID, email: str) -> OrgInvite | None:
    """The org's pending invite for an address, in any letter case."""
    return db.session.scalar(
        select(OrgInvite).where(
            OrgInvite.org_id == org_id, func.lower(OrgInvite.email) == normalize(email)
        )
    )


def revoke(org: Org, email: str) -> None:
    """Withdraw a pending invite."""
    removed = db.session.execute(
        delete(OrgInvite).where(
            OrgInvite.org_id == org.id, func.lower(OrgInvite.email) == normalize(email)
        )
    ).rowcount
    if not removed:
        raise NotFound(INVITE_NOT_FOUND)
    db.session.commit()
    logger.info("an invite to org %s was revoked", org.id)


def pending_for(user: User) -> list[dict[str, Any]]:
    """Invites addressed to the caller's e-mail, oldest first."""
    if not user.email:
        return []
    return pending_invites(func.lower(OrgInvite.email) == normalize(user.email))


def accept(org_id: uuid.UUID | None, user: User) -> None:
    """Join an org with the role of the invite addressed to the caller's e-mail."""
    if org_id is None or not user.email:
        raise NotFound(INVITE_NOT_FOUND)
    lock_org(org_id)
    invite = find(org_id, user.email)
    if invite is None:
        raise NotFound(INVITE_NOT_FOUND)
    org = invite.org
    db.session.refresh(org)
    if db.session.get(OrgMember, (org_id, user.id)) is not None:
        raise Conflict("You are already a member of this organization")
    if is_free(org):
        limit = settings().FREEPLAN_MAX_USERS
        if counts([org_id])[org_id].members >= limit:
            raise Forbidden(
                f"The organization is at the free plan's limit of {limit} member(s); "
                "an admin must upgrade it before you can join"
            )
    role = invite.role
    db.session.add(OrgMember(org_id=org_id, user_id=user.id, role=role))
    db.session.delete(invite)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("You are already a member of this organization") from None
    logger.info("user %s joined org %s as %s", user.id, org_id, role)
    seats.membership_changed(org)
