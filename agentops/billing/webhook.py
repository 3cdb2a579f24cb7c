"""The Stripe webhook."""

from flask_smorest import Blueprint

blp = Blueprint("stripe_webhook", __name__, url_prefix="/v4", description="Stripe webhook")
