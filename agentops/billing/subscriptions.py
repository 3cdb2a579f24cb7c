"""Applying a Stripe subscription's state to the org that pays with it.

Webhooks, `flask stripe sync` and the billing endpoints all end here, always
with the subscription as Stripe holds it now, so the org ends in Stripe's state
whatever order the events arrive in.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from flask import current_app
from sqlalchemy import select

from agentops.billing import history
from agentops.extensions import db
from agentops.orgs.models import Org, OrgMember

logger = logging.getLogger(__name__)

ACTIVE = ("active", "trialing")
GRACE = ("past_due", "unpaid")
ENDED = ("canceled", "incomplete_expired")
# Plans set by hand (enterprise contracts) that Stripe events leave alone.
MANUAL_PLANS = ("enterprise",)
DAY_SECONDS = 86400


def period_end(subscription: dict[str, Any]) -> int | None:
    """When the current period ends (on the items since Stripe's 2025 API)."""
    items = (subscription.get("items") or {}).get("data") or []
    ends = [
        item["current_period_end"] for item in items if item.get("current_period_end")
    ]
    if ends:
        return max(ends)
    return subscription.get("current_period_end")


def seat_count(subscription: dict[str, Any]) -> int | None:
    """The number of seats the subscription pays for."""
    items = (subscription.get("items") or {}).get("data") or []
    if not items:
        return None
    return sum(int(item.get("quantity") or 0) for item in items)


def plan_for(status: str, end: int | None, now: float | None = None) -> str | None:
    """The plan a subscription in this status gives; None leaves the plan as is."""
    if status in ACTIVE:
        return "pro"
    if status in GRACE:
        grace = current_app.extensions["settings"].BILLING_GRACE_DAYS * DAY_SECONDS
        now = time.time() if now is None else now
        return "pro" if end is not None and now < end + grace else "free"
    if status in ENDED or status == "paused":
        return "free"
    return None


def org_by_id(value: Any) -> Org | None:
    """The org with this id (as text), if the text is an id and the org exists."""
    try:
        return db.session.get(Org, uuid.UUID(str(value)))
    except ValueError:
        return None


def org_for_subscription(subscription: dict[str, Any]) -> Org | None:
    """The org paying with this subscription: by id, metadata, then customer."""
    org = db.session.scalar(
        select(Org).where(Org.subscription_id == subscription["id"])
    )
    if org is not None:
        return org
    org_id = (subscription.get("metadata") or {}).get("org_id")
    if org_id and (org := org_by_id(org_id)) is not None:
        return org
    customer = customer_id(subscription)
    if customer:
        return db.session.scalar(select(Org).where(Org.stripe_customer_id == customer))
    return None


def customer_id(stripe_object: dict[str, Any]) -> str | None:
    """The customer id of a Stripe object, expanded or not."""
    customer = stripe_object.get("customer")
    if isinstance(customer, dict):
        return customer.get("id")
    return customer


def locked(org: Org) -> Org:
    """The org re-read under a row lock, so concurrent events apply one by one."""
    return db.session.execute(
        select(Org)
        .where(Org.id == org.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def apply(org: Org, subscription: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Bring the org's subscription columns and plan in line with `subscription`.

    Returns the changed columns as `{name: (old, new)}`. The caller commits.
    """
    status = subscription["status"]
    if org.subscription_id and org.subscription_id != subscription["id"]:
        if status not in ACTIVE + GRACE:
            return {}
        if org.subscription_status in ACTIVE + GRACE:
            logger.warning(
                "org %s has a second live subscription %s besides %s; keeping %s",
                org.id,
                subscription["id"],
                org.subscription_id,
                org.subscription_id,
            )
            history.record(
                org.id,
                "subscription.duplicate",
                subscription=subscription["id"],
                kept=org.subscription_id,
            )
            return {}
    if status in ENDED:
        return clear(org, subscription["id"], status)
    end = period_end(subscription)
    target: dict[str, Any] = {
        "subscription_id": subscription["id"],
        "subscription_status": status,
        "subscription_end_date": end,
        "subscription_cancel_at_period_end": bool(
            subscription.get("cancel_at_period_end")
        ),
        "subscription_seats": seat_count(subscription),
    }
    if customer_id(subscription):
        target["stripe_customer_id"] = customer_id(subscription)
    plan = plan_for(status, end)
    if plan is not None and org.prem_status not in MANUAL_PLANS:
        target["prem_status"] = plan
    return assign(org, target, subscription["id"], status)


def clear(org: Org, subscription_id: str | None, status: str | None) -> dict:
    """Make the org free and forget its ended subscription."""
    target: dict[str, Any] = {
        "subscription_id": None,
        "subscription_status": None,
        "subscription_end_date": None,
        "subscription_cancel_at_period_end": False,
        "subscription_seats": None,
    }
    if org.prem_status not in MANUAL_PLANS:
        target["prem_status"] = "free"
    return assign(org, target, subscription_id, status)


def assign(
    org: Org, target: dict[str, Any], subscription_id: str | None, status: str | None
) -> dict[str, tuple[Any, Any]]:
    """Set the columns that differ, mark paid members, note a plan change."""
    changes = {
        name: (getattr(org, name), value)
        for name, value in target.items()
        if getattr(org, name) != value
    }
    for name, (_, value) in changes.items():
        setattr(org, name, value)
    mark_paid_members(org)
    if "prem_status" in changes:
        old, new = changes["prem_status"]
        history.record(
            org.id,
            "plan.changed",
            old=old,
            new=new,
            subscription=subscription_id,
            status=status,
        )
        logger.info(
            "org %s plan %s -> %s (subscription %s, %s)",
            org.id,
            old,
            new,
            subscription_id,
            status,
        )
    return changes


def mark_paid_members(org: Org) -> None:
    """Every member of a paid org holds a paid seat; none do on a free org."""
    paid = org.prem_status != "free"
    members = db.session.scalars(select(OrgMember).where(OrgMember.org_id == org.id))
    for member in members:
        if member.is_paid != paid:
            member.is_paid = paid


def is_live(org: Org) -> bool:
    """Whether the org's stored subscription is one Stripe still bills."""
    return bool(org.subscription_id) and org.subscription_status in ACTIVE + GRACE
