"""Every route in the OpenAPI document, called by the wrong people.

A table gives, for each operation, what a user of another org gets when they
use this org's ids, and what a request with no token and with a project's
ingestion token get. A guard fails when the document gains an operation the
table does not list, so a new route cannot skip these checks.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support import stripe_fixtures
from tests.support.orgs import default_project, personal_org, set_plan

app = stripe_fixtures.app
stripe_server = stripe_fixtures.stripe_server

OTLP_SAMPLE = {
    "resourceSpans": [
        {
            "resource": {"attributes": []},
            "scopeSpans": [
                {
                    "spans": [
                        {
                            "traceId": "5b8efff798038103d269b633813fc60c",
                            "spanId": "eee19b7ec3c1b174",
                            "name": "probe",
                            "startTimeUnixNano": "1767225600000000000",
                            "endTimeUnixNano": "1767225601000000000",
                        }
                    ]
                }
            ],
        }
    ]
}
TRACE_ID = OTLP_SAMPLE["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"]

# (method, path): (what a member of another org gets, a body that would be valid)
OUTSIDER: dict[tuple[str, str], tuple[int, Any]] = {
    ("GET", "/opsboard/users/me"): (200, None),
    ("PUT", "/opsboard/users/me"): (200, {"full_name": "Mallory"}),
    ("PUT", "/opsboard/users/me/survey-complete"): (200, None),
    ("GET", "/opsboard/orgs/"): (200, None),
    ("POST", "/opsboard/orgs/"): (201, {"name": "Mallory's second org"}),
    ("GET", "/opsboard/orgs/invites"): (200, None),
    ("GET", "/opsboard/orgs/{org_id}"): (404, None),
    ("PUT", "/opsboard/orgs/{org_id}"): (404, {"name": "taken"}),
    ("DELETE", "/opsboard/orgs/{org_id}"): (404, None),
    ("POST", "/opsboard/orgs/{org_id}/invite"): (
        404,
        {"email": "mallory@example.com", "role": "owner"},
    ),
    ("DELETE", "/opsboard/orgs/{org_id}/invites/{email}"): (404, None),
    ("POST", "/opsboard/orgs/{org_id}/accept-invite"): (404, None),
    ("POST", "/opsboard/orgs/{org_id}/remove-member"): (404, {"user_id": "{owner_id}"}),
    ("POST", "/opsboard/orgs/{org_id}/change-role"): (
        404,
        {"user_id": "{owner_id}", "role": "developer"},
    ),
    ("GET", "/opsboard/projects/"): (200, None),
    ("POST", "/opsboard/projects/"): (404, {"name": "Intruder", "org_id": "{org_id}"}),
    ("GET", "/opsboard/projects/{project_id}"): (404, None),
    ("PUT", "/opsboard/projects/{project_id}"): (404, {"name": "renamed"}),
    ("DELETE", "/opsboard/projects/{project_id}"): (404, None),
    ("POST", "/opsboard/projects/{project_id}/regenerate-key"): (404, None),
    ("POST", "/opsboard/orgs/{org_id}/create-checkout-session"): (
        404,
        {"price_id": "{price_id}"},
    ),
    ("POST", "/opsboard/orgs/{org_id}/cancel-subscription"): (
        404,
        {"subscription_id": "sub_victim"},
    ),
    ("POST", "/opsboard/orgs/{org_id}/reactivate-subscription"): (404, None),
    ("POST", "/opsboard/orgs/{org_id}/validate-discount-code"): (
        404,
        {"discount_code": "ANY"},
    ),
    ("GET", "/v4/traces/"): (404, None),
    ("GET", "/v4/traces/{trace_id}"): (404, None),
    ("GET", "/v4/meterics/project"): (404, None),
    ("GET", "/v4/metrics/project"): (404, None),
    # Public or separately authenticated: a user token is no credential here.
    ("POST", "/v3/auth/token"): (200, {"api_key": "{api_key}"}),
    ("POST", "/v1/traces"): (401, OTLP_SAMPLE),
    ("POST", "/v4/stripe-webhook"): (400, {"id": "evt_1", "type": "ping"}),
}
# Operations that take no user token: what a caller without one gets.
PUBLIC = {
    ("POST", "/v3/auth/token"): 200,
    ("POST", "/v1/traces"): 401,
    ("POST", "/v4/stripe-webhook"): 400,
}
# Query parameters each read operation needs.
QUERIES = {
    "/v4/traces/": "?project_id={project_id}",
    "/v4/traces/{trace_id}": "?project_id={project_id}",
    "/v4/meterics/project": "?project_id={project_id}",
    "/v4/metrics/project": "?project_id={project_id}",
}


def operations(client) -> set[tuple[str, str]]:
    """Every (method, path) in the app's OpenAPI document."""
    spec = client.get("/openapi.json").json
    return {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "put", "post", "delete", "patch"}
    }


@pytest.fixture
def victim(app, client, tokens):
    """An org with a project, spans, a pending invite and a subscription."""
    owner = tokens.user(email="owner@victim.example")
    org = personal_org(client, owner)
    set_plan(app, org["id"], subscription_id="sub_victim", subscription_status="active")
    project = default_project(client, owner)
    client.post(
        f"/opsboard/orgs/{org['id']}/invite",
        headers=owner.headers,
        json={"email": "guest@victim.example", "role": "developer"},
    )
    stored = client.post(
        "/v1/traces",
        headers={"X-Agentops-Api-Key": str(project["api_key"])},
        data=json.dumps(OTLP_SAMPLE),
        content_type="application/json",
    )
    assert stored.status_code == 200, stored.data
    token = client.post("/v3/auth/token", json={"api_key": str(project["api_key"])})
    return {
        "owner": owner,
        "org_id": org["id"],
        "owner_id": owner.id,
        "project_id": project["id"],
        "api_key": str(project["api_key"]),
        "project_token": token.json["token"],
        "email": "guest@victim.example",
        "trace_id": TRACE_ID,
        "price_id": "price_any",
    }


def fill(template: Any, values: dict[str, str]) -> Any:
    """Put the victim's ids into a path or body template."""
    if isinstance(template, str):
        for name, value in values.items():
            template = template.replace("{" + name + "}", str(value))
        return template
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, values) for v in template]
    return template


def call(client, method: str, path: str, values: dict, headers: dict, body: Any):
    """Send one request of the table."""
    url = fill(path, values) + fill(QUERIES.get(path, ""), values)
    return client.open(url, method=method, headers=headers, json=body)


def test_the_table_lists_every_operation(client):
    assert operations(client) == set(OUTSIDER)


@pytest.mark.parametrize(("method", "path"), sorted(OUTSIDER))
def test_a_member_of_another_org_sees_nothing(client, tokens, victim, method, path):
    outsider = tokens.user(email="mallory@example.com")
    expected, body = OUTSIDER[(method, path)]

    response = call(client, method, path, victim, outsider.headers, fill(body, victim))

    assert response.status_code == expected, response.data
    text = response.get_data(as_text=True)
    if method == "GET":
        for secret in (victim["org_id"], victim["project_id"], victim["api_key"]):
            assert secret not in text
    assert client.get(
        f"/opsboard/orgs/{victim['org_id']}", headers=victim["owner"].headers
    ).json["name"]


@pytest.mark.parametrize(("method", "path"), sorted(OUTSIDER))
def test_no_token_is_401_except_on_public_operations(client, victim, method, path):
    _, body = OUTSIDER[(method, path)]

    response = call(client, method, path, victim, {}, fill(body, victim))

    assert response.status_code == PUBLIC.get((method, path), 401), response.data


@pytest.mark.parametrize(("method", "path"), sorted(OUTSIDER))
def test_a_project_token_is_no_user_token(client, victim, method, path):
    _, body = OUTSIDER[(method, path)]
    headers = {"Authorization": f"Bearer {victim['project_token']}"}

    response = call(client, method, path, victim, headers, fill(body, victim))

    expected = {("POST", "/v1/traces"): 200}.get((method, path))
    expected = expected or PUBLIC.get((method, path), 401)
    assert response.status_code == expected, response.data


def test_the_victims_data_is_intact(client, victim):
    owner = victim["owner"]

    org = client.get(f"/opsboard/orgs/{victim['org_id']}", headers=owner.headers)
    project = client.get(
        f"/opsboard/projects/{victim['project_id']}", headers=owner.headers
    )

    assert org.status_code == project.status_code == 200
    assert [u["role"] for u in org.json["users"]] == ["owner"]
    assert project.json["api_key"] == victim["api_key"]
