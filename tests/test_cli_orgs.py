"""The org, project and invite commands, through Flask's CLI runner."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from agentops.extensions import db
from agentops.orgs.models import Org
from agentops.users.models import User
from tests.support.orgs import (
    capture_mail_log,
    default_project,
    personal_org,
    set_plan,
)
from tests.support.smtp import smtp_server


@pytest.fixture
def owner(tokens):
    return tokens.user()


def test_orgs_list_shows_every_org_with_counts(app, client, owner):
    org = personal_org(client, owner)

    result = app.test_cli_runner().invoke(args=["orgs", "list"])

    assert result.exit_code == 0, result.output
    header, *rows = result.output.splitlines()
    assert header.split("\t") == [
        "id",
        "name",
        "plan",
        "members",
        "invites",
        "projects",
    ]
    assert f"{org['id']}\tAda Lovelace's org\tfree\t1\t0\t1" in rows


def test_orgs_members_lists_members_and_invites(app, client, owner):
    org = personal_org(client, owner)
    set_plan(app, org["id"])
    client.post(
        f"/opsboard/orgs/{org['id']}/invite",
        headers=owner.headers,
        json={"email": "next@example.com", "role": "admin"},
    )

    result = app.test_cli_runner().invoke(args=["orgs", "members", org["id"]])

    assert result.exit_code == 0, result.output
    assert f"{owner.id}\t{owner.email}\towner\tno" in result.output
    assert f"next@example.com\tadmin\t{owner.email}\t" in result.output


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["orgs", "members", str(uuid.UUID(int=1))], 1, "No organization with id"),
        (["orgs", "members", "not-a-uuid"], 2, "not a valid UUID"),
        (
            ["projects", "regenerate-key", str(uuid.UUID(int=1))],
            1,
            "No project with id",
        ),
        (["projects", "regenerate-key", "x"], 2, "not a valid UUID"),
        (["projects", "list", "--org", str(uuid.UUID(int=1))], 1, "No organization"),
        (["users", "invite", "a@b.co", "--org", str(uuid.UUID(int=1))], 1, "No org"),
        (["users", "invite", "a@b.co", "--org", "nope"], 2, "not a valid UUID"),
        (["users", "invite", "a@b.co"], 2, "Missing option '--org'"),
        (
            ["users", "invite", "not-an-address", "--org", str(uuid.UUID(int=1))],
            2,
            "e-mail",
        ),
    ],
)
def test_commands_fail_clearly_on_unknown_or_bad_ids(app, args, code, message):
    result = app.test_cli_runner().invoke(args=args)

    assert result.exit_code == code
    assert message in result.output


def test_users_invite_rejects_an_unknown_role(app, client, owner):
    org = personal_org(client, owner)

    result = app.test_cli_runner().invoke(
        args=["users", "invite", "a@b.co", "--org", org["id"], "--role", "boss"]
    )

    assert result.exit_code == 2
    assert "boss" in result.output


def test_projects_list_and_regenerate_key(app, client, owner):
    project = default_project(client, owner)
    runner = app.test_cli_runner()

    listed = runner.invoke(args=["projects", "list"])
    only_org = runner.invoke(args=["projects", "list", "--org", project["org_id"]])
    regenerated = runner.invoke(args=["projects", "regenerate-key", project["id"]])

    assert listed.exit_code == 0, listed.output
    row = f"{project['id']}\tDefault Project\tdevelopment\t{project['org_id']}"
    assert row in listed.output
    assert project["api_key"] not in listed.output
    assert row in only_org.output
    assert regenerated.exit_code == 0, regenerated.output
    new_key = regenerated.output.strip()
    assert new_key != project["api_key"]
    shown = client.get(f"/opsboard/projects/{project['id']}", headers=owner.headers)
    assert shown.json["api_key"] == new_key


def test_users_invite_logs_the_link_without_mail(
    app, client, tokens, owner, caplog, monkeypatch
):
    capture_mail_log(caplog, monkeypatch)
    org = personal_org(client, owner)
    set_plan(app, org["id"])

    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "invite",
            " Kay@Example.COM ",
            "--org",
            org["id"],
            "--role",
            "admin",
        ]
    )

    assert result.exit_code == 0, result.output
    assert f"/invites?org_id={org['id']}" in result.output
    assert f"/invites?org_id={org['id']}" in caplog.text
    invitee = tokens.user(email="kay@example.com")
    (pending,) = client.get("/opsboard/orgs/invites", headers=invitee.headers).json
    assert pending["role"] == "admin"
    assert pending["inviter_email"] is None


def test_users_invite_applies_the_org_rules(app, client, owner):
    org = personal_org(client, owner)

    result = app.test_cli_runner().invoke(
        args=["users", "invite", "kay@example.com", "--org", org["id"]]
    )

    assert result.exit_code == 1
    assert "free plan" in result.output


def test_users_invite_sends_the_email(make_app, tokens):
    with smtp_server() as mailbox:
        app = make_app(MAIL_URL=mailbox.url)
        client = app.test_client()
        owner = tokens.user()
        org = personal_org(client, owner)
        set_plan(app, org["id"])

        result = app.test_cli_runner().invoke(
            args=["users", "invite", "kay@example.com", "--org", org["id"]]
        )

    assert result.exit_code == 0, result.output
    assert "e-mailed" in result.output
    (delivered,) = mailbox.messages
    assert delivered.recipients == ["kay@example.com"]
    assert (
        "An administrator invited you"
        in delivered.message.get_payload(decode=True).decode()
    )


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["b" * 400 + "@example.com"], "at most 320"),
        (["nul\x00@example.com"], "NUL"),
        (["   "], "empty"),
        (["c@example.com", "--hours", "0"], "--hours"),
        (["c@example.com", "--hours", "-5"], "--hours"),
        (["c@example.com", "--hours", "99999999999"], "--hours"),
    ],
)
def test_users_token_refuses_bad_input(app, args, fragment):
    result = app.test_cli_runner().invoke(args=["users", "token", *args])

    assert result.exit_code == 2, result.output
    assert fragment in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_users_token_with_a_long_name_provisions_a_fitting_org(app):
    result = app.test_cli_runner().invoke(
        args=["users", "token", "Long@Example.com", "--name", "x" * 300]
    )

    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        org = db.session.scalars(select(Org)).one()
    assert user.email == "long@example.com"
    assert len(user.full_name) == 200
    assert len(org.name) <= 200
