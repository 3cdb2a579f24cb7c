"""Invites through the HTTP API: sending, e-mail delivery, listing, accepting."""

from __future__ import annotations

import logging

import pytest

from tests.support.orgs import capture_mail_log, join, personal_org, roles, set_plan
from tests.support.smtp import free_port, smtp_server


@pytest.fixture
def owner(tokens):
    return tokens.user(full_name="Ada Lovelace")


@pytest.fixture
def org(app, client, owner):
    """The owner's org, on a paid plan so that it has room for members."""
    shown = personal_org(client, owner)
    set_plan(app, shown["id"])
    return shown


def invite(client, user, org_id, email, role="developer"):
    return client.post(
        f"/opsboard/orgs/{org_id}/invite",
        headers=user.headers,
        json={"email": email, "role": role},
    )


def test_invite_is_stored_lower_case_and_found_in_any_case(client, tokens, owner, org):
    invitee = tokens.user(email="Grace.Hopper@Example.com")

    created = invite(client, owner, org["id"], "  GRACE.hopper@EXAMPLE.com ", "admin")
    pending = client.get("/opsboard/orgs/invites/", headers=invitee.headers)
    listed = client.get(f"/opsboard/orgs/{org['id']}", headers=owner.headers).json

    assert created.status_code == 201
    assert created.json["success"] is True
    assert [i["email"] for i in listed["invites"]] == ["grace.hopper@example.com"]
    assert pending.status_code == 200
    (mine,) = pending.json
    assert mine["org_id"] == org["id"]
    assert mine["org_name"] == "Ada Lovelace's org"
    assert mine["role"] == "admin"
    assert mine["inviter_email"] == owner.email


def test_a_second_invite_in_another_case_is_a_conflict(client, owner, org):
    invite(client, owner, org["id"], "sam@example.com")

    again = invite(client, owner, org["id"], " SAM@Example.COM")

    assert again.status_code == 409
    assert "already invited" in again.json["message"]


def test_inviting_a_member_in_another_case_is_a_conflict(client, tokens, owner, org):
    member = tokens.user(email="linus@example.com")
    join(client, owner, org["id"], member, "developer")

    again = invite(client, owner, org["id"], "Linus@Example.com")

    assert again.status_code == 409
    assert "already a member" in again.json["message"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"email": "someone@example.com", "role": "superuser"}, "role"),
        ({"email": "someone@example.com", "role": "OWNER"}, "role"),
        ({"email": "not an address", "role": "developer"}, "email"),
        ({"email": "someone@example.com"}, "role"),
        ({"email": "someone@example.com", "role": "admin", "org": "x"}, "org"),
    ],
)
def test_invite_refuses_bad_input(client, owner, org, body, field):
    response = client.post(
        f"/opsboard/orgs/{org['id']}/invite", headers=owner.headers, json=body
    )

    assert response.status_code == 422
    assert field in response.json["errors"]


def test_only_an_owner_invites_an_owner(client, tokens, owner, org):
    admin = tokens.user()
    join(client, owner, org["id"], admin, "admin")

    by_admin = invite(client, admin, org["id"], "boss@example.com", "owner")
    by_owner = invite(client, owner, org["id"], "boss@example.com", "owner")

    assert by_admin.status_code == 403
    assert by_owner.status_code == 201


def test_developers_cannot_invite(client, tokens, owner, org):
    developer = tokens.user()
    join(client, owner, org["id"], developer, "developer")

    response = invite(client, developer, org["id"], "friend@example.com")

    assert response.status_code == 403


def test_free_plan_member_limit_counts_pending_invites(make_app, tokens):
    app = make_app(FREEPLAN_MAX_USERS=2)
    client = app.test_client()
    owner = tokens.user()
    org = personal_org(client, owner)

    first = invite(client, owner, org["id"], "one@example.com")
    second = invite(client, owner, org["id"], "two@example.com")

    assert first.status_code == 201
    assert second.status_code == 403
    assert "free plan" in second.json["message"]


def test_free_plan_limit_is_checked_before_duplicates(client, owner):
    org = personal_org(client, owner)

    response = invite(client, owner, org["id"], owner.email)

    assert response.status_code == 403


def test_accept_joins_with_the_invited_role_and_removes_the_invite(
    client, tokens, owner, org
):
    invitee = tokens.user(email="new.member@example.com")
    invite(client, owner, org["id"], "New.Member@example.com", "admin")

    accepted = client.post(
        f"/opsboard/orgs/{org['id']}/accept-invite", headers=invitee.headers
    )

    assert accepted.status_code == 200
    assert accepted.json["success"] is True
    assert roles(client, owner, org["id"])[invitee.id] == "admin"
    assert client.get("/opsboard/orgs/invites", headers=invitee.headers).json == []
    detail = client.get(f"/opsboard/orgs/{org['id']}", headers=owner.headers).json
    assert detail["invites"] == []
    names = [
        o["name"] for o in client.get("/opsboard/orgs", headers=invitee.headers).json
    ]
    assert "Ada Lovelace's org" in names


def test_accept_tells_billing_that_membership_changed(
    client, tokens, owner, org, monkeypatch
):
    from agentops.billing import seats

    calls = []
    monkeypatch.setattr(seats, "membership_changed", lambda o: calls.append(o.id))
    invitee = tokens.user()
    invite(client, owner, org["id"], invitee.email)

    client.post(f"/opsboard/orgs/{org['id']}/accept-invite", headers=invitee.headers)

    assert [str(org_id) for org_id in calls] == [org["id"]]


def test_accept_is_only_for_the_invited_address(client, tokens, owner, org):
    invite(client, owner, org["id"], "invited@example.com")
    stranger = tokens.user(email="stranger@example.com")

    response = client.post(
        f"/opsboard/orgs/{org['id']}/accept-invite", headers=stranger.headers
    )

    assert response.status_code == 404
    assert response.json["message"] == "Invite not found"
    assert stranger.id not in roles(client, owner, org["id"])


def test_accept_without_an_email_claim_finds_no_invite(client, tokens, owner, org):
    invite(client, owner, org["id"], "someone@example.com")
    nameless = tokens.token(email=None)
    headers = {"Authorization": f"Bearer {nameless}"}

    response = client.post(f"/opsboard/orgs/{org['id']}/accept-invite", headers=headers)

    assert response.status_code == 404
    assert client.get("/opsboard/orgs/invites", headers=headers).json == []


def test_accept_twice_answers_404_the_second_time(client, tokens, owner, org):
    invitee = tokens.user()
    join(client, owner, org["id"], invitee, "developer")

    again = client.post(
        f"/opsboard/orgs/{org['id']}/accept-invite", headers=invitee.headers
    )

    assert again.status_code == 404


def test_revoke_matches_any_case_and_needs_admin(client, tokens, owner, org):
    developer = tokens.user()
    join(client, owner, org["id"], developer, "developer")
    invite(client, owner, org["id"], "revoke.me@example.com")
    path = f"/opsboard/orgs/{org['id']}/invites/Revoke.Me@Example.com"

    by_developer = client.delete(path, headers=developer.headers)
    by_owner = client.delete(path, headers=owner.headers)
    again = client.delete(path, headers=owner.headers)

    assert by_developer.status_code == 403
    assert by_owner.status_code == 200
    assert again.status_code == 404
    detail = client.get(f"/opsboard/orgs/{org['id']}", headers=owner.headers).json
    assert detail["invites"] == []


def test_without_mail_url_the_accept_link_is_logged(
    client, owner, org, caplog, monkeypatch
):
    capture_mail_log(caplog, monkeypatch)

    response = invite(client, owner, org["id"], "logged@example.com")

    assert response.status_code == 201
    assert response.json["email_sent"] is False
    link = f"http://localhost:3000/invites?org_id={org['id']}"
    assert response.json["accept_url"] == link
    assert any(
        record.levelno == logging.INFO and link in record.getMessage()
        for record in caplog.records
    )
    assert "logged@example.com" not in caplog.text


def test_invite_is_emailed_through_smtp(make_app, tokens):
    with smtp_server() as mailbox:
        app = make_app(
            MAIL_URL=mailbox.url,
            MAIL_FROM="AgentOps <team@agentops.test>",
            APP_URL="https://app.example.com/",
        )
        client = app.test_client()
        owner = tokens.user()
        org = personal_org(client, owner)
        set_plan(app, org["id"])

        response = invite(client, owner, org["id"], " Ada.Byron@Example.com ", "admin")

    assert response.status_code == 201
    assert response.json["email_sent"] is True
    (delivered,) = mailbox.messages
    assert delivered.login == "mailer"
    assert delivered.recipients == ["ada.byron@example.com"]
    assert delivered.sender == "team@agentops.test"
    assert "Ada Lovelace's org" in delivered.message["Subject"]
    body = delivered.message.get_payload(decode=True).decode()
    assert f"https://app.example.com/invites?org_id={org['id']}" in body
    assert owner.email in body
    assert "as an admin" in body


def test_a_failed_delivery_keeps_the_invite_and_says_so(make_app, tokens):
    app = make_app(MAIL_URL=f"smtp://127.0.0.1:{free_port()}?timeout=2")
    client = app.test_client()
    owner = tokens.user()
    org = personal_org(client, owner)
    set_plan(app, org["id"])

    response = invite(client, owner, org["id"], "unlucky@example.com")

    assert response.status_code == 201
    assert response.json["email_sent"] is False
    assert "could not be sent" in response.json["message"]
    detail = client.get(f"/opsboard/orgs/{org['id']}", headers=owner.headers).json
    assert [i["email"] for i in detail["invites"]] == ["unlucky@example.com"]


@pytest.mark.parametrize(
    "url",
    ["http://mail.example.com", "smtp://", "smtp://host:port", "smtp://h?tls=maybe"],
)
def test_a_bad_mail_url_stops_the_app_with_a_clear_error(make_app, url):
    from agentops.settings import SettingsError

    with pytest.raises(SettingsError, match="MAIL_URL"):
        make_app(MAIL_URL=url)


def test_accept_into_a_free_org_at_its_limit_is_refused(
    app, client, tokens, owner, org
):
    invitee = tokens.user()
    invite(client, owner, org["id"], invitee.email)
    set_plan(app, org["id"], plan="free")

    response = client.post(
        f"/opsboard/orgs/{org['id']}/accept-invite", headers=invitee.headers
    )

    assert response.status_code == 403
    assert "free plan" in response.json["message"]
    assert invitee.id not in roles(client, owner, org["id"])


def test_accept_when_already_a_member_is_a_conflict(app, client, tokens, owner, org):
    import uuid

    from agentops.extensions import db
    from agentops.orgs.models import OrgMember

    member = tokens.user()
    personal_org(client, member)
    invite(client, owner, org["id"], member.email, "admin")
    with app.app_context():
        db.session.add(
            OrgMember(
                org_id=uuid.UUID(org["id"]),
                user_id=uuid.UUID(member.id),
                role="developer",
            )
        )
        db.session.commit()

    response = client.post(
        f"/opsboard/orgs/{org['id']}/accept-invite", headers=member.headers
    )

    assert response.status_code == 409
    assert roles(client, owner, org["id"])[member.id] == "developer"
