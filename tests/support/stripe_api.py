"""The Stripe API objects and endpoints the test server answers."""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections import defaultdict
from typing import Any

import stripe
from werkzeug.routing import Map, Rule

from tests.support.stripe_wire import StripeFailure, missing, new_id, page

UI_MODES = ("hosted_page", "embedded_page", "elements", "form")


class StripeApi:
    """Customers, prices, coupons, promotion codes, sessions and subscriptions."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.session_orders: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.routes = Map(
            [
                Rule("/v1/customers", methods=["POST"], endpoint="create_customer"),
                Rule("/v1/customers/<id>", methods=["GET"], endpoint="customer"),
                Rule("/v1/prices/<id>", methods=["GET"], endpoint="price"),
                Rule("/v1/coupons/<id>", methods=["GET"], endpoint="coupon"),
                Rule(
                    "/v1/promotion_codes", methods=["GET"], endpoint="promotion_codes"
                ),
                Rule(
                    "/v1/checkout/sessions", methods=["POST"], endpoint="create_session"
                ),
                Rule("/v1/checkout/sessions/<id>", methods=["GET"], endpoint="session"),
                Rule("/v1/subscriptions", methods=["GET"], endpoint="subscriptions"),
                Rule(
                    "/v1/subscriptions/<id>", methods=["GET"], endpoint="subscription"
                ),
                Rule(
                    "/v1/subscriptions/<id>",
                    methods=["POST"],
                    endpoint="update_subscription_api",
                ),
                Rule("/v1/charges/<id>", methods=["GET"], endpoint="charge"),
            ]
        )

    def emit(
        self, kind: str, snapshot: dict[str, Any], previous: dict | None = None
    ) -> dict[str, Any]:
        """Record an event carrying a snapshot of an object."""
        data: dict[str, Any] = {"object": copy.deepcopy(snapshot)}
        if previous is not None:
            data["previous_attributes"] = previous
        event = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": stripe.api_version,
            "created": int(time.time()),
            "type": kind,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": data,
        }
        self.events.append(event)
        return event

    def event(self, kind: str, index: int = -1) -> dict[str, Any]:
        """An emitted event of a type (the latest by default)."""
        return [event for event in self.events if event["type"] == kind][index]

    def api_create_customer(self, params: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/customers."""
        customer = {
            "id": new_id("cus"),
            "object": "customer",
            "name": params.get("name"),
            "email": params.get("email"),
            "metadata": params.get("metadata") or {},
            "created": int(time.time()),
        }
        self.objects["customer"][customer["id"]] = customer
        return customer

    def get(self, kind: str, object_id: str) -> dict[str, Any]:
        """A stored object, or Stripe's 404."""
        found = self.objects[kind].get(object_id)
        if found is None:
            raise missing(kind, object_id)
        return copy.deepcopy(found)

    def api_customer(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        """GET /v1/customers/{id}."""
        return self.get("customer", id)

    def api_price(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        """GET /v1/prices/{id}."""
        return self.get("price", id)

    def api_coupon(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        """GET /v1/coupons/{id}."""
        return self.get("coupon", id)

    def api_charge(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        """GET /v1/charges/{id}."""
        return self.get("charge", id)

    def api_session(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        """GET /v1/checkout/sessions/{id}."""
        return self.get("checkout.session", id)

    def api_subscription(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        """GET /v1/subscriptions/{id}."""
        return self.get("subscription", id)

    def api_promotion_codes(self, params: dict[str, Any]) -> dict[str, Any]:
        """GET /v1/promotion_codes, filtered by code and active."""
        found = []
        for promotion in self.objects["promotion_code"].values():
            if "code" in params and promotion["code"].lower() != params["code"].lower():
                continue
            if "active" in params and promotion["active"] != params["active"]:
                continue
            promotion = copy.deepcopy(promotion)
            if "data.promotion.coupon" in (params.get("expand") or []):
                coupon_id = promotion["promotion"]["coupon"]
                promotion["promotion"]["coupon"] = self.get("coupon", coupon_id)
            found.append(promotion)
        return page(found[: int(params.get("limit", 10))], "/v1/promotion_codes")

    def api_subscriptions(self, params: dict[str, Any]) -> dict[str, Any]:
        """GET /v1/subscriptions, filtered by customer and status."""
        status = params.get("status")
        found = [
            copy.deepcopy(subscription)
            for subscription in self.objects["subscription"].values()
            if params.get("customer") in (None, subscription["customer"])
            and (
                status == "all"
                or subscription["status"] == status
                or (status is None and subscription["status"] != "canceled")
            )
        ]
        found.sort(key=lambda subscription: subscription["created"], reverse=True)
        return page(found[: int(params.get("limit", 10))], "/v1/subscriptions")

    def api_create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/checkout/sessions, checked the way Stripe checks it."""
        if params.get("mode") not in ("payment", "setup", "subscription"):
            raise StripeFailure(400, "Invalid mode", param="mode")
        ui_mode = params.get("ui_mode", "hosted_page")
        if ui_mode not in UI_MODES:
            raise StripeFailure(
                400,
                f"Invalid ui_mode: must be one of {', '.join(UI_MODES)}",
                code="parameter_invalid_empty",
                param="ui_mode",
            )
        if ui_mode == "embedded_page" and not params.get("return_url"):
            raise StripeFailure(
                400, "Missing required param: return_url.", param="return_url"
            )
        lines = params.get("line_items") or []
        if not lines:
            raise StripeFailure(
                400, "Missing required param: line_items.", param="line_items"
            )
        for line in lines:
            price = self.get("price", line.get("price", ""))
            if params["mode"] == "subscription" and price["type"] != "recurring":
                raise StripeFailure(
                    400, "Subscription mode needs a recurring price", param="line_items"
                )
        customer = params.get("customer")
        if customer:
            self.get("customer", customer)
        else:
            customer = self.api_create_customer({})["id"]
        for discount in params.get("discounts") or []:
            if "coupon" in discount:
                self.get("coupon", discount["coupon"])
            if "promotion_code" in discount:
                self.get("promotion_code", discount["promotion_code"])
        session_id = new_id("cs")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "client_secret": f"{session_id}_secret_{secrets.token_hex(12)}",
            "mode": params["mode"],
            "ui_mode": ui_mode,
            "status": "open",
            "payment_status": "unpaid",
            "customer": customer,
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata") or {},
            "return_url": params.get("return_url"),
            "subscription": None,
            "created": int(time.time()),
        }
        self.objects["checkout.session"][session_id] = session
        self.session_orders[session_id] = {
            "line_items": lines,
            "discounts": params.get("discounts") or [],
            "subscription_metadata": (params.get("subscription_data") or {}).get(
                "metadata"
            ),
        }
        return copy.deepcopy(session)

    def api_update_subscription_api(
        self, params: dict[str, Any], id: str
    ) -> dict[str, Any]:
        """POST /v1/subscriptions/{id}: cancel flag and item quantities."""
        subscription = self.objects["subscription"].get(id)
        if subscription is None:
            raise missing("subscription", id)
        if subscription["status"] == "canceled":
            raise StripeFailure(
                400,
                "A canceled subscription can only update its cancellation_details "
                "and metadata.",
            )
        previous: dict[str, Any] = {}
        if "cancel_at_period_end" in params:
            previous["cancel_at_period_end"] = subscription["cancel_at_period_end"]
            subscription["cancel_at_period_end"] = params["cancel_at_period_end"]
        for change in params.get("items") or []:
            previous["items"] = copy.deepcopy(subscription["items"])
            for item in subscription["items"]["data"]:
                if item["id"] == change.get("id"):
                    item["quantity"] = int(change.get("quantity", item["quantity"]))
        self.emit("customer.subscription.updated", subscription, previous)
        return copy.deepcopy(subscription)
