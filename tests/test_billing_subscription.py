"""Cancelling, reactivating and validating discount codes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import stripe_fixtures
from tests.support.stripe_fixtures import (
    add_member,
    billing_history,
    org_state,
    personal_org,
)

app = stripe_fixtures.app
stripe_server = stripe_fixtures.stripe_server
webhook_url = stripe_fixtures.webhook_url


paid = stripe_fixtures.paid


def post(client, user, org_id, path, body=None) -> Any:
    """POST to a billing endpoint of the org."""
    return client.post(
        f"/opsboard/orgs/{org_id}/{path}", json=body, headers=user.headers
    )


def test_cancel_sets_cancel_at_period_end(app, client, stripe_server, paid):
    owner, org_id, subscription = paid

    answer = post(
        client,
        owner,
        org_id,
        "cancel-subscription",
        {"subscription_id": subscription["id"]},
    )

    assert answer.status_code == 200, answer.json
    assert answer.json["success"] is True
    assert answer.json["subscription_cancel_at_period_end"] is True
    assert answer.json["prem_status"] == "pro"
    stored = stripe_server.objects["subscription"][subscription["id"]]
    assert stored["cancel_at_period_end"] is True
    assert org_state(app, org_id)["subscription_cancel_at_period_end"] is True
    kinds = [kind for kind, _ in billing_history(app, org_id)]
    assert "subscription.cancel_requested" in kinds


def test_cancel_refuses_without_a_subscription_or_with_another_id(
    client, tokens, stripe_server, paid
):
    owner, org_id, _ = paid
    free_owner = tokens.user()
    free_org = personal_org(client, free_owner)

    none = post(
        client,
        free_owner,
        free_org,
        "cancel-subscription",
        {"subscription_id": "sub_1"},
    )
    other = post(
        client, owner, org_id, "cancel-subscription", {"subscription_id": "sub_other"}
    )
    missing = post(client, owner, org_id, "cancel-subscription", {})

    assert none.status_code == 409
    assert other.status_code == 400
    assert "sub_other" in other.json["message"]
    assert missing.status_code == 422
    assert "subscription_id" in missing.json["errors"]


def test_reactivate_undoes_a_pending_cancellation(app, client, stripe_server, paid):
    owner, org_id, subscription = paid

    not_cancelling = post(client, owner, org_id, "reactivate-subscription")
    post(
        client,
        owner,
        org_id,
        "cancel-subscription",
        {"subscription_id": subscription["id"]},
    )
    reactivated = post(client, owner, org_id, "reactivate-subscription")
    again = post(
        client,
        owner,
        org_id,
        "cancel-subscription",
        {"subscription_id": subscription["id"]},
    )

    assert not_cancelling.status_code == 409
    assert reactivated.status_code == 200, reactivated.json
    assert reactivated.json["subscription_cancel_at_period_end"] is False
    assert again.status_code == 200
    stored = stripe_server.objects["subscription"][subscription["id"]]
    assert stored["cancel_at_period_end"] is True
    assert org_state(app, org_id)["subscription_cancel_at_period_end"] is True


def test_reactivate_without_a_subscription_is_409(client, tokens, stripe_server):
    owner = tokens.user()
    org_id = personal_org(client, owner)

    assert post(client, owner, org_id, "reactivate-subscription").status_code == 409


def test_a_stripe_failure_is_502_and_changes_nothing(app, client, stripe_server, paid):
    owner, org_id, subscription = paid
    before = org_state(app, org_id)
    stripe_server.fail("POST", "/v1/subscriptions/", status=500)

    answer = post(
        client,
        owner,
        org_id,
        "cancel-subscription",
        {"subscription_id": subscription["id"]},
    )

    assert answer.status_code == 502
    assert answer.json["message"].startswith("Could not cancel the subscription")
    assert org_state(app, org_id) == before


def test_members_without_admin_role_cannot_change_billing(
    app, client, tokens, stripe_server, paid
):
    owner, org_id, subscription = paid
    developer, viewer = tokens.user(), tokens.user()
    add_member(app, client, org_id, developer, "developer")
    add_member(app, client, org_id, viewer, "business_user")

    for user in (developer, viewer):
        for path, body in (
            ("cancel-subscription", {"subscription_id": subscription["id"]}),
            ("reactivate-subscription", None),
            ("validate-discount-code", {"discount_code": "X"}),
        ):
            assert post(client, user, org_id, path, body).status_code == 403, path


@pytest.mark.parametrize(
    ("coupon", "expected"),
    [
        (
            {"percent_off": 20, "duration": "repeating", "duration_in_months": 3},
            {
                "valid": True,
                "discount_type": "percent_off",
                "discount_value": 20.0,
                "currency": None,
                "description": "20% off for 3 months",
                "is_100_percent_off": False,
            },
        ),
        (
            {"amount_off": 500, "currency": "usd", "duration": "once"},
            {
                "valid": True,
                "discount_type": "amount_off",
                "discount_value": 500.0,
                "currency": "usd",
                "description": "5.00 USD off once",
                "is_100_percent_off": False,
            },
        ),
        (
            {"percent_off": 100, "duration": "forever"},
            {
                "valid": True,
                "discount_type": "percent_off",
                "discount_value": 100.0,
                "currency": None,
                "description": "100% off forever",
                "is_100_percent_off": True,
            },
        ),
    ],
)
def test_validate_discount_code_describes_the_coupon(
    client, tokens, stripe_server, coupon, expected
):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    coupon_id = stripe_server.add_coupon(**coupon)
    stripe_server.add_promotion_code("WELCOME", coupon_id)

    by_code = post(
        client, owner, org_id, "validate-discount-code", {"discount_code": "WELCOME"}
    )
    by_coupon = post(
        client, owner, org_id, "validate-discount-code", {"discount_code": coupon_id}
    )

    for answer in (by_code, by_coupon):
        assert answer.status_code == 200, answer.json
        assert {k: answer.json[k] for k in expected} == expected


def test_validate_discount_code_is_200_for_codes_that_do_not_work(
    client, tokens, stripe_server
):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    expired = stripe_server.add_coupon(percent_off=10, valid=False)
    live = stripe_server.add_coupon(percent_off=10)
    stripe_server.add_promotion_code("RETIRED", live, active=False)

    for code in ("UNKNOWN", expired, "RETIRED", "../weird code"):
        answer = post(
            client, owner, org_id, "validate-discount-code", {"discount_code": code}
        )
        assert answer.status_code == 200, (code, answer.json)
        assert answer.json["valid"] is False
        assert answer.json["discount_type"] is None

    empty = post(client, owner, org_id, "validate-discount-code", {"discount_code": ""})
    assert empty.status_code == 422


def test_reactivating_an_ended_subscription_is_409_and_repairs_the_org(
    app, client, stripe_server, paid
):
    owner, org_id, subscription = paid
    stripe_server.delete_subscription(subscription["id"])

    answer = post(client, owner, org_id, "reactivate-subscription")

    assert answer.status_code == 409
    assert "ended" in answer.json["message"]
    assert org_state(app, org_id)["prem_status"] == "free"
