"""The Stripe webhook: verified events, each applied once, all or nothing."""

from __future__ import annotations

import json
import logging
from typing import Any

import stripe
from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError

from agentops.billing.events import HANDLERS
from agentops.billing.models import ProcessedStripeEvent
from agentops.billing.schemas import WebhookAnswerSchema
from agentops.errors import ApiError, BadRequest, Unavailable
from agentops.extensions import db
from agentops.openapi import errors
from agentops.ratelimits import webhook_limit

logger = logging.getLogger(__name__)

blp = Blueprint(
    "stripe_webhook", __name__, url_prefix="/v4", description="Stripe webhook"
)


class EventNotApplied(ApiError):
    """Applying a known event failed; Stripe will deliver it again (500)."""

    status = 500


def verified_event(payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event in the body, if Stripe signed exactly this body recently."""
    settings = current_app.extensions["settings"]
    if not settings.STRIPE_WEBHOOK_SECRET or not settings.stripe_enabled:
        raise Unavailable(
            "The Stripe webhook is not configured: set STRIPE_WEBHOOK_SECRET and "
            "STRIPE_SECRET_KEY"
        )
    if not signature:
        raise BadRequest("Missing Stripe-Signature header")
    try:
        stripe.WebhookSignature.verify_header(
            payload,
            signature,
            settings.STRIPE_WEBHOOK_SECRET,
            settings.STRIPE_WEBHOOK_TOLERANCE,
        )
    except stripe.SignatureVerificationError as error:
        logger.warning("refused a Stripe webhook: %s", error.user_message)
        raise BadRequest(f"Invalid Stripe signature: {error.user_message}") from None
    except ValueError:
        raise BadRequest("The body is not UTF-8 text") from None
    try:
        document = json.loads(payload)
    except ValueError:
        raise BadRequest("The body is not a Stripe event") from None
    if not isinstance(document, dict):
        raise BadRequest("The body is not a Stripe event")
    data = document.get("data")
    if (
        not isinstance(document.get("id"), str)
        or not isinstance(document.get("type"), str)
        or not isinstance(data, dict)
        or not isinstance(data.get("object"), dict)
    ):
        raise BadRequest("The body is not a Stripe event")
    return document


def receive(event: dict[str, Any]) -> str:
    """Apply an event once; the record and the effects commit together."""
    handler = HANDLERS.get(event["type"])
    if handler is None:
        return "ignored"
    if db.session.get(ProcessedStripeEvent, event["id"]) is not None:
        return "duplicate"
    try:
        # Claim the event first: a concurrent delivery of the same event waits
        # on this row and then finds it taken.
        db.session.add(ProcessedStripeEvent(id=event["id"], type=event["type"]))
        db.session.flush()
        handler(event["data"]["object"], event)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if db.session.get(ProcessedStripeEvent, event["id"]) is not None:
            return "duplicate"
        logger.exception("Stripe event %s (%s) failed", event["id"], event["type"])
        raise EventNotApplied(not_applied(event)) from None
    except Exception:
        db.session.rollback()
        logger.exception("Stripe event %s (%s) failed", event["id"], event["type"])
        raise EventNotApplied(not_applied(event)) from None
    logger.info("applied Stripe event %s (%s)", event["id"], event["type"])
    return "applied"


def not_applied(event: dict[str, Any]) -> str:
    """The message for an event that could not be applied."""
    return (
        f"Could not apply Stripe event {event['id']} ({event['type']}); "
        "nothing was changed and Stripe will retry it"
    )


@blp.route("/stripe-webhook")
class StripeWebhook(MethodView):
    """Events from Stripe, signed with the webhook secret."""

    decorators = [webhook_limit]

    @blp.doc(security=[])
    @blp.response(200, WebhookAnswerSchema)
    @errors(blp, 400, 503)
    def post(self) -> dict[str, Any]:
        """Apply a subscription or dispute event from Stripe."""
        event = verified_event(
            request.get_data(cache=False), request.headers.get("Stripe-Signature")
        )
        outcome = receive(event)
        return {"received": True, "event_id": event["id"], "outcome": outcome}
