"""Request and response shapes for billing and the Stripe webhook."""

from marshmallow import Schema, fields, validate

STRIPE_ID = validate.Length(min=1, max=255)


class CheckoutSessionSchema(Schema):
    """What to check out: a price, seats and an optional discount code."""

    price_id = fields.String(required=True, validate=STRIPE_ID)
    discount_code = fields.String(allow_none=True, validate=validate.Length(max=200))
    quantity = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100))


class CheckoutSessionAnswerSchema(Schema):
    """The client secret for embedded Stripe Checkout."""

    clientSecret = fields.String(required=True)


class CancelSubscriptionSchema(Schema):
    """Which subscription to cancel."""

    subscription_id = fields.String(required=True, validate=STRIPE_ID)


class SubscriptionAnswerSchema(Schema):
    """The org's subscription after a change."""

    success = fields.Boolean(required=True)
    message = fields.String()
    prem_status = fields.String()
    subscription_id = fields.String(allow_none=True)
    subscription_end_date = fields.Integer(allow_none=True)
    subscription_cancel_at_period_end = fields.Boolean()


class DiscountCodeSchema(Schema):
    """A discount code to check."""

    discount_code = fields.String(required=True, validate=validate.Length(1, 200))


class DiscountAnswerSchema(Schema):
    """Whether a discount code is valid, and what it gives."""

    valid = fields.Boolean(required=True)
    discount_type = fields.String(allow_none=True)
    discount_value = fields.Float(allow_none=True)
    currency = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    discount_description = fields.String(allow_none=True)
    is_100_percent_off = fields.Boolean()


class WebhookAnswerSchema(Schema):
    """What the webhook did with an event."""

    received = fields.Boolean(required=True)
    event_id = fields.String()
    outcome = fields.String()
