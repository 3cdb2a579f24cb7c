"""Discount codes: promotion codes first, then coupon ids."""

from __future__ import annotations

import logging
import time
from typing import Any

import stripe

from agentops.billing.stripe_client import calling_stripe, client, is_missing

logger = logging.getLogger(__name__)

ZERO_DECIMAL_CURRENCIES = frozenset(
    "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split()
)


def resolve(code: str) -> tuple[dict[str, str], dict[str, Any]] | None:
    """The checkout discount and its coupon for a code, or None if unknown."""
    promotion = find_promotion_code(code)
    if promotion is not None:
        coupon = promotion_coupon(promotion)
        if coupon is not None and coupon.get("valid", True):
            return {"promotion_code": promotion["id"]}, coupon
    coupon = find_coupon(code)
    if coupon is not None and coupon.get("valid", True):
        return {"coupon": coupon["id"]}, coupon
    return None


def find_promotion_code(code: str) -> dict[str, Any] | None:
    """The active, unexpired promotion code with this customer-facing code."""
    with calling_stripe("look up the discount code"):
        page = client().v1.promotion_codes.list(
            params={
                "code": code,
                "active": True,
                "limit": 1,
                "expand": ["data.promotion.coupon"],
            }
        )
    for promotion in page.to_dict().get("data") or []:
        expires_at = promotion.get("expires_at")
        if expires_at and expires_at <= time.time():
            continue
        limit = promotion.get("max_redemptions")
        if limit is not None and promotion.get("times_redeemed", 0) >= limit:
            continue
        return promotion
    return None


def promotion_coupon(promotion: dict[str, Any]) -> dict[str, Any] | None:
    """The coupon behind a promotion code (older API versions keep it at the top)."""
    coupon = (promotion.get("promotion") or {}).get("coupon") or promotion.get("coupon")
    if isinstance(coupon, str):
        return find_coupon(coupon)
    return coupon


def find_coupon(coupon_id: str) -> dict[str, Any] | None:
    """The coupon with this id, or None when Stripe has none."""
    with calling_stripe("look up the discount code"):
        try:
            return client().v1.coupons.retrieve(coupon_id).to_dict()
        except stripe.InvalidRequestError as error:
            if is_missing(error) or error.http_status == 400:
                return None
            raise


def describe(coupon: dict[str, Any] | None) -> dict[str, Any]:
    """The validate-discount-code answer for a coupon (or for no coupon)."""
    answer: dict[str, Any] = {
        "valid": False,
        "discount_type": None,
        "discount_value": None,
        "currency": None,
        "description": None,
        "is_100_percent_off": False,
    }
    if coupon is None:
        return answer
    if coupon.get("percent_off") is not None:
        percent = float(coupon["percent_off"])
        answer.update(
            discount_type="percent_off",
            discount_value=percent,
            is_100_percent_off=percent >= 100,
        )
        amount = f"{percent:g}% off"
    elif coupon.get("amount_off") is not None:
        currency = (coupon.get("currency") or "usd").lower()
        answer.update(
            discount_type="amount_off",
            discount_value=float(coupon["amount_off"]),
            currency=currency,
        )
        amount = f"{money(coupon['amount_off'], currency)} off"
    else:
        return answer
    answer["valid"] = True
    answer["description"] = f"{amount} {duration_text(coupon)}".strip()
    return answer


def money(minor_units: int, currency: str) -> str:
    """An amount in a currency's minor units, written for people ("5.00 USD")."""
    if currency in ZERO_DECIMAL_CURRENCIES:
        return f"{minor_units} {currency.upper()}"
    return f"{minor_units / 100:.2f} {currency.upper()}"


def duration_text(coupon: dict[str, Any]) -> str:
    """How long a coupon applies, as words."""
    duration = coupon.get("duration")
    if duration == "forever":
        return "forever"
    if duration == "once":
        return "once"
    if duration == "repeating":
        months = coupon.get("duration_in_months") or 1
        return f"for {months} month" + ("" if months == 1 else "s")
    return ""
