"""The app's Stripe client, idempotency keys and Stripe error translation."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import stripe
from flask import current_app, has_request_context, request

from agentops.errors import BadRequest, Unavailable, UpstreamError

logger = logging.getLogger(__name__)

# Without a client-supplied Idempotency-Key, requests with the same body inside
# this window count as retries of one another.
IDEMPOTENCY_WINDOW_SECONDS = 600
# stripe-python retries connection errors and 5xx answers itself; the
# idempotency key makes those retries safe.
NETWORK_RETRIES = 2
NOT_CONFIGURED = (
    "Billing is not configured on this server: set STRIPE_SECRET_KEY to enable it"
)


def client() -> stripe.StripeClient:
    """The app's Stripe client; 503 when Stripe is not configured."""
    settings = current_app.extensions["settings"]
    if not settings.stripe_enabled:
        raise Unavailable(NOT_CONFIGURED)
    cached = current_app.extensions.get("stripe_client")
    if cached is None:
        addresses = (
            {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else {}
        )
        cached = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses=addresses,  # type: ignore[arg-type]
            max_network_retries=NETWORK_RETRIES,
        )
        current_app.extensions["stripe_client"] = cached
    return cached


def idempotency_key(operation: str, org_id: Any, body: Any, marker: Any = "") -> str:
    """A key that is the same for retries of one request and new for a new one.

    The key hashes the operation, the org, the request body, a `marker` of the
    org's billing state (so a change made since yields a new key), and either
    the caller's `Idempotency-Key` header or the current time window.
    """
    header = ""
    if has_request_context():
        header = request.headers.get("Idempotency-Key", "").strip()
    discriminator = f"client:{header}" if header else f"window:{time_window()}"
    material = json.dumps(
        [operation, str(org_id), body, str(marker), discriminator],
        sort_keys=True,
        default=str,
    )
    digest = hashlib.sha256(material.encode()).hexdigest()[:40]
    return f"agentops-{operation}-{digest}"


def time_window() -> int:
    """The number of the current idempotency window."""
    return int(time.time()) // IDEMPOTENCY_WINDOW_SECONDS


def is_missing(error: stripe.StripeError) -> bool:
    """Whether Stripe answered that the object does not exist."""
    return isinstance(error, stripe.InvalidRequestError) and (
        error.code == "resource_missing" or error.http_status == 404
    )


@contextmanager
def calling_stripe(action: str) -> Iterator[None]:
    """Turn Stripe failures into 502 (or 400) errors a person can act on."""
    try:
        yield
    except stripe.AuthenticationError:
        logger.error("Stripe refused the API key while trying to %s", action)
        raise UpstreamError(
            f"Could not {action}: Stripe rejected the server's API key. "
            "Check STRIPE_SECRET_KEY."
        ) from None
    except stripe.CardError as error:
        raise BadRequest(f"Could not {action}: {error.user_message}") from None
    except stripe.RateLimitError:
        logger.warning("Stripe rate limit hit while trying to %s", action)
        raise UpstreamError(
            f"Could not {action}: Stripe is rate limiting requests. "
            "Try again in a minute."
        ) from None
    except stripe.APIConnectionError:
        logger.warning("could not reach Stripe while trying to %s", action)
        raise UpstreamError(
            f"Could not {action}: Stripe could not be reached. Try again shortly."
        ) from None
    except stripe.InvalidRequestError as error:
        logger.warning(
            "Stripe refused a request while trying to %s: code=%s param=%s request=%s",
            action,
            error.code,
            error.param,
            error.request_id,
        )
        detail = (error.user_message or "invalid request").rstrip(".")
        raise UpstreamError(
            f"Could not {action}: Stripe refused the request ({detail}). "
            "Check the billing settings or contact support with Stripe request id "
            f"{error.request_id or 'unknown'}."
        ) from None
    except stripe.StripeError as error:
        logger.warning(
            "Stripe error while trying to %s: status=%s code=%s request=%s",
            action,
            error.http_status,
            error.code,
            error.request_id,
        )
        detail = (error.user_message or "Stripe reported an error").rstrip(".")
        raise UpstreamError(
            f"Could not {action}: {detail}. Try again; if it keeps failing, "
            "contact support with Stripe request id "
            f"{error.request_id or 'unknown'}."
        ) from None
