"""`flask stripe sync`: repairing what missed webhooks left behind."""

from __future__ import annotations

import time
import uuid
from typing import Any

from agentops.extensions import db
from agentops.orgs.models import OrgMember
from tests.support import stripe_fixtures
from tests.support.stripe_fixtures import org_state, personal_org, subscribe

app = stripe_fixtures.app
stripe_server = stripe_fixtures.stripe_server


def sync(app, *args) -> Any:
    """Run `flask stripe sync` and return the result."""
    return app.test_cli_runner().invoke(args=["stripe", "sync", *args])


def test_sync_applies_a_missed_checkout(app, client, tokens, stripe_server):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    subscription = subscribe(client, owner, org_id, stripe_server, quantity=1)

    result = sync(app)

    assert result.exit_code == 0, result.output
    assert f"org {org_id}" in result.output
    assert "prem_status free -> pro" in result.output
    assert f"subscription_id None -> {subscription['id']}" in result.output
    assert "1 org(s) checked, 1 changed" in result.output
    assert org_state(app, org_id)["prem_status"] == "pro"

    again = sync(app)

    assert "in sync" in again.output
    assert "0 changed" in again.output


def test_sync_downgrades_after_a_missed_deletion(app, client, tokens, stripe_server):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    subscription = subscribe(client, owner, org_id, stripe_server)
    sync(app)
    stripe_server.delete_subscription(subscription["id"])

    result = sync(app, "--org", str(org_id))

    assert result.exit_code == 0, result.output
    assert "prem_status pro -> free" in result.output
    state = org_state(app, org_id)
    assert state["prem_status"] == "free"
    assert state["subscription_id"] is None


def test_sync_repairs_the_seat_count(app, client, tokens, stripe_server):
    owner, member = tokens.user(), tokens.user()
    org_id = personal_org(client, owner)
    client.get("/opsboard/users/me", headers=member.headers)
    subscription = subscribe(client, owner, org_id, stripe_server, quantity=1)
    with app.app_context():
        db.session.add(
            OrgMember(org_id=org_id, user_id=uuid.UUID(member.id), role="developer")
        )
        db.session.commit()

    result = sync(app)

    assert result.exit_code == 0, result.output
    assert "seats 1 -> 2" in result.output
    stored = stripe_server.objects["subscription"][subscription["id"]]
    assert stored["items"]["data"][0]["quantity"] == 2
    assert org_state(app, org_id)["paid_member_count"] == 2


def test_sync_of_an_unknown_org_fails_clearly(app, stripe_server):
    result = sync(app, "--org", str(uuid.uuid4()))

    assert result.exit_code != 0
    assert "No org with id" in result.output


def test_sync_reports_a_stripe_failure(app, client, tokens, stripe_server):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    subscribe(client, owner, org_id, stripe_server)
    stripe_server.fail("GET", "/v1/subscriptions", status=500)

    result = sync(app)

    assert result.exit_code != 0
    assert "Could not" in result.output


def test_sync_ends_pro_when_the_grace_period_is_over(
    app, client, tokens, stripe_server
):
    owner = tokens.user()
    org_id = personal_org(client, owner)
    subscription = subscribe(client, owner, org_id, stripe_server)
    sync(app)
    long_ago = int(time.time()) - 10 * 86400
    stripe_server.update_subscription(
        subscription["id"], status="past_due", current_period_end=long_ago
    )

    result = sync(app)

    assert "prem_status pro -> free" in result.output
    state = org_state(app, org_id)
    assert state["prem_status"] == "free"
    assert state["subscription_status"] == "past_due"
    assert state["subscription_id"] == subscription["id"]
