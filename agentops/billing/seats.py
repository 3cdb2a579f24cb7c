"""Keeping a paid org's Stripe seat count equal to its membership."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from agentops.billing import history, subscriptions
from agentops.billing.stripe_client import calling_stripe, client, idempotency_key
from agentops.errors import ApiError
from agentops.extensions import db
from agentops.orgs.models import Org, OrgMember

logger = logging.getLogger(__name__)


def member_count(org: Org) -> int:
    """How many members the org has."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(OrgMember)
            .where(OrgMember.org_id == org.id)
        )
        or 0
    )


def membership_changed(org: Org) -> None:
    """Bring the subscription's seat quantity in line with the org's members.

    Called by the org service after a member joins or leaves, inside the same
    request; commits the session. A free org, or a server without Stripe, only
    has its members' paid flags set. If Stripe cannot be reached the membership
    change still stands: the failure is logged and `flask stripe sync` repairs
    the seat count later.
    """
    subscriptions.mark_paid_members(org)
    settings = current_app.extensions["settings"]
    if settings.stripe_enabled and subscriptions.is_live(org):
        try:
            with calling_stripe("update the seat count"):
                current = client().v1.subscriptions.retrieve(org.subscription_id)
            set_quantity(org, current.to_dict(), member_count(org))
        except ApiError as error:
            logger.error("seat count of org %s not updated: %s", org.id, error.message)
    db.session.commit()


def set_quantity(org: Org, subscription: dict[str, Any], quantity: int) -> bool:
    """Set the subscription's seats to `quantity`, prorated; True if it changed."""
    items = (subscription.get("items") or {}).get("data") or []
    if not items:
        return False
    item = items[0]
    old = int(item.get("quantity") or 0)
    if old == quantity:
        org.subscription_seats = subscriptions.seat_count(subscription)
        return False
    key = idempotency_key(
        "seats",
        org.id,
        {"subscription": subscription["id"], "item": item["id"], "quantity": quantity},
        marker=history.version(org.id),
    )
    with calling_stripe("update the seat count"):
        updated = client().v1.subscriptions.update(
            subscription["id"],
            params={
                "items": [{"id": item["id"], "quantity": quantity}],
                "proration_behavior": "create_prorations",
            },
            options={"idempotency_key": key},
        )
    subscriptions.apply(org, updated.to_dict())
    history.record(
        org.id,
        "subscription.seats_changed",
        subscription=subscription["id"],
        old=old,
        new=quantity,
    )
    logger.info(
        "org %s seats %s -> %s on subscription %s",
        org.id,
        old,
        quantity,
        subscription["id"],
    )
    return True
