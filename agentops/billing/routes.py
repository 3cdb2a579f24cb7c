"""Billing: Stripe checkout and subscription changes for Admin/Owner."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from agentops.auth import access
from agentops.auth.current import current_user, login_required
from agentops.billing import service
from agentops.billing.schemas import (
    CancelSubscriptionSchema,
    CheckoutSessionAnswerSchema,
    CheckoutSessionSchema,
    DiscountAnswerSchema,
    DiscountCodeSchema,
    SubscriptionAnswerSchema,
)
from agentops.openapi import errors
from agentops.orgs.models import Org

blp = Blueprint("billing", __name__, url_prefix="/opsboard/orgs", description="Billing")
# Ids as the org routes read them: a malformed one is the org's 404, after
# the token check, rather than a routing 404 before it.
blp.record_once(access.install_path_ids)

IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string"},
    "description": "Resend the same value to retry a request without repeating "
    "it; without it, identical requests within ten minutes count as one.",
}


def admin_org(view: Callable[..., Any]) -> Callable[..., Any]:
    """Resolve `org_id` to the org for an admin or owner (404, then 403)."""

    @wraps(view)
    def wrapper(*args: Any, org_id: uuid.UUID | None, **kwargs: Any) -> Any:
        """Call the view with the org in place of its id."""
        org, _ = access.org_for_admin(org_id, current_user())
        return view(*args, org=org, **kwargs)

    return wrapper


def subscription_answer(org: Org, message: str) -> dict[str, Any]:
    """The answer to a subscription change."""
    return {
        "success": True,
        "message": message,
        "prem_status": org.prem_status,
        "subscription_id": org.subscription_id,
        "subscription_end_date": org.subscription_end_date,
        "subscription_cancel_at_period_end": org.subscription_cancel_at_period_end,
    }


@blp.route("/<id:org_id>/create-checkout-session")
class CheckoutSession(MethodView):
    """Embedded Stripe Checkout for upgrading an org."""

    decorators = [admin_org, login_required]

    @blp.doc(parameters=[IDEMPOTENCY_HEADER])
    @blp.arguments(CheckoutSessionSchema)
    @blp.response(200, CheckoutSessionAnswerSchema)
    @errors(blp, 400, 403, 409, 502, 503)
    def post(self, body: dict[str, Any], org: Org) -> dict[str, str]:
        """Start a Checkout session; the webhook upgrades the org when it completes."""
        secret = service.create_checkout_session(org, current_user(), body)
        return {"clientSecret": secret}


@blp.route("/<id:org_id>/cancel-subscription")
class CancelSubscription(MethodView):
    """Cancelling at the end of the paid period."""

    decorators = [admin_org, login_required]

    @blp.doc(parameters=[IDEMPOTENCY_HEADER])
    @blp.arguments(CancelSubscriptionSchema)
    @blp.response(200, SubscriptionAnswerSchema)
    @errors(blp, 400, 403, 409, 502, 503)
    def post(self, body: dict[str, Any], org: Org) -> dict[str, Any]:
        """Set the subscription to cancel at the end of the period."""
        org = service.cancel_subscription(org, current_user(), body["subscription_id"])
        return subscription_answer(
            org, "The subscription will end at the close of the paid period"
        )


@blp.route("/<id:org_id>/reactivate-subscription")
class ReactivateSubscription(MethodView):
    """Undoing a pending cancellation."""

    decorators = [admin_org, login_required]

    @blp.doc(parameters=[IDEMPOTENCY_HEADER])
    @blp.response(200, SubscriptionAnswerSchema)
    @errors(blp, 403, 409, 502, 503)
    def post(self, org: Org) -> dict[str, Any]:
        """Keep the subscription that was set to cancel."""
        org = service.reactivate_subscription(org, current_user())
        return subscription_answer(org, "The subscription will continue")


@blp.route("/<id:org_id>/validate-discount-code")
class ValidateDiscountCode(MethodView):
    """Checking a discount code before checkout."""

    decorators = [admin_org, login_required]

    @blp.arguments(DiscountCodeSchema)
    @blp.response(200, DiscountAnswerSchema)
    @errors(blp, 403, 502, 503)
    def post(self, body: dict[str, Any], org: Org) -> dict[str, Any]:
        """Say whether a promotion code or coupon is valid and what it gives."""
        return service.validate_discount_code(body["discount_code"])
