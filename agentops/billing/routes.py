"""Billing: Stripe checkout and subscription changes."""

from flask_smorest import Blueprint

blp = Blueprint("billing", __name__, url_prefix="/opsboard/orgs", description="Billing")
