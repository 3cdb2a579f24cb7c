"""Repairing orgs from Stripe when webhooks were missed."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import stripe
from sqlalchemy import or_, select

from agentops.billing import history, seats, subscriptions
from agentops.billing.stripe_client import calling_stripe, client, is_missing
from agentops.extensions import db
from agentops.orgs.models import Org

logger = logging.getLogger(__name__)


@dataclass
class SyncResult:
    """What syncing one org changed."""

    org_id: uuid.UUID
    org_name: str
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    seats: tuple[int, int] | None = None


def orgs_to_sync(org_id: uuid.UUID | None) -> list[Org]:
    """The orgs with anything in Stripe: a customer or a subscription."""
    query = select(Org).order_by(Org.created_at, Org.id)
    if org_id is not None:
        query = query.where(Org.id == org_id)
    else:
        query = query.where(
            or_(Org.stripe_customer_id.is_not(None), Org.subscription_id.is_not(None))
        )
    return list(db.session.scalars(query))


def stripe_subscription(org: Org) -> dict[str, Any] | None:
    """The subscription Stripe bills the org with, or its stored one if ended."""
    stored = None
    if org.subscription_id:
        with calling_stripe("read the subscription"):
            try:
                stored = client().v1.subscriptions.retrieve(org.subscription_id)
                stored = stored.to_dict()
            except stripe.InvalidRequestError as error:
                if not is_missing(error):
                    raise
    live = subscriptions.ACTIVE + subscriptions.GRACE
    if stored is not None and stored["status"] in live:
        return stored
    if org.stripe_customer_id:
        with calling_stripe("list the customer's subscriptions"):
            page = client().v1.subscriptions.list(
                params={
                    "customer": org.stripe_customer_id,
                    "status": "all",
                    "limit": 100,
                }
            )
        candidates = [
            s for s in page.to_dict().get("data") or [] if s["status"] in live
        ]
        candidates.sort(
            key=lambda s: (s["status"] in subscriptions.ACTIVE, s.get("created") or 0)
        )
        if candidates:
            return candidates[-1]
    return stored


def merge(
    into: dict[str, tuple[Any, Any]], changes: dict[str, tuple[Any, Any]]
) -> None:
    """Fold a second round of column changes into the first."""
    for name, (old, new) in changes.items():
        first = into[name][0] if name in into else old
        if first == new:
            into.pop(name, None)
        else:
            into[name] = (first, new)


def sync_org(org: Org) -> SyncResult:
    """Pull one org's subscription from Stripe and store it; commits."""
    result = SyncResult(org.id, org.name)
    subscription = stripe_subscription(org)
    if subscription is not None:
        if org.subscription_id and org.subscription_id != subscription["id"]:
            # The stored subscription has ended; the new live one takes over.
            merge(result.changes, subscriptions.clear(org, org.subscription_id, None))
        merge(result.changes, subscriptions.apply(org, subscription))
    elif org.subscription_id:
        merge(result.changes, subscriptions.clear(org, org.subscription_id, None))
    if subscription is not None and subscriptions.is_live(org):
        old = subscriptions.seat_count(subscription) or 0
        wanted = seats.member_count(org)
        if seats.set_quantity(org, subscription, wanted):
            result.seats = (old, wanted)
    if result.changes or result.seats:
        changed = {name: [old, new] for name, (old, new) in result.changes.items()}
        history.record(org.id, "sync.repaired", changes=changed, seats=result.seats)
        logger.info("sync repaired org %s: %s", org.id, changed)
    db.session.commit()
    return result


def sync(org_id: uuid.UUID | None = None) -> list[SyncResult]:
    """Sync every org Stripe knows (or one org)."""
    return [sync_org(org) for org in orgs_to_sync(org_id)]
