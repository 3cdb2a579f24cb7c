"""Checkout: rules, idempotency and the webhook that upgrades the org."""

from __future__ import annotations

import threading
from typing import Any

import requests

from tests.support import stripe_fixtures
from tests.support.stripe_fixtures import add_member, org_state, personal_org

app = stripe_fixtures.app
stripe_server = stripe_fixtures.stripe_server
webhook_url = stripe_fixtures.webhook_url


def checkout(client, user, org_id, headers=None, **body) -> Any:
    """POST create-checkout-session."""
    return client.post(
        f"/opsboard/orgs/{org_id}/create-checkout-session",
        json=body,
        headers={**user.headers, **(headers or {})},
    )


def session_of(stripe_server, client_secret) -> dict[str, Any]:
    """The fake Stripe's session behind a client secret."""
    session_id = client_secret.split("_secret_")[0]
    return stripe_server.objects["checkout.session"][session_id]


def test_checkout_then_completed_event_makes_the_org_pro(
    app, client, tokens, stripe_server, webhook_url
):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    price = stripe_server.add_price()

    response = checkout(client, owner, org_id, price_id=price, quantity=3)

    assert response.status_code == 200, response.json
    secret = response.json["clientSecret"]
    assert secret.startswith("cs_")
    session = session_of(stripe_server, secret)
    assert session["ui_mode"] == "embedded_page"
    assert session["client_reference_id"] == str(org_id)
    assert session["metadata"] == {"org_id": str(org_id)}
    assert session["return_url"].startswith("http://localhost:3000/")
    assert org_state(app, org_id)["prem_status"] == "free"

    subscription = stripe_server.complete_checkout(session["id"])
    answer = stripe_server.deliver(
        stripe_server.event("checkout.session.completed"), webhook_url
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "applied"
    state = org_state(app, org_id)
    assert state["prem_status"] == "pro"
    assert state["subscription_id"] == subscription["id"]
    assert state["subscription_status"] == "active"
    assert state["subscription_cancel_at_period_end"] is False
    period_end = subscription["items"]["data"][0]["current_period_end"]
    assert state["subscription_end_date"] == period_end
    assert state["subscription_seats"] == 3
    assert state["paid_member_count"] == 1


def test_an_active_subscription_refuses_a_new_checkout(
    app, client, tokens, stripe_server, webhook_url
):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    price = stripe_server.add_price()
    secret = checkout(client, owner, org_id, price_id=price).json["clientSecret"]
    stripe_server.complete_checkout(session_of(stripe_server, secret)["id"])
    stripe_server.deliver(
        stripe_server.event("checkout.session.completed"), webhook_url
    )

    response = checkout(client, owner, org_id, price_id=price, quantity=2)

    assert response.status_code == 409
    assert "already has an active subscription" in response.json["message"]


def test_stripe_is_asked_when_the_webhook_has_not_arrived(
    app, client, tokens, stripe_server
):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    price = stripe_server.add_price()
    secret = checkout(client, owner, org_id, price_id=price).json["clientSecret"]
    subscription = stripe_server.complete_checkout(
        session_of(stripe_server, secret)["id"]
    )

    response = checkout(client, owner, org_id, price_id=price, quantity=2)

    assert response.status_code == 409
    assert subscription["id"] in response.json["message"]
    assert org_state(app, org_id)["subscription_id"] == subscription["id"]


def test_the_price_must_be_a_recurring_licensed_price(client, tokens, stripe_server):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    one_time = stripe_server.add_price(recurring=False)
    metered = stripe_server.add_price(usage_type="metered")
    inactive = stripe_server.add_price(active=False)

    for price in (one_time, metered, inactive, "price_does_not_exist"):
        response = checkout(client, owner, org_id, price_id=price)
        assert response.status_code == 400, (price, response.json)
        assert price in response.json["message"]
    assert stripe_server.calls_to("POST", "/v1/checkout/sessions") == []


def test_a_discount_code_is_a_promotion_code_first_then_a_coupon(
    client, tokens, stripe_server
):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    price = stripe_server.add_price()
    stripe_server.add_coupon(percent_off=20, coupon_id="LAUNCH")
    stripe_server.add_coupon(percent_off=10, coupon_id="SPRING")
    other = stripe_server.add_coupon(percent_off=50)
    promotion = stripe_server.add_promotion_code("LAUNCH", other)

    by_code = checkout(client, owner, org_id, price_id=price, discount_code="LAUNCH")
    by_coupon = checkout(client, owner, org_id, price_id=price, discount_code="SPRING")
    unknown = checkout(client, owner, org_id, price_id=price, discount_code="NOPE")

    assert by_code.status_code == 200 and by_coupon.status_code == 200
    sent = stripe_server.calls_to("POST", "/v1/checkout/sessions")
    assert sent[0]["discounts"] == [{"promotion_code": promotion}]
    assert sent[1]["discounts"] == [{"coupon": "SPRING"}]
    assert unknown.status_code == 400
    assert "NOPE" in unknown.json["message"]


def test_a_retried_request_gets_the_same_session_and_a_new_one_a_new_session(
    client, tokens, stripe_server
):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    price = stripe_server.add_price()

    first = checkout(client, owner, org_id, price_id=price)
    retry = checkout(client, owner, org_id, price_id=price)
    other_seats = checkout(client, owner, org_id, price_id=price, quantity=2)
    keyed = checkout(client, owner, org_id, {"Idempotency-Key": "a"}, price_id=price)
    keyed_retry = checkout(
        client, owner, org_id, {"Idempotency-Key": "a"}, price_id=price
    )
    new_key = checkout(client, owner, org_id, {"Idempotency-Key": "b"}, price_id=price)

    secrets_ = [
        r.json["clientSecret"]
        for r in (first, retry, other_seats, keyed, keyed_retry, new_key)
    ]
    assert secrets_[0] == secrets_[1]
    assert secrets_[2] != secrets_[0]
    assert secrets_[3] == secrets_[4]
    assert len({secrets_[0], secrets_[2], secrets_[3], secrets_[5]}) == 4
    assert len(stripe_server.objects["customer"]) == 1


def test_two_concurrent_checkouts_for_one_org_create_one_session(
    client, tokens, stripe_server, live_server
):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    price = stripe_server.add_price()
    url = f"{live_server}/opsboard/orgs/{org_id}/create-checkout-session"
    answers: list[requests.Response] = []
    start = threading.Barrier(2)

    def post() -> None:
        """Send one checkout request when both threads are ready."""
        start.wait()
        answers.append(
            requests.post(
                url, json={"price_id": price}, headers=owner.headers, timeout=30
            )
        )

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert answers[0].json()["clientSecret"] == answers[1].json()["clientSecret"]
    assert len(stripe_server.objects["checkout.session"]) == 1
    assert len(stripe_server.objects["customer"]) == 1


def test_only_admins_and_owners_may_check_out(app, client, tokens, stripe_server):
    owner, admin, developer, stranger = (tokens.user() for _ in range(4))
    org_id = personal_org(client, owner)
    add_member(app, client, org_id, admin, "admin")
    add_member(app, client, org_id, developer, "developer")
    price = stripe_server.add_price()

    assert checkout(client, admin, org_id, price_id=price).status_code == 200
    forbidden = checkout(client, developer, org_id, price_id=price)
    assert forbidden.status_code == 403
    assert "owner or admin" in forbidden.json["message"]
    assert checkout(client, stranger, org_id, price_id=price).status_code == 404
    missing = client.post(
        "/opsboard/orgs/not-a-uuid/create-checkout-session",
        json={"price_id": price},
        headers=owner.headers,
    )
    assert missing.status_code == 404
    no_token = client.post(
        f"/opsboard/orgs/{org_id}/create-checkout-session", json={"price_id": price}
    )
    assert no_token.status_code == 401


def test_bad_bodies_are_422_naming_the_field(client, tokens, stripe_server):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    price = stripe_server.add_price()

    for body, field in (
        ({"price_id": price, "quantity": 0}, "quantity"),
        ({"price_id": price, "quantity": 101}, "quantity"),
        ({"price_id": price, "quantity": "many"}, "quantity"),
        ({}, "price_id"),
        ({"price_id": price, "colour": "red"}, "colour"),
    ):
        response = checkout(client, owner, org_id, **body)
        assert response.status_code == 422, body
        assert field in response.json["errors"]


def test_stripe_failure_is_502_with_a_message(client, tokens, stripe_server):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    price = stripe_server.add_price()
    stripe_server.fail("POST", "/v1/checkout/sessions", status=500)

    response = checkout(client, owner, org_id, price_id=price)

    assert response.status_code == 502
    assert response.json["message"].startswith("Could not start checkout")
    assert "Try again" in response.json["message"]


def test_without_stripe_billing_is_503_after_the_access_checks(make_app, tokens):
    bare = make_app().test_client()
    owner, developer, stranger = tokens.user(), tokens.user(), tokens.user()
    org_id = personal_org(bare, owner)
    add_member(bare.application, bare, org_id, developer, "developer")
    body = {"price_id": "price_x"}
    url = f"/opsboard/orgs/{org_id}/create-checkout-session"

    assert bare.post(url, json=body, headers=stranger.headers).status_code == 404
    assert bare.post(url, json=body, headers=developer.headers).status_code == 403
    unavailable = bare.post(url, json=body, headers=owner.headers)
    assert unavailable.status_code == 503
    assert "STRIPE_SECRET_KEY" in unavailable.json["message"]
    for path in ("cancel-subscription", "reactivate-subscription"):
        answer = bare.post(
            f"/opsboard/orgs/{org_id}/{path}",
            json={"subscription_id": "sub_x"} if path.startswith("cancel") else None,
            headers=owner.headers,
        )
        assert answer.status_code == 503, path
    validate = bare.post(
        f"/opsboard/orgs/{org_id}/validate-discount-code",
        json={"discount_code": "X"},
        headers=owner.headers,
    )
    assert validate.status_code == 503


def test_a_configured_plan_price_limits_checkout_to_its_product(
    make_app, tokens, stripe_server
):
    plan = stripe_server.add_price(product="prod_test_pro")
    yearly = stripe_server.add_price(40000, product="prod_test_pro")
    cheap = stripe_server.add_price(100, product="prod_test_other")
    configured = make_app(
        **{
            **stripe_fixtures.stripe_settings(stripe_server),
            "STRIPE_SUBSCRIPTION_PRICE_ID": plan,
        }
    ).test_client()
    owner = tokens.user()
    org_id = personal_org(configured, owner)

    assert checkout(configured, owner, org_id, price_id=yearly).status_code == 200
    refused = checkout(configured, owner, org_id, price_id=cheap)
    assert refused.status_code == 400
    assert "not a price of this plan" in refused.json["message"]
