"""Members through the HTTP API: removal and role changes, and the last owner."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, event
from sqlalchemy.orm import Session

from agentops.extensions import db
from agentops.orgs.models import OrgMember
from tests.support.orgs import join, personal_org, roles, run_together, set_plan


@pytest.fixture
def owner(tokens):
    return tokens.user()


@pytest.fixture
def org(app, client, owner):
    shown = personal_org(client, owner)
    set_plan(app, shown["id"])
    return shown


def remove(client, user, org_id, user_id):
    return client.post(
        f"/opsboard/orgs/{org_id}/remove-member",
        headers=user.headers,
        json={"user_id": user_id},
    )


def change_role(client, user, org_id, user_id, role):
    return client.post(
        f"/opsboard/orgs/{org_id}/change-role",
        headers=user.headers,
        json={"user_id": user_id, "role": role},
    )


def test_admin_removes_a_developer_and_billing_hears_of_it(
    client, tokens, owner, org, monkeypatch
):
    from agentops.billing import seats

    calls = []
    monkeypatch.setattr(seats, "membership_changed", lambda o: calls.append(str(o.id)))
    admin, developer = tokens.user(), tokens.user()
    join(client, owner, org["id"], admin, "admin")
    join(client, owner, org["id"], developer, "developer")
    calls.clear()

    response = remove(client, admin, org["id"], developer.id)

    assert response.status_code == 200
    assert response.json["success"] is True
    assert developer.id not in roles(client, owner, org["id"])
    assert calls == [org["id"]]
    gone = client.get(f"/opsboard/orgs/{org['id']}", headers=developer.headers)
    assert gone.status_code == 404


def test_removing_yourself_is_a_bad_request(client, owner, org):
    response = remove(client, owner, org["id"], owner.id)

    assert response.status_code == 400
    assert roles(client, owner, org["id"]) == {owner.id: "owner"}


def test_only_an_owner_removes_an_owner(client, tokens, owner, org):
    admin, second_owner = tokens.user(), tokens.user()
    join(client, owner, org["id"], admin, "admin")
    join(client, owner, org["id"], second_owner, "owner")

    by_admin = remove(client, admin, org["id"], second_owner.id)
    by_owner = remove(client, owner, org["id"], second_owner.id)

    assert by_admin.status_code == 403
    assert by_owner.status_code == 200


def test_developers_cannot_remove_anyone(client, tokens, owner, org):
    developer, other = tokens.user(), tokens.user()
    join(client, owner, org["id"], developer, "developer")
    join(client, owner, org["id"], other, "developer")

    response = remove(client, developer, org["id"], other.id)

    assert response.status_code == 403


def test_removing_someone_who_is_not_a_member_is_404(client, tokens, owner, org):
    outsider = tokens.user()
    personal_org(client, outsider)

    response = remove(client, owner, org["id"], outsider.id)

    assert response.status_code == 404
    assert response.json["message"] == "Member not found"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"user_id": "not-a-uuid"}, "user_id"),
        ({"user_id": 42}, "user_id"),
        ({}, "user_id"),
        ({"user_id": "00000000-0000-0000-0000-000000000000", "x": 1}, "x"),
    ],
)
def test_remove_member_refuses_malformed_bodies(client, owner, org, body, field):
    response = client.post(
        f"/opsboard/orgs/{org['id']}/remove-member", headers=owner.headers, json=body
    )

    assert response.status_code == 422
    assert field in response.json["errors"]


def test_admin_changes_a_developer_role(client, tokens, owner, org):
    admin, developer = tokens.user(), tokens.user()
    join(client, owner, org["id"], admin, "admin")
    join(client, owner, org["id"], developer, "developer")

    response = change_role(client, admin, org["id"], developer.id, "business_user")

    assert response.status_code == 200
    assert roles(client, owner, org["id"])[developer.id] == "business_user"


def test_changing_your_own_role_is_a_bad_request(client, tokens, owner, org):
    second_owner = tokens.user()
    join(client, owner, org["id"], second_owner, "owner")

    response = change_role(client, owner, org["id"], owner.id, "admin")

    assert response.status_code == 400
    assert roles(client, owner, org["id"])[owner.id] == "owner"


def test_only_an_owner_grants_or_takes_away_owner(client, tokens, owner, org):
    admin, developer, second_owner = tokens.user(), tokens.user(), tokens.user()
    join(client, owner, org["id"], admin, "admin")
    join(client, owner, org["id"], developer, "developer")
    join(client, owner, org["id"], second_owner, "owner")

    grant = change_role(client, admin, org["id"], developer.id, "owner")
    take = change_role(client, admin, org["id"], second_owner.id, "developer")
    by_owner = change_role(client, owner, org["id"], developer.id, "owner")

    assert grant.status_code == 403
    assert take.status_code == 403
    assert by_owner.status_code == 200
    assert roles(client, owner, org["id"])[developer.id] == "owner"


@pytest.mark.parametrize("role", ["superuser", "Owner", "", None])
def test_change_role_refuses_unknown_roles(client, tokens, owner, org, role):
    developer = tokens.user()
    join(client, owner, org["id"], developer, "developer")

    response = change_role(client, owner, org["id"], developer.id, role)

    assert response.status_code == 422
    assert "role" in response.json["errors"]


def test_an_owner_demotes_another_owner_but_one_always_remains(
    client, tokens, owner, org
):
    second_owner = tokens.user()
    join(client, owner, org["id"], second_owner, "owner")

    demoted = change_role(client, owner, org["id"], second_owner.id, "admin")
    back = change_role(client, second_owner, org["id"], owner.id, "admin")

    assert demoted.status_code == 200
    assert back.status_code == 403
    assert roles(client, owner, org["id"])[owner.id] == "owner"


@pytest.mark.parametrize("round_", range(4))
def test_concurrent_changes_never_leave_an_org_without_an_owner(
    app, tokens, owner, org, round_
):
    """Two owners remove and demote each other while an admin acts and a user joins."""
    setup = app.test_client()
    second_owner, admin, developer, joiner = (tokens.user() for _ in range(4))
    join(setup, owner, org["id"], second_owner, "owner")
    join(setup, owner, org["id"], admin, "admin")
    join(setup, owner, org["id"], developer, "developer")
    setup.post(
        f"/opsboard/orgs/{org['id']}/invite",
        headers=owner.headers,
        json={"email": joiner.email, "role": "developer"},
    )
    first_moves = [
        lambda: remove(app.test_client(), owner, org["id"], second_owner.id),
        lambda: change_role(
            app.test_client(), owner, org["id"], second_owner.id, "admin"
        ),
    ]
    second_moves = [
        lambda: remove(app.test_client(), second_owner, org["id"], owner.id),
        lambda: change_role(
            app.test_client(), second_owner, org["id"], owner.id, "admin"
        ),
    ]
    others = [
        lambda: change_role(app.test_client(), admin, org["id"], developer.id, "admin"),
        lambda: app.test_client().post(
            f"/opsboard/orgs/{org['id']}/accept-invite", headers=joiner.headers
        ),
    ]

    answers = run_together(first_moves[round_ % 2], second_moves[round_ // 2], *others)

    codes = [answer.status_code for answer in answers]
    assert all(code in (200, 403, 404, 409) for code in codes), codes
    assert sorted(codes[:2]) in ([200, 403], [200, 404], [200, 409]), codes
    assert codes[2:] == [200, 200]
    survivor = owner if codes[0] == 200 else second_owner
    final = roles(setup, survivor, org["id"])
    assert list(final.values()).count("owner") == 1
    assert final[developer.id] == "admin"
    assert final[joiner.id] == "developer"


def test_owners_removing_each_other_at_once_leave_at_least_one(app, tokens, owner, org):
    """Four owners each try to remove the next one at the same moment."""
    setup = app.test_client()
    owners = [owner] + [tokens.user() for _ in range(3)]
    for other in owners[1:]:
        join(setup, owner, org["id"], other, "owner")

    answers = run_together(
        *(
            (
                lambda me=me, target=target: remove(
                    app.test_client(), me, org["id"], target.id
                )
            )
            for me, target in zip(owners, owners[1:] + owners[:1], strict=True)
        )
    )

    assert all(a.status_code in (200, 404, 409) for a in answers)
    remaining = [
        o
        for o in owners
        if setup.get(f"/opsboard/orgs/{org['id']}", headers=o.headers).status_code
        == 200
    ]
    assert len(remaining) >= 1
    final = roles(setup, remaining[0], org["id"])
    assert list(final.values()).count("owner") == len(final) >= 1


@pytest.fixture
def caller_removed_at_commit(app):
    """After the next commit, delete a chosen membership, as a rival request would."""
    chosen = {}

    def remove_caller(session):
        if not chosen:
            return
        with db.engine.begin() as connection:
            connection.execute(
                delete(OrgMember).where(
                    OrgMember.org_id == uuid.UUID(chosen["org"]),
                    OrgMember.user_id == uuid.UUID(chosen["user"]),
                )
            )
        chosen.clear()

    event.listen(Session, "after_commit", remove_caller)
    yield chosen
    event.remove(Session, "after_commit", remove_caller)


@pytest.mark.parametrize(
    "action", ["remove-member", "change-role", "invite", "project"]
)
def test_a_change_committed_just_before_the_caller_is_removed_still_answers(
    app, client, tokens, owner, org, caller_removed_at_commit, action
):
    admin, developer = tokens.user(), tokens.user()
    join(client, owner, org["id"], admin, "admin")
    join(client, owner, org["id"], developer, "developer")
    requests = {
        "remove-member": (
            f"/opsboard/orgs/{org['id']}/remove-member",
            {"user_id": developer.id},
        ),
        "change-role": (
            f"/opsboard/orgs/{org['id']}/change-role",
            {"user_id": developer.id, "role": "business_user"},
        ),
        "invite": (
            f"/opsboard/orgs/{org['id']}/invite",
            {"email": "new@example.com", "role": "developer"},
        ),
        "project": ("/opsboard/projects", {"name": "P", "org_id": org["id"]}),
    }
    path, body = requests[action]
    caller_removed_at_commit.update(org=org["id"], user=admin.id)

    response = client.post(path, headers=admin.headers, json=body)

    assert response.status_code in (200, 201), response.json
