"""Orgs, their members and pending invites."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agentops.extensions import db
from agentops.models_common import UtcDateTime, Uuid, new_id, utcnow

ROLES = ("owner", "admin", "developer", "business_user")
ADMIN_ROLES = ("owner", "admin")
PLANS = ("free", "pro", "enterprise")


class Org(db.Model):
    """An organization: the unit of membership and billing."""

    __tablename__ = "orgs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    prem_status: Mapped[str] = mapped_column(String(20), default="free")
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255))
    subscription_id: Mapped[str | None] = mapped_column(String(255), index=True)
    subscription_status: Mapped[str | None] = mapped_column(String(40))
    subscription_end_date: Mapped[int | None] = mapped_column(Integer)
    subscription_cancel_at_period_end: Mapped[bool] = mapped_column(
        Boolean, default=False
    )
    subscription_seats: Mapped[int | None] = mapped_column(Integer)
    # `created` of the newest Stripe event applied, to ignore stale ones.
    subscription_event_created: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    members: Mapped[list[OrgMember]] = relationship(
        back_populates="org", cascade="all, delete-orphan"
    )
    invites: Mapped[list[OrgInvite]] = relationship(
        back_populates="org", cascade="all, delete-orphan"
    )


class OrgMember(db.Model):
    """A user's membership in an org, with a role."""

    __tablename__ = "org_members"

    org_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    is_paid: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    org: Mapped[Org] = relationship(back_populates="members")
    user = relationship("User")


class OrgInvite(db.Model):
    """A pending invitation of an e-mail address into an org."""

    __tablename__ = "org_invites"
    __table_args__ = (UniqueConstraint("org_id", "email"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("orgs.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), index=True)
    role: Mapped[str] = mapped_column(String(20))
    inviter_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    org: Mapped[Org] = relationship(back_populates="invites")
    inviter = relationship("User")
