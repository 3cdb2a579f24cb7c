"""A small Stripe-compatible HTTP server for tests.

stripe-python talks to it when `STRIPE_API_BASE` points at `server.url`. It
speaks Stripe's form-encoded requests and JSON answers, honours
`Idempotency-Key` (same key and parameters: the same answer), and keeps
customers, prices, coupons, promotion codes, checkout sessions, subscriptions
and charges in memory. Tests drive what Stripe would do on its own side
(`complete_checkout`, `update_subscription`, `delete_subscription`,
`open_dispute`), and `deliver` posts the resulting events to the app signed
with the webhook secret, the way `stripe listen --forward-to` does.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
import time
from collections import defaultdict
from typing import Any

import requests
import stripe
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

PERIOD_SECONDS = 30 * 86400
UI_MODES = ("hosted_page", "embedded_page", "elements", "form")


class StripeFailure(Exception):
    """An error answer in Stripe's shape."""

    def __init__(
        self, status: int, message: str, code: str | None = None, param: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param

    def body(self) -> dict[str, Any]:
        """The JSON error document."""
        kind = "api_error" if self.status >= 500 else "invalid_request_error"
        error = {"type": kind, "message": self.message}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        return {"error": error}


def missing(kind: str, object_id: str, param: str = "id") -> StripeFailure:
    """Stripe's answer for an unknown object."""
    return StripeFailure(
        404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param
    )


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's bracketed form encoding (`a[b][0][c]=v`) as nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = [part for part in re.split(r"[\[\]]+", key) if part != ""]
        if key.endswith("[]"):
            parts.append(str(len(lookup(root, parts) or {})))
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = {"true": True, "false": False}.get(value, value)
    return listify(root)


def lookup(root: dict[str, Any], parts: list[str]) -> Any:
    """The node at a path, if any."""
    node: Any = root
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def listify(node: Any) -> Any:
    """Turn dicts keyed 0, 1, 2... into lists, all the way down."""
    if not isinstance(node, dict):
        return node
    node = {key: listify(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node


def new_id(prefix: str) -> str:
    """A Stripe-looking id."""
    return f"{prefix}_test_{secrets.token_hex(8)}"


class StripeServer:
    """The fake Stripe, served on a loopback port in a thread."""

    def __init__(self, webhook_secret: str) -> None:
        self.webhook_secret = webhook_secret
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.session_orders: dict[str, dict[str, Any]] = {}
        self.replies: dict[str, tuple[str, int, dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.failures: list[list[Any]] = []
        self.server: Any = None
        self.thread: threading.Thread | None = None
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

    # Serving.

    def start(self) -> StripeServer:
        """Serve on a free loopback port."""
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self.server is not None:
            self.server.shutdown()
        if self.thread is not None:
            self.thread.join(timeout=5)

    @property
    def url(self) -> str:
        """The base URL to give stripe-python."""
        return f"http://127.0.0.1:{self.server.server_port}"

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        """The WSGI entry point."""
        request = Request(environ)
        with self.lock:
            response = self.answer(request)
        return response(environ, start_response)

    def answer(self, request: Request) -> Response:
        """Route one API request, honouring Idempotency-Key."""
        if not request.headers.get("Authorization", "").startswith("Bearer sk_"):
            return reply(401, StripeFailure(401, "Invalid API Key provided").body())
        source = request.form if request.method == "POST" else request.args
        params = decode_form(list(source.items(multi=True)))
        self.calls.append((request.method, request.path, params))
        failure = self.take_failure(request.method, request.path)
        if failure is not None:
            return reply(failure, StripeFailure(failure, "Injected failure").body())
        key = (
            request.headers.get("Idempotency-Key") if request.method == "POST" else None
        )
        fingerprint = json.dumps([request.path, params], sort_keys=True)
        if key and key in self.replies:
            seen, status, body = self.replies[key]
            if seen != fingerprint:
                error = StripeFailure(
                    400,
                    "Keys for idempotent requests can only be used with the same "
                    "parameters they were first used with.",
                    code="idempotency_key_in_use",
                )
                return reply(400, error.body())
            return reply(status, body, replayed=True)
        try:
            endpoint, args = self.routes.bind("stripe").match(
                request.path, method=request.method
            )
            body = getattr(self, f"api_{endpoint}")(params, **args)
            status = 200
        except StripeFailure as error:
            status, body = error.status, error.body()
        except HTTPException:
            status = 404
            body = StripeFailure(
                404, f"Unrecognized request URL ({request.path})"
            ).body()
        if key and status < 500:
            self.replies[key] = (fingerprint, status, body)
        return reply(status, body)

    def take_failure(self, method: str, path: str) -> int | None:
        """The status of an injected failure for this request, if one is due."""
        for failure in self.failures:
            wanted_method, prefix, status, remaining = failure
            if remaining > 0 and method == wanted_method and path.startswith(prefix):
                failure[3] -= 1
                return status
        return None

    # Test controls.

    def fail(
        self, method: str, path_prefix: str, status: int = 500, times: int = 1
    ) -> None:
        """Answer the next `times` matching requests with an error."""
        with self.lock:
            self.failures.append([method, path_prefix, status, times])

    def calls_to(self, method: str, path_prefix: str) -> list[dict[str, Any]]:
        """The parameters of every request made to a path."""
        return [
            p
            for m, path, p in self.calls
            if m == method and path.startswith(path_prefix)
        ]

    def add_price(
        self,
        unit_amount: int = 4000,
        *,
        recurring: bool = True,
        usage_type: str = "licensed",
        product: str = "prod_test_pro",
        active: bool = True,
    ) -> str:
        """Create a price; returns its id."""
        price = {
            "id": new_id("price"),
            "object": "price",
            "active": active,
            "currency": "usd",
            "unit_amount": unit_amount,
            "product": product,
            "type": "recurring" if recurring else "one_time",
            "recurring": {
                "interval": "month",
                "interval_count": 1,
                "usage_type": usage_type,
            }
            if recurring
            else None,
        }
        with self.lock:
            self.objects["price"][price["id"]] = price
        return price["id"]

    def add_coupon(
        self,
        *,
        percent_off: float | None = None,
        amount_off: int | None = None,
        currency: str | None = None,
        duration: str = "once",
        duration_in_months: int | None = None,
        valid: bool = True,
        coupon_id: str | None = None,
    ) -> str:
        """Create a coupon; returns its id."""
        coupon = {
            "id": coupon_id or new_id("coupon"),
            "object": "coupon",
            "percent_off": percent_off,
            "amount_off": amount_off,
            "currency": currency,
            "duration": duration,
            "duration_in_months": duration_in_months,
            "valid": valid,
            "name": None,
        }
        with self.lock:
            self.objects["coupon"][coupon["id"]] = coupon
        return coupon["id"]

    def add_promotion_code(
        self, code: str, coupon_id: str, *, active: bool = True
    ) -> str:
        """Create a promotion code for a coupon; returns its id."""
        promotion = {
            "id": new_id("promo"),
            "object": "promotion_code",
            "code": code,
            "active": active,
            "promotion": {"type": "coupon", "coupon": coupon_id},
            "expires_at": None,
            "max_redemptions": None,
            "times_redeemed": 0,
        }
        with self.lock:
            self.objects["promotion_code"][promotion["id"]] = promotion
        return promotion["id"]

    def complete_checkout(
        self, session_id: str, status: str = "active"
    ) -> dict[str, Any]:
        """Pay a checkout session: its subscription starts and events are emitted."""
        with self.lock:
            session = self.objects["checkout.session"][session_id]
            order = self.session_orders[session_id]
            now = int(time.time())
            subscription_id = new_id("sub")
            items = [
                {
                    "id": new_id("si"),
                    "object": "subscription_item",
                    "price": copy.deepcopy(self.objects["price"][line["price"]]),
                    "quantity": int(line.get("quantity", 1)),
                    "current_period_start": now,
                    "current_period_end": now + PERIOD_SECONDS,
                    "subscription": subscription_id,
                }
                for line in order["line_items"]
            ]
            subscription = {
                "id": subscription_id,
                "object": "subscription",
                "customer": session["customer"],
                "status": status,
                "cancel_at_period_end": False,
                "cancel_at": None,
                "canceled_at": None,
                "created": now,
                "metadata": dict(order.get("subscription_metadata") or {}),
                "discounts": order.get("discounts") or [],
                "items": {
                    "object": "list",
                    "data": items,
                    "has_more": False,
                    "url": f"/v1/subscription_items?subscription={subscription_id}",
                },
            }
            self.objects["subscription"][subscription_id] = subscription
            session.update(status="complete", payment_status="paid")
            session["subscription"] = subscription_id
            self.emit("customer.subscription.created", subscription)
            self.emit("checkout.session.completed", session)
            return copy.deepcopy(subscription)

    def update_subscription(
        self, subscription_id: str, **changes: Any
    ) -> dict[str, Any]:
        """Change a subscription on Stripe's side.

        Top-level fields (status, cancel_at_period_end) or the first item's
        `quantity` and `current_period_end`.
        """
        with self.lock:
            subscription = self.objects["subscription"][subscription_id]
            previous = {}
            for name, value in changes.items():
                if name in ("quantity", "current_period_end"):
                    item = subscription["items"]["data"][0]
                    previous["items"] = copy.deepcopy(subscription["items"])
                    item[name] = value
                    continue
                previous[name] = subscription.get(name)
                subscription[name] = value
            self.emit("customer.subscription.updated", subscription, previous)
            return copy.deepcopy(subscription)

    def delete_subscription(self, subscription_id: str) -> dict[str, Any]:
        """End a subscription now, as Stripe does at the end of a cancelled period."""
        with self.lock:
            subscription = self.objects["subscription"][subscription_id]
            subscription.update(status="canceled", canceled_at=int(time.time()))
            self.emit("customer.subscription.deleted", subscription)
            return copy.deepcopy(subscription)

    def open_dispute(self, customer_id: str, amount: int = 4000) -> dict[str, Any]:
        """A customer disputes a charge; emits `charge.dispute.created`."""
        with self.lock:
            charge = {
                "id": new_id("ch"),
                "object": "charge",
                "amount": amount,
                "currency": "usd",
                "customer": customer_id,
            }
            self.objects["charge"][charge["id"]] = charge
            dispute = {
                "id": new_id("dp"),
                "object": "dispute",
                "amount": amount,
                "currency": "usd",
                "charge": charge["id"],
                "reason": "fraudulent",
                "status": "needs_response",
            }
            return self.emit("charge.dispute.created", dispute)

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

    def sign(
        self, body: str, timestamp: int | None = None, secret: str | None = None
    ) -> str:
        """The Stripe-Signature header for a body."""
        return stripe.WebhookSignature.generate_signature_header(
            body, secret or self.webhook_secret, timestamp
        )

    def deliver(
        self,
        event: dict[str, Any],
        url: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        signature: str | None = None,
        body: str | None = None,
    ) -> requests.Response:
        """POST an event to a webhook URL, signed like Stripe signs it.

        `body` replaces the posted body after signing (to test tampering) and
        `signature` replaces the header ("" sends none).
        """
        signed = json.dumps(event, indent=2)
        header = (
            self.sign(signed, timestamp, secret) if signature is None else signature
        )
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if header:
            headers["Stripe-Signature"] = header
        payload = signed if body is None else body
        return requests.post(url, data=payload.encode(), headers=headers, timeout=30)

    # The API.

    def api_create_customer(self, params: dict[str, Any]) -> dict[str, Any]:
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
        return self.get("customer", id)

    def api_price(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        return self.get("price", id)

    def api_coupon(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        return self.get("coupon", id)

    def api_charge(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        return self.get("charge", id)

    def api_session(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        return self.get("checkout.session", id)

    def api_subscription(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        return self.get("subscription", id)

    def api_promotion_codes(self, params: dict[str, Any]) -> dict[str, Any]:
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


def page(items: list[dict[str, Any]], url: str) -> dict[str, Any]:
    """A Stripe list object."""
    return {"object": "list", "data": items, "has_more": False, "url": url}


def reply(status: int, body: dict[str, Any], replayed: bool = False) -> Response:
    """A JSON answer in Stripe's style."""
    headers = {"Request-Id": new_id("req")}
    if status >= 500:
        # Tell stripe-python not to retry an injected failure.
        headers["Stripe-Should-Retry"] = "false"
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(
        json.dumps(body), status=status, headers=headers, mimetype="application/json"
    )
