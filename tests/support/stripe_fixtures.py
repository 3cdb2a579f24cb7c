"""Fixtures for billing tests: the fake Stripe and an app pointed at it.

Import them into a test module (`from tests.support.stripe_fixtures import *`
style, by name) to replace the `app` fixture with one that has billing on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from agentops.billing.models import BillingEvent, ProcessedStripeEvent
from agentops.extensions import db
from agentops.orgs.models import Org, OrgMember
from tests.support.stripe_server import StripeServer
from tests.support.tokens import TestUser

WEBHOOK_SECRET = "whsec_test_0123456789abcdef"
SECRET_KEY = "sk_test_fake_key"


@pytest.fixture
def stripe_server() -> Iterator[StripeServer]:
    """A fake Stripe on a loopback port."""
    server = StripeServer(WEBHOOK_SECRET).start()
    yield server
    server.stop()


def stripe_settings(stripe_server: StripeServer) -> dict[str, Any]:
    """The settings that point the app at the fake Stripe."""
    return {
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": stripe_server.url,
    }


@pytest.fixture
def app(make_app: Callable[..., Flask], stripe_server: StripeServer) -> Flask:
    """The app with billing on, talking to the fake Stripe."""
    return make_app(**stripe_settings(stripe_server))


@pytest.fixture
def webhook_url(live_server: str) -> str:
    """Where the fake Stripe delivers events."""
    return f"{live_server}/v4/stripe-webhook"


def personal_org(client: FlaskClient, user: TestUser) -> uuid.UUID:
    """Sign the user in (creating their personal org) and return the org id."""
    response = client.get("/opsboard/users/me", headers=user.headers)
    assert response.status_code == 200, response.json
    with client.application.app_context():
        return db.session.scalar(
            select(OrgMember.org_id).where(
                OrgMember.user_id == uuid.UUID(user.id), OrgMember.role == "owner"
            )
        )


def org_state(app: Flask, org_id: uuid.UUID) -> dict[str, Any]:
    """The org's billing columns, read fresh from the database."""
    with app.app_context():
        org = db.session.get(Org, org_id)
        paid = db.session.scalars(
            select(OrgMember.is_paid).where(OrgMember.org_id == org_id)
        ).all()
        return {
            "prem_status": org.prem_status,
            "subscription_id": org.subscription_id,
            "subscription_status": org.subscription_status,
            "subscription_end_date": org.subscription_end_date,
            "subscription_cancel_at_period_end": org.subscription_cancel_at_period_end,
            "subscription_seats": org.subscription_seats,
            "stripe_customer_id": org.stripe_customer_id,
            "paid_member_count": sum(1 for flag in paid if flag),
        }


def add_member(
    app: Flask, client: FlaskClient, org_id: uuid.UUID, user: TestUser, role: str
) -> None:
    """Make a signed-in user a member of the org with a role."""
    client.get("/opsboard/users/me", headers=user.headers)
    with app.app_context():
        db.session.add(OrgMember(org_id=org_id, user_id=uuid.UUID(user.id), role=role))
        db.session.commit()


def subscribe(
    client: FlaskClient,
    user: TestUser,
    org_id: uuid.UUID,
    stripe_server: StripeServer,
    quantity: int = 1,
) -> dict[str, Any]:
    """Check out through the API and pay on the fake Stripe; no event delivered."""
    price = stripe_server.add_price()
    response = client.post(
        f"/opsboard/orgs/{org_id}/create-checkout-session",
        json={"price_id": price, "quantity": quantity},
        headers=user.headers,
    )
    assert response.status_code == 200, response.json
    session_id = response.json["clientSecret"].split("_secret_")[0]
    return stripe_server.complete_checkout(session_id)


def billing_history(app: Flask, org_id: uuid.UUID | None) -> list[tuple[str, dict]]:
    """The org's billing history as (kind, details), oldest first."""
    with app.app_context():
        entries = db.session.scalars(
            select(BillingEvent)
            .where(BillingEvent.org_id == org_id)
            .order_by(BillingEvent.occurred_at, BillingEvent.id)
        )
        return [(entry.kind, entry.details or {}) for entry in entries]


def processed_events(app: Flask) -> list[str]:
    """The ids of the Stripe events recorded as applied."""
    with app.app_context():
        return list(db.session.scalars(select(ProcessedStripeEvent.id)))


@pytest.fixture
def paid(
    app: Flask,
    client: FlaskClient,
    tokens: Any,
    stripe_server: StripeServer,
    webhook_url: str,
) -> tuple[TestUser, uuid.UUID, dict[str, Any]]:
    """An owner whose org pays, with the checkout event applied."""
    owner = tokens.user()
    org_id = personal_org(client, owner)
    subscription = subscribe(client, owner, org_id, stripe_server)
    answer = stripe_server.deliver(
        stripe_server.event("checkout.session.completed"), webhook_url
    )
    assert answer.status_code == 200, answer.text
    assert org_state(app, org_id)["prem_status"] == "pro"
    return owner, org_id, subscription
