"""Orgs through the HTTP API: listing, detail, creation, renaming, deletion."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from agentops.billing import history
from agentops.billing.models import BillingEvent
from agentops.extensions import db
from agentops.pricing.models import ModelPrice
from tests.support.orgs import default_project, join, personal_org, set_plan


@pytest.fixture
def owner(tokens):
    return tokens.user(full_name="Ada Lovelace")


def test_first_sign_in_lists_the_personal_org_with_its_counts(client, owner):
    response = client.get("/opsboard/orgs/", headers=owner.headers)

    assert response.status_code == 200
    (org,) = response.json
    assert org["name"] == "Ada Lovelace's org"
    assert org["current_user_role"] == "owner"
    assert org["prem_status"] == "free"
    assert org["current_member_count"] == 1
    assert org["current_project_count"] == 1
    assert org["max_member_count"] == 1
    assert org["max_project_count"] == 1
    assert org["paid_member_count"] == 0
    assert org["subscription_id"] is None
    assert org["subscription_end_date"] is None
    assert org["subscription_cancel_at_period_end"] is False


def test_collection_paths_answer_with_and_without_slash(client, owner):
    for path in ("/opsboard/orgs", "/opsboard/orgs/"):
        assert client.get(path, headers=owner.headers).status_code == 200
        created = client.post(path, headers=owner.headers, json={"name": "Lab"})
        assert created.status_code == 201


def test_paid_org_has_no_limits_and_shows_its_subscription(app, client, owner):
    org = personal_org(client, owner)
    set_plan(
        app,
        org["id"],
        subscription_id="sub_123",
        subscription_end_date=1_900_000_000,
        subscription_cancel_at_period_end=True,
    )

    (shown,) = client.get("/opsboard/orgs", headers=owner.headers).json

    assert shown["prem_status"] == "pro"
    assert shown["max_member_count"] is None
    assert shown["max_project_count"] is None
    assert shown["subscription_id"] == "sub_123"
    assert shown["subscription_end_date"] == 1_900_000_000
    assert shown["subscription_cancel_at_period_end"] is True


def test_create_makes_the_caller_owner(client, owner):
    response = client.post(
        "/opsboard/orgs", headers=owner.headers, json={"name": "  Research  "}
    )

    assert response.status_code == 201
    assert response.json["name"] == "Research"
    assert response.json["current_user_role"] == "owner"
    assert response.json["current_member_count"] == 1
    assert response.json["current_project_count"] == 0
    names = [
        o["name"] for o in client.get("/opsboard/orgs", headers=owner.headers).json
    ]
    assert names == ["Ada Lovelace's org", "Research"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 201},
        {"name": 5},
        {"name": "a", "x": 1},
    ],
)
def test_create_refuses_bad_names(client, owner, body):
    response = client.post("/opsboard/orgs", headers=owner.headers, json=body)

    assert response.status_code == 422
    assert response.json["errors"]


def test_detail_shows_members_and_invites_to_admins_only(app, client, tokens, owner):
    org = personal_org(client, owner)
    set_plan(app, org["id"])
    developer = tokens.user()
    join(client, owner, org["id"], developer, "developer")
    client.post(
        f"/opsboard/orgs/{org['id']}/invite",
        headers=owner.headers,
        json={"email": "pending@example.com", "role": "admin"},
    )

    as_owner = client.get(f"/opsboard/orgs/{org['id']}", headers=owner.headers).json
    as_developer = client.get(f"/opsboard/orgs/{org['id']}", headers=developer.headers)

    assert [(u["email"], u["role"]) for u in as_owner["users"]] == [
        (owner.email, "owner"),
        (developer.email, "developer"),
    ]
    (invite,) = as_owner["invites"]
    assert invite["email"] == "pending@example.com"
    assert invite["role"] == "admin"
    assert invite["inviter_email"] == owner.email
    assert invite["created_at"].endswith("Z")
    assert as_developer.status_code == 200
    assert as_developer.json["current_user_role"] == "developer"
    assert "invites" not in as_developer.json
    assert len(as_developer.json["users"]) == 2


def test_rename_needs_admin_or_owner(app, client, tokens, owner):
    org = personal_org(client, owner)
    set_plan(app, org["id"])
    developer = tokens.user()
    join(client, owner, org["id"], developer, "developer")
    path = f"/opsboard/orgs/{org['id']}"

    refused = client.put(path, headers=developer.headers, json={"name": "Mine"})
    renamed = client.put(path, headers=owner.headers, json={"name": "Analytical"})

    assert refused.status_code == 403
    assert "owner or admin" in refused.json["message"]
    assert renamed.status_code == 200
    assert renamed.json["name"] == "Analytical"
    assert renamed.json["current_user_role"] == "owner"


def test_role_is_checked_before_the_body(app, client, tokens, owner):
    org = personal_org(client, owner)
    set_plan(app, org["id"])
    developer = tokens.user()
    join(client, owner, org["id"], developer, "developer")

    response = client.put(
        f"/opsboard/orgs/{org['id']}", headers=developer.headers, json={"name": ""}
    )

    assert response.status_code == 403


def test_delete_is_refused_while_projects_remain(client, owner):
    org = personal_org(client, owner)

    response = client.delete(f"/opsboard/orgs/{org['id']}", headers=owner.headers)

    assert response.status_code == 409
    assert "project" in response.json["message"]
    assert (
        client.get(f"/opsboard/orgs/{org['id']}", headers=owner.headers).status_code
        == 200
    )


def test_delete_is_refused_while_a_subscription_is_active(app, client, owner):
    org = personal_org(client, owner)
    project = default_project(client, owner)
    client.delete(f"/opsboard/projects/{project['id']}", headers=owner.headers)
    set_plan(app, org["id"], subscription_id="sub_1", subscription_status="active")

    response = client.delete(f"/opsboard/orgs/{org['id']}", headers=owner.headers)

    assert response.status_code == 409
    assert "subscription" in response.json["message"]


def test_owner_deletes_an_empty_org_with_its_members_and_invites(
    app, client, tokens, owner
):
    org = client.post(
        "/opsboard/orgs", headers=owner.headers, json={"name": "Tmp"}
    ).json
    set_plan(app, org["id"], subscription_id="sub_old", subscription_status="canceled")
    admin = tokens.user()
    join(client, owner, org["id"], admin, "admin")
    client.post(
        f"/opsboard/orgs/{org['id']}/invite",
        headers=owner.headers,
        json={"email": "later@example.com", "role": "developer"},
    )

    refused = client.delete(f"/opsboard/orgs/{org['id']}", headers=admin.headers)
    deleted = client.delete(f"/opsboard/orgs/{org['id']}", headers=owner.headers)

    assert refused.status_code == 403
    assert deleted.status_code == 200
    assert deleted.json["success"] is True
    assert (
        client.get(f"/opsboard/orgs/{org['id']}", headers=owner.headers).status_code
        == 404
    )
    assert [
        o["name"] for o in client.get("/opsboard/orgs", headers=admin.headers).json
    ] == ["Ada Lovelace's org"]


def test_demo_org_is_left_out_of_lists_but_readable(make_app, tokens):
    demo_id = str(uuid.uuid4())
    app = make_app(DEMO_ORG_ID=demo_id)
    client = app.test_client()
    with app.app_context():
        from agentops.extensions import db
        from agentops.orgs.models import Org
        from agentops.projects.models import Project

        db.session.add(Org(id=uuid.UUID(demo_id), name="Demo"))
        db.session.flush()
        demo_project = Project(org_id=uuid.UUID(demo_id), name="Demo project")
        db.session.add(demo_project)
        db.session.commit()
        demo_project_id = str(demo_project.id)
    visitor = tokens.user()

    orgs = client.get("/opsboard/orgs", headers=visitor.headers).json
    projects = client.get("/opsboard/projects", headers=visitor.headers).json
    demo = client.get(f"/opsboard/orgs/{demo_id}", headers=visitor.headers)
    project = client.get(
        f"/opsboard/projects/{demo_project_id}", headers=visitor.headers
    )
    rename = client.put(
        f"/opsboard/projects/{demo_project_id}",
        headers=visitor.headers,
        json={"name": "mine"},
    )

    assert [o["name"] for o in orgs] == ["Ada Lovelace's org"]
    assert [p["name"] for p in projects] == ["Default Project"]
    assert demo.status_code == 200
    assert demo.json["current_user_role"] == "business_user"
    assert project.status_code == 200
    assert project.json["org"]["name"] == "Demo"
    assert rename.status_code == 403


def test_every_member_of_a_paid_org_holds_a_paid_seat(app, client, tokens, owner):
    org = personal_org(client, owner)
    set_plan(app, org["id"])
    join(client, owner, org["id"], tokens.user(), "developer")

    shown = client.get(f"/opsboard/orgs/{org['id']}", headers=owner.headers).json

    assert shown["current_member_count"] == 2
    assert shown["paid_member_count"] == 2
    assert all(u["is_paid"] for u in shown["users"])


def test_members_of_a_free_org_hold_no_paid_seat(client, tokens, owner):
    org = personal_org(client, owner)

    shown = client.get(f"/opsboard/orgs/{org['id']}", headers=owner.headers).json

    assert shown["paid_member_count"] == 0


def test_deleting_an_org_deletes_its_prices_and_unlinks_its_billing_history(
    app, client, owner
):
    org = personal_org(client, owner)
    project = default_project(client, owner)
    client.delete(f"/opsboard/projects/{project['id']}", headers=owner.headers)
    runner = app.test_cli_runner()
    runner.invoke(
        args=[
            "prices",
            "set",
            "gpt-4o",
            "--org",
            org["id"],
            "--input",
            "1",
            "--output",
            "2",
        ]
    )
    with app.app_context():
        history.record(uuid.UUID(org["id"]), "checkout.completed", session="cs_1")
        db.session.commit()

    response = client.delete(f"/opsboard/orgs/{org['id']}", headers=owner.headers)

    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ModelPrice)) == 0
        assert db.session.scalars(select(BillingEvent.org_id)).all() == [None]
