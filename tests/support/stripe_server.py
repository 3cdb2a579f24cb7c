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
import threading
import time
from typing import Any

import requests
import stripe
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.support.stripe_api import StripeApi
from tests.support.stripe_wire import StripeFailure, decode_form, new_id, reply

PERIOD_SECONDS = 30 * 86400


class StripeServer(StripeApi):
    """The fake Stripe, served on a loopback port in a thread."""

    def __init__(self, webhook_secret: str) -> None:
        super().__init__()
        self.webhook_secret = webhook_secret
        self.replies: dict[str, tuple[str, int, dict[str, Any]]] = {}
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.failures: list[list[Any]] = []
        self.server: Any = None
        self.thread: threading.Thread | None = None

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
