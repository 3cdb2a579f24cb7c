"""Helpers for the org and project tests: set-up through the HTTP API, threads."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from agentops.extensions import db
from agentops.orgs.models import Org
from tests.support.tokens import TestUser


def personal_org(client: FlaskClient, user: TestUser) -> dict[str, Any]:
    """The user's own org (provisioning the user on first call)."""
    response = client.get("/opsboard/orgs", headers=user.headers)
    assert response.status_code == 200, response.json
    return response.json[0]


def default_project(client: FlaskClient, user: TestUser) -> dict[str, Any]:
    """The project the user got on first sign-in."""
    response = client.get("/opsboard/projects", headers=user.headers)
    assert response.status_code == 200, response.json
    return response.json[0]


def set_plan(app: Flask, org_id: str, plan: str = "pro", **columns: Any) -> None:
    """Put an org on a plan, as billing would."""
    with app.app_context():
        org = db.session.get(Org, uuid.UUID(org_id))
        org.prem_status = plan
        for name, value in columns.items():
            setattr(org, name, value)
        db.session.commit()


def join(
    client: FlaskClient, inviter: TestUser, org_id: str, user: TestUser, role: str
) -> None:
    """Invite a user into an org and accept the invite as that user."""
    response = client.post(
        f"/opsboard/orgs/{org_id}/invite",
        headers=inviter.headers,
        json={"email": user.email, "role": role},
    )
    assert response.status_code == 201, response.json
    response = client.post(
        f"/opsboard/orgs/{org_id}/accept-invite", headers=user.headers
    )
    assert response.status_code == 200, response.json


def roles(client: FlaskClient, user: TestUser, org_id: str) -> dict[str, str]:
    """Each member's role by user id, as the org's detail shows it."""
    response = client.get(f"/opsboard/orgs/{org_id}", headers=user.headers)
    assert response.status_code == 200, response.json
    return {member["user_id"]: member["role"] for member in response.json["users"]}


def capture_mail_log(caplog: Any, monkeypatch: Any) -> None:
    """Capture the invite mailer's info lines.

    Alembic's `fileConfig` in migrations/env.py disables every logger that
    existed when the test schema was created, this one included.
    """
    from agentops.orgs import mail

    monkeypatch.setattr(mail.logger, "disabled", False)
    caplog.set_level(logging.INFO, logger=mail.logger.name)


def run_together(*calls: Callable[[], Any]) -> list[Any]:
    """Run calls in threads released at the same moment; return their answers."""
    barrier = threading.Barrier(len(calls))
    answers = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        answers[index] = call()

    threads = [
        threading.Thread(target=run, args=(index, call))
        for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers
