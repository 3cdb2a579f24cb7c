"""Orgs: listing, detail, creation, renaming and deletion, with their counts."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import aliased

from agentops.auth.access import lock_org, member_under_lock
from agentops.errors import Conflict
from agentops.extensions import db
from agentops.orgs.models import ADMIN_ROLES, Org, OrgInvite, OrgMember
from agentops.projects.models import Project
from agentops.settings import Settings
from agentops.users.models import User

logger = logging.getLogger(__name__)

# Subscription states in which Stripe no longer bills the org.
ENDED_SUBSCRIPTION_STATES = ("canceled", "incomplete_expired")


@dataclass
class OrgCounts:
    """How many members, paid members, projects and invites an org has."""

    members: int = 0
    paid_members: int = 0
    projects: int = 0
    invites: int = 0


def settings() -> Settings:
    """The current app's settings."""
    return current_app.extensions["settings"]


def demo_org_id() -> uuid.UUID | None:
    """The demo org's id from `DEMO_ORG_ID`, if it is set to a UUID."""
    raw = settings().DEMO_ORG_ID.strip()
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def is_free(org: Org) -> bool:
    """Whether the org is on the free plan, with its limits."""
    return org.prem_status == "free"


def has_active_subscription(org: Org) -> bool:
    """Whether Stripe still bills the org."""
    return bool(org.subscription_id) and (
        org.subscription_status not in ENDED_SUBSCRIPTION_STATES
    )


def counts(org_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, OrgCounts]:
    """Member, project and invite counts of several orgs, in three queries."""
    ids = list(org_ids)
    result = {org_id: OrgCounts() for org_id in ids}
    if not ids:
        return result
    members = db.session.execute(
        select(
            OrgMember.org_id,
            func.count(),
            func.coalesce(func.sum(case((OrgMember.is_paid, 1), else_=0)), 0),
        )
        .where(OrgMember.org_id.in_(ids))
        .group_by(OrgMember.org_id)
    )
    for org_id, total, paid in members:
        result[org_id].members = total
        result[org_id].paid_members = int(paid)
    for model, attribute in ((Project, "projects"), (OrgInvite, "invites")):
        rows = db.session.execute(
            select(model.org_id, func.count())
            .where(model.org_id.in_(ids))
            .group_by(model.org_id)
        )
        for org_id, total in rows:
            setattr(result[org_id], attribute, total)
    return result


def describe(org: Org, role: str | None, org_counts: OrgCounts) -> dict[str, Any]:
    """An org as the API shows it to a member with `role`."""
    limits = settings()
    free = is_free(org)
    return {
        "id": org.id,
        "name": org.name,
        "prem_status": org.prem_status,
        "subscription_id": org.subscription_id,
        "subscription_end_date": org.subscription_end_date,
        "subscription_cancel_at_period_end": org.subscription_cancel_at_period_end,
        "current_user_role": role,
        "current_member_count": org_counts.members,
        "max_member_count": limits.FREEPLAN_MAX_USERS if free else None,
        "current_project_count": org_counts.projects,
        "max_project_count": limits.FREEPLAN_MAX_PROJECTS if free else None,
        "paid_member_count": org_counts.paid_members,
    }


def describe_one(org: Org, role: str | None) -> dict[str, Any]:
    """One org as the API shows it, with its counts."""
    return describe(org, role, counts([org.id])[org.id])


def list_for_user(user: User) -> list[dict[str, Any]]:
    """The caller's orgs, the demo org left out, oldest first."""
    query = (
        select(Org, OrgMember.role)
        .join(OrgMember, OrgMember.org_id == Org.id)
        .where(OrgMember.user_id == user.id)
        .order_by(Org.created_at, Org.id)
    )
    demo_id = demo_org_id()
    if demo_id is not None:
        query = query.where(Org.id != demo_id)
    rows = db.session.execute(query).all()
    org_counts = counts(org.id for org, _ in rows)
    return [describe(org, role, org_counts[org.id]) for org, role in rows]


def detail(org: Org, member: OrgMember) -> dict[str, Any]:
    """The org with its members and, for admins and owners, its pending invites."""
    shown = describe_one(org, member.role)
    shown["users"] = members_of(org.id)
    if member.role in ADMIN_ROLES:
        shown["invites"] = pending_invites(OrgInvite.org_id == org.id)
    return shown


def members_of(org_id: uuid.UUID) -> list[dict[str, Any]]:
    """An org's members with their e-mails, in the order they joined."""
    rows = db.session.execute(
        select(OrgMember, User.email)
        .join(User, User.id == OrgMember.user_id)
        .where(OrgMember.org_id == org_id)
        .order_by(OrgMember.created_at, OrgMember.user_id)
    )
    return [
        {
            "user_id": member.user_id,
            "email": email,
            "role": member.role,
            "is_paid": member.is_paid,
        }
        for member, email in rows
    ]


def pending_invites(*conditions: ColumnElement[bool]) -> list[dict[str, Any]]:
    """Pending invites matching the conditions, oldest first, with org and inviter."""
    inviter = aliased(User)
    rows = db.session.execute(
        select(OrgInvite, Org.name, inviter.email)
        .join(Org, Org.id == OrgInvite.org_id)
        .outerjoin(inviter, inviter.id == OrgInvite.inviter_id)
        .where(*conditions)
        .order_by(OrgInvite.created_at, Org.name, OrgInvite.email)
    )
    return [
        {
            "org_id": invite.org_id,
            "org_name": org_name,
            "email": invite.email,
            "role": invite.role,
            "inviter_email": inviter_email,
            "created_at": invite.created_at,
        }
        for invite, org_name, inviter_email in rows
    ]


def create(user: User, name: str) -> dict[str, Any]:
    """Create an org with the caller as its owner."""
    org = Org(name=name)
    db.session.add(org)
    db.session.flush()
    db.session.add(OrgMember(org_id=org.id, user_id=user.id, role="owner"))
    db.session.commit()
    logger.info("user %s created org %s", user.id, org.id)
    return describe_one(org, "owner")


def rename(org: Org, member: OrgMember, name: str) -> dict[str, Any]:
    """Rename an org."""
    org.name = name
    db.session.commit()
    return describe_one(org, member.role)


def delete(org: Org, member: OrgMember) -> None:
    """Delete an org that has no projects and no subscription Stripe still bills."""
    lock_org(org.id)
    member_under_lock(org.id, member.user_id, ("owner",))
    db.session.refresh(org)
    projects = db.session.scalar(
        select(func.count()).select_from(Project).where(Project.org_id == org.id)
    )
    if projects:
        raise Conflict(
            f"The organization still has {projects} project(s); delete them first"
        )
    if has_active_subscription(org):
        raise Conflict(
            "The organization has an active subscription; cancel it and wait for "
            "the billing period to end first"
        )
    db.session.delete(org)
    db.session.commit()
    logger.info("user %s deleted org %s", member.user_id, org.id)
