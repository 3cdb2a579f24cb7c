"""Billing rules: checkout, cancelling and reactivating an org's subscription."""

from __future__ import annotations

import logging
from typing import Any

import stripe
from flask import current_app

from agentops.billing import discounts, history, subscriptions
from agentops.billing.stripe_client import (
    calling_stripe,
    client,
    idempotency_key,
    is_missing,
)
from agentops.errors import BadRequest, Conflict
from agentops.extensions import db
from agentops.orgs.models import Org
from agentops.users.models import User

logger = logging.getLogger(__name__)


def create_checkout_session(org: Org, user: User, body: dict[str, Any]) -> str:
    """Start embedded Checkout for the org; return the session's client secret.

    The org is upgraded later, by the `checkout.session.completed` webhook.
    """
    stripe_client = client()
    refuse_if_subscribed(org)
    price = checkout_price(body["price_id"])
    line_item = {"price": price["id"], "quantity": body.get("quantity") or 1}
    params: dict[str, Any] = {
        "mode": "subscription",
        "ui_mode": "embedded_page",
        "line_items": [line_item],
        "customer": ensure_customer(org),
        "client_reference_id": str(org.id),
        "metadata": {"org_id": str(org.id)},
        "subscription_data": {"metadata": {"org_id": str(org.id)}},
        "return_url": return_url(org),
    }
    code = (body.get("discount_code") or "").strip()
    if code:
        found = discounts.resolve(code)
        if found is None:
            raise BadRequest(f"Unknown or expired discount code {code!r}")
        params["discounts"] = [found[0]]
    key = idempotency_key(
        "checkout",
        org.id,
        {"price": price["id"], "quantity": line_item["quantity"], "code": code},
        marker=history.version(org.id),
    )
    with calling_stripe("start checkout"):
        session = stripe_client.v1.checkout.sessions.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": key},
        )
    logger.info(
        "checkout session %s for org %s by user %s", session.id, org.id, user.id
    )
    return session.client_secret


def return_url(org: Org) -> str:
    """Where embedded Checkout sends the customer back to."""
    base = current_app.extensions["settings"].APP_URL.rstrip("/")
    query = f"org_id={org.id}&session_id={{CHECKOUT_SESSION_ID}}"
    return f"{base}/settings/organization?{query}"


def refuse_if_subscribed(org: Org) -> None:
    """409 when the org already pays through an active or trialing subscription.

    Both the stored columns and Stripe are asked; what Stripe knows and the
    columns missed is written back, so the org list shows it too.
    """
    if org.subscription_id and org.subscription_status in subscriptions.ACTIVE:
        raise Conflict(
            f"This organization already has an active subscription "
            f"({org.subscription_id}); manage it instead of starting a new one"
        )
    if not org.stripe_customer_id:
        return
    with calling_stripe("check the organization's subscriptions"):
        page = client().v1.subscriptions.list(
            params={"customer": org.stripe_customer_id, "status": "all", "limit": 20}
        )
    for subscription in page.to_dict().get("data") or []:
        if subscription["status"] in subscriptions.ACTIVE:
            subscriptions.apply(org, subscription)
            db.session.commit()
            raise Conflict(
                f"This organization already has an active subscription "
                f"({subscription['id']}); manage it instead of starting a new one"
            )


def checkout_price(price_id: str) -> dict[str, Any]:
    """The price to check out with: an active, recurring, per-seat price."""
    with calling_stripe("look up the price"):
        try:
            price = client().v1.prices.retrieve(price_id).to_dict()
        except stripe.InvalidRequestError as error:
            if is_missing(error) or error.http_status == 400:
                raise BadRequest(f"Unknown price {price_id!r}") from None
            raise
    recurring = price.get("recurring") or {}
    if (
        not price.get("active", True)
        or price.get("type") != "recurring"
        or recurring.get("usage_type", "licensed") != "licensed"
    ):
        raise BadRequest(
            f"Price {price_id!r} is not an active recurring per-seat price; "
            "use the subscription's price"
        )
    configured = current_app.extensions["settings"].STRIPE_SUBSCRIPTION_PRICE_ID
    if configured and price_id != configured:
        with calling_stripe("look up the price"):
            plan = client().v1.prices.retrieve(configured).to_dict()
        if price.get("product") != plan.get("product"):
            raise BadRequest(f"Price {price_id!r} is not a price of this plan")
    return price


def ensure_customer(org: Org) -> str:
    """The org's Stripe customer, created once (retries reuse the same one)."""
    if org.stripe_customer_id:
        return org.stripe_customer_id
    with calling_stripe("create the Stripe customer"):
        customer = client().v1.customers.create(
            params={"name": org.name, "metadata": {"org_id": str(org.id)}},
            options={"idempotency_key": f"agentops-customer-{org.id}"},
        )
    org.stripe_customer_id = customer.id
    db.session.commit()
    return customer.id


def cancel_subscription(org: Org, user: User, subscription_id: str) -> Org:
    """Set the org's subscription to end at the close of the paid period."""
    return set_cancel_flag(org, user, subscription_id, cancel=True)


def reactivate_subscription(org: Org, user: User) -> Org:
    """Keep billing a subscription that was set to cancel."""
    stripe_client = client()
    if not org.subscription_id:
        raise Conflict("This organization has no subscription to reactivate")
    with calling_stripe("read the subscription"):
        current = stripe_client.v1.subscriptions.retrieve(org.subscription_id)
    current = current.to_dict()
    if current["status"] in subscriptions.ENDED:
        subscriptions.apply(org, current)
        db.session.commit()
        raise Conflict("The subscription has ended; start a new checkout instead")
    if not current.get("cancel_at_period_end"):
        subscriptions.apply(org, current)
        db.session.commit()
        raise Conflict("The subscription is not set to cancel; nothing to reactivate")
    return set_cancel_flag(org, user, org.subscription_id, cancel=False)


def set_cancel_flag(org: Org, user: User, subscription_id: str, cancel: bool) -> Org:
    """Change `cancel_at_period_end` in Stripe and store Stripe's answer."""
    stripe_client = client()
    if not org.subscription_id:
        raise Conflict("This organization has no subscription to cancel")
    if subscription_id != org.subscription_id:
        raise BadRequest(
            f"Subscription {subscription_id!r} is not this organization's subscription"
        )
    operation = "cancel" if cancel else "reactivate"
    key = idempotency_key(
        operation,
        org.id,
        {"subscription_id": subscription_id},
        marker=history.version(org.id),
    )
    action = "cancel the subscription" if cancel else "reactivate the subscription"
    with calling_stripe(action):
        updated = stripe_client.v1.subscriptions.update(
            subscription_id,
            params={"cancel_at_period_end": cancel},
            options={"idempotency_key": key},
        )
    subscriptions.apply(org, updated.to_dict())
    history.record(
        org.id,
        "subscription.cancel_requested" if cancel else "subscription.reactivated",
        subscription=subscription_id,
        user=str(user.id),
    )
    db.session.commit()
    logger.info("%s subscription %s of org %s", operation, subscription_id, org.id)
    return org


def validate_discount_code(code: str) -> dict[str, Any]:
    """Describe a discount code, valid or not."""
    client()
    code = code.strip()
    found = discounts.resolve(code) if code else None
    answer = discounts.describe(found[1] if found else None)
    answer["discount_description"] = answer["description"]
    return answer
