"""The Stripe webhook: signatures, exactly-once, order, failures."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import pytest

from agentops.billing import history
from tests.support import stripe_fixtures
from tests.support.stripe_fixtures import (
    billing_history,
    org_state,
    personal_org,
    processed_events,
    subscribe,
)

app = stripe_fixtures.app
stripe_server = stripe_fixtures.stripe_server
webhook_url = stripe_fixtures.webhook_url


paid = stripe_fixtures.paid


def test_the_same_event_delivered_twice_has_one_effect(
    app, client, tokens, stripe_server, webhook_url
):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    subscribe(client, owner, org_id, stripe_server)
    event = stripe_server.event("checkout.session.completed")

    first = stripe_server.deliver(event, webhook_url)
    second = stripe_server.deliver(event, webhook_url)

    assert first.json()["outcome"] == "applied"
    assert second.status_code == 200
    assert second.json()["outcome"] == "duplicate"
    kinds = [kind for kind, _ in billing_history(app, org_id)]
    assert kinds.count("checkout.completed") == 1
    assert kinds.count("plan.changed") == 1
    assert processed_events(app) == [event["id"]]


def test_concurrent_deliveries_of_one_event_apply_it_once(
    app, client, tokens, stripe_server, webhook_url
):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    subscribe(client, owner, org_id, stripe_server)
    event = stripe_server.event("checkout.session.completed")
    start = threading.Barrier(3)
    outcomes: list[str] = []

    def deliver() -> None:
        """Deliver the event when all threads are ready."""
        start.wait()
        answer = stripe_server.deliver(event, webhook_url)
        outcomes.append(f"{answer.status_code} {answer.json().get('outcome')}")

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["200 applied", "200 duplicate", "200 duplicate"]
    kinds = [kind for kind, _ in billing_history(app, org_id)]
    assert kinds.count("checkout.completed") == 1


def test_updated_before_checkout_completed_ends_in_stripes_state(
    app, client, tokens, stripe_server, webhook_url
):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    subscription = subscribe(client, owner, org_id, stripe_server, quantity=2)
    completed = stripe_server.event("checkout.session.completed")
    stripe_server.update_subscription(subscription["id"], cancel_at_period_end=True)
    updated = stripe_server.event("customer.subscription.updated")

    assert stripe_server.deliver(updated, webhook_url).status_code == 200
    assert stripe_server.deliver(completed, webhook_url).status_code == 200

    state = org_state(app, org_id)
    assert state["prem_status"] == "pro"
    assert state["subscription_id"] == subscription["id"]
    assert state["subscription_cancel_at_period_end"] is True
    assert state["subscription_seats"] == 2


def test_deleted_before_updated_ends_free(app, stripe_server, webhook_url, paid):
    _, org_id, subscription = paid
    stripe_server.update_subscription(subscription["id"], cancel_at_period_end=True)
    updated = stripe_server.event("customer.subscription.updated")
    stripe_server.delete_subscription(subscription["id"])
    deleted = stripe_server.event("customer.subscription.deleted")

    assert stripe_server.deliver(deleted, webhook_url).status_code == 200
    assert stripe_server.deliver(updated, webhook_url).status_code == 200

    state = org_state(app, org_id)
    assert state["prem_status"] == "free"
    assert state["subscription_id"] is None
    assert state["subscription_end_date"] is None
    assert state["subscription_cancel_at_period_end"] is False
    assert state["paid_member_count"] == 0


@pytest.mark.parametrize(
    ("status", "days_past_end", "plan"),
    [
        ("trialing", -10, "pro"),
        ("past_due", 1, "pro"),
        ("unpaid", 2, "pro"),
        ("past_due", 4, "free"),
        ("canceled", -10, "free"),
        ("incomplete_expired", -10, "free"),
    ],
)
def test_subscription_status_decides_the_plan(
    app, stripe_server, webhook_url, paid, status, days_past_end, plan
):
    _, org_id, subscription = paid
    period_end = int(time.time()) - days_past_end * 86400
    stripe_server.update_subscription(
        subscription["id"], status=status, current_period_end=period_end
    )

    answer = stripe_server.deliver(
        stripe_server.event("customer.subscription.updated"), webhook_url
    )

    assert answer.status_code == 200, answer.text
    state = org_state(app, org_id)
    assert state["prem_status"] == plan
    if plan == "pro":
        assert state["subscription_status"] == status
        assert state["subscription_end_date"] == period_end


def test_seat_count_follows_the_subscription(app, stripe_server, webhook_url, paid):
    _, org_id, subscription = paid
    stripe_server.update_subscription(subscription["id"], quantity=7)

    stripe_server.deliver(
        stripe_server.event("customer.subscription.updated"), webhook_url
    )

    assert org_state(app, org_id)["subscription_seats"] == 7


@pytest.mark.parametrize(
    "tamper", ["wrong secret", "no header", "garbled header", "too old", "body changed"]
)
def test_unverified_deliveries_are_400_and_change_nothing(
    app, client, tokens, stripe_server, webhook_url, tamper
):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    subscribe(client, owner, org_id, stripe_server)
    event = stripe_server.event("checkout.session.completed")
    before = org_state(app, org_id)
    options: dict = {
        "wrong secret": {"secret": "whsec_someone_else"},
        "no header": {"signature": ""},
        "garbled header": {"signature": "t=abc,v1="},
        "too old": {"timestamp": int(time.time()) - 301 - 60},
        "body changed": {
            "body": json.dumps({**event, "id": "evt_forged"}, indent=2),
        },
    }[tamper]

    answer = stripe_server.deliver(event, webhook_url, **options)

    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == 400
    assert org_state(app, org_id) == before
    assert processed_events(app) == []
    assert stripe_server.deliver(event, webhook_url).json()["outcome"] == "applied"


def test_a_signed_body_that_is_not_an_event_is_400(stripe_server, webhook_url):
    answer = stripe_server.deliver({}, webhook_url, body="not json")
    assert answer.status_code == 400

    body = "[1, 2]"
    header = stripe_server.sign(body)
    answer = stripe_server.deliver({}, webhook_url, body=body, signature=header)
    assert answer.status_code == 400


def test_a_crash_while_applying_leaves_nothing_and_the_retry_succeeds(
    app, client, tokens, stripe_server, webhook_url, monkeypatch
):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    subscription = subscribe(client, owner, org_id, stripe_server)
    event = stripe_server.event("checkout.session.completed")
    before = org_state(app, org_id)

    def crash(*args: Any, **kwargs: Any) -> None:
        """Fail the way a database or disk failure would."""
        raise RuntimeError("disk full")

    with monkeypatch.context() as patch:
        # The plan change is written before the history entry that fails.
        patch.setattr(history, "record", crash)
        failed = stripe_server.deliver(event, webhook_url)

    assert failed.status_code == 500
    assert event["id"] in failed.json()["message"]
    assert org_state(app, org_id) == before
    assert processed_events(app) == []
    assert billing_history(app, org_id) == []

    retried = stripe_server.deliver(event, webhook_url)

    assert retried.status_code == 200
    assert org_state(app, org_id)["subscription_id"] == subscription["id"]
    assert org_state(app, org_id)["prem_status"] == "pro"


def test_stripe_unreachable_while_applying_is_500_and_retried(
    app, client, tokens, stripe_server, webhook_url
):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    subscribe(client, owner, org_id, stripe_server)
    event = stripe_server.event("checkout.session.completed")
    stripe_server.fail("GET", "/v1/subscriptions/", status=503)

    assert stripe_server.deliver(event, webhook_url).status_code == 500
    assert org_state(app, org_id)["prem_status"] == "free"
    assert stripe_server.deliver(event, webhook_url).status_code == 200
    assert org_state(app, org_id)["prem_status"] == "pro"


def test_unknown_event_types_are_accepted_and_ignored(app, stripe_server, webhook_url):
    event = stripe_server.emit("invoice.paid", {"id": "in_1", "object": "invoice"})

    answer = stripe_server.deliver(event, webhook_url)

    assert answer.status_code == 200
    assert answer.json()["outcome"] == "ignored"
    assert processed_events(app) == []


def test_a_dispute_is_recorded_and_logged_but_the_plan_stays(
    app, stripe_server, webhook_url, paid, caplog, monkeypatch
):
    _, org_id, _ = paid
    # Alembic's logging setup in the test session disables loggers made before it.
    monkeypatch.setattr(logging.getLogger("agentops.billing.events"), "disabled", False)
    customer = org_state(app, org_id)["stripe_customer_id"]
    event = stripe_server.open_dispute(customer, amount=4000)

    with caplog.at_level(logging.WARNING, logger="agentops.billing.events"):
        answer = stripe_server.deliver(event, webhook_url)

    assert answer.status_code == 200, answer.text
    disputes = [
        d for k, d in billing_history(app, org_id) if k == "charge.dispute.created"
    ]
    assert len(disputes) == 1
    assert disputes[0]["amount"] == 4000
    assert disputes[0]["dispute"] == event["data"]["object"]["id"]
    assert org_state(app, org_id)["prem_status"] == "pro"
    assert any("dispute" in r.getMessage() for r in caplog.records)


def test_without_a_webhook_secret_the_webhook_is_503(make_app):
    bare = make_app().test_client()
    answer = bare.post(
        "/v4/stripe-webhook", data=b"{}", headers={"Stripe-Signature": "x"}
    )
    assert answer.status_code == 503
