"""A paid org's seat count follows its membership, with proration."""

from __future__ import annotations

import uuid
from typing import Any

from agentops.billing import seats
from agentops.extensions import db
from agentops.orgs.models import Org, OrgMember
from tests.support import stripe_fixtures
from tests.support.stripe_fixtures import org_state, personal_org

app = stripe_fixtures.app
stripe_server = stripe_fixtures.stripe_server
webhook_url = stripe_fixtures.webhook_url


paid = stripe_fixtures.paid


def join(app, client, tokens, org_id) -> Any:
    """Add a member the way accepting an invite does, then tell billing."""
    user = tokens.user()
    client.get("/opsboard/users/me", headers=user.headers)
    with app.app_context():
        db.session.add(
            OrgMember(org_id=org_id, user_id=uuid.UUID(user.id), role="developer")
        )
        db.session.commit()
        seats.membership_changed(db.session.get(Org, org_id))
    return user


def leave(app, org_id, user) -> None:
    """Remove a member the way remove-member does, then tell billing."""
    with app.app_context():
        db.session.delete(db.session.get(OrgMember, (org_id, uuid.UUID(user.id))))
        db.session.commit()
        seats.membership_changed(db.session.get(Org, org_id))


def quantity(stripe_server, subscription) -> int:
    """The seat quantity Stripe holds."""
    stored = stripe_server.objects["subscription"][subscription["id"]]
    return stored["items"]["data"][0]["quantity"]


def test_joining_and_leaving_change_the_seats_with_proration(
    app, client, tokens, stripe_server, paid
):
    _, org_id, subscription = paid

    member = join(app, client, tokens, org_id)

    assert quantity(stripe_server, subscription) == 2
    update = stripe_server.calls_to("POST", f"/v1/subscriptions/{subscription['id']}")
    assert update[-1]["proration_behavior"] == "create_prorations"
    state = org_state(app, org_id)
    assert state["subscription_seats"] == 2
    assert state["paid_member_count"] == 2

    leave(app, org_id, member)

    assert quantity(stripe_server, subscription) == 1
    assert org_state(app, org_id)["subscription_seats"] == 1


def test_a_free_org_makes_no_stripe_call(app, client, tokens, stripe_server):
    owner = tokens.user()
    org_id = personal_org(client, owner)

    join(app, client, tokens, org_id)

    assert stripe_server.calls_to("POST", "/v1/subscriptions") == []
    assert org_state(app, org_id)["paid_member_count"] == 0


def test_a_stripe_failure_keeps_the_membership(
    app, client, tokens, stripe_server, paid
):
    _, org_id, subscription = paid
    stripe_server.fail("POST", "/v1/subscriptions/", status=500)

    join(app, client, tokens, org_id)

    assert quantity(stripe_server, subscription) == 1
    with app.app_context():
        assert seats.member_count(db.session.get(Org, org_id)) == 2
