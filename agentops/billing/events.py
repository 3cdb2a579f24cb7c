"""What each Stripe event does to an org.

Subscription events never trust the snapshot they carry: the subscription is
read again from Stripe and that state is applied, so late, repeated and
reordered events all end in the state Stripe holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import stripe
from sqlalchemy import select

from agentops.billing import history, subscriptions
from agentops.billing.stripe_client import client, is_missing
from agentops.extensions import db
from agentops.orgs.models import Org

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], dict[str, Any]], None]


def current_subscription(subscription_id: str, snapshot: dict | None) -> dict:
    """The subscription as Stripe holds it now (the snapshot if Stripe lost it)."""
    try:
        return client().v1.subscriptions.retrieve(subscription_id).to_dict()
    except stripe.InvalidRequestError as error:
        if is_missing(error) and snapshot is not None:
            return snapshot
        raise


def note_event(org: Org, event: dict[str, Any]) -> None:
    """Remember the newest event applied to the org."""
    created = event.get("created")
    if isinstance(created, int) and (org.subscription_event_created or 0) < created:
        org.subscription_event_created = created


def checkout_completed(session: dict[str, Any], event: dict[str, Any]) -> None:
    """A paid Checkout: store the subscription and make the org pro."""
    if session.get("mode") != "subscription":
        return
    org = subscriptions.org_by_id(session.get("client_reference_id"))
    if org is None:
        org = subscriptions.org_by_id((session.get("metadata") or {}).get("org_id"))
    if org is None:
        logger.warning(
            "Stripe event %s: checkout session %s names no known org",
            event["id"],
            session.get("id"),
        )
        return
    subscription_id = session.get("subscription")
    if isinstance(subscription_id, dict):
        subscription_id = subscription_id.get("id")
    if not subscription_id:
        logger.warning(
            "Stripe event %s: checkout session %s has no subscription",
            event["id"],
            session.get("id"),
        )
        return
    org = subscriptions.locked(org)
    customer = subscriptions.customer_id(session)
    if customer and not org.stripe_customer_id:
        org.stripe_customer_id = customer
    subscription = current_subscription(subscription_id, None)
    subscriptions.apply(org, subscription)
    note_event(org, event)
    history.record(
        org.id,
        "checkout.completed",
        session=session.get("id"),
        subscription=subscription_id,
        status=subscription["status"],
    )


def subscription_changed(snapshot: dict[str, Any], event: dict[str, Any]) -> None:
    """A subscription was updated or deleted: apply its current state."""
    subscription = current_subscription(snapshot["id"], snapshot)
    org = subscriptions.org_for_subscription(subscription)
    if org is None:
        logger.info(
            "Stripe event %s: subscription %s belongs to no known org",
            event["id"],
            snapshot["id"],
        )
        return
    org = subscriptions.locked(org)
    subscriptions.apply(org, subscription)
    note_event(org, event)


def dispute_created(dispute: dict[str, Any], event: dict[str, Any]) -> None:
    """A payment is disputed: note it on the org's history; the plan stays."""
    charge_id = dispute.get("charge")
    if isinstance(charge_id, dict):
        charge_id = charge_id.get("id")
    org = None
    if charge_id:
        charge = client().v1.charges.retrieve(charge_id).to_dict()
        customer = subscriptions.customer_id(charge)
        if customer:
            org = db.session.scalar(
                select(Org).where(Org.stripe_customer_id == customer)
            )
    org_id = org.id if org is not None else None
    history.record(
        org_id,
        "charge.dispute.created",
        dispute=dispute.get("id"),
        charge=charge_id,
        amount=dispute.get("amount"),
        currency=dispute.get("currency"),
        reason=dispute.get("reason"),
        status=dispute.get("status"),
    )
    logger.warning(
        "payment dispute %s opened on charge %s for org %s: %s %s, reason %s",
        dispute.get("id"),
        charge_id,
        org_id,
        dispute.get("amount"),
        dispute.get("currency"),
        dispute.get("reason"),
    )


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": checkout_completed,
    "customer.subscription.updated": subscription_changed,
    "customer.subscription.deleted": subscription_changed,
    "charge.dispute.created": dispute_created,
}
