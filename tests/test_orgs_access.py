"""Every org and project route against callers who must not get through.

The matrix names each route once; a test checks that it covers every rule the
two blueprints register, so a new route cannot be left out.
"""

from __future__ import annotations

import re
import uuid

import pytest

from tests.support.orgs import default_project, join, personal_org, set_plan

MALFORMED = "not-a-uuid"

# (method, path template, JSON body); {org}, {project}, {member}, {invite} are
# filled from the victim's org.
ROUTES = [
    ("GET", "/opsboard/orgs/{org}", None),
    ("PUT", "/opsboard/orgs/{org}", {"name": "Taken over"}),
    ("DELETE", "/opsboard/orgs/{org}", None),
    (
        "POST",
        "/opsboard/orgs/{org}/invite",
        {"email": "mole@evil.test", "role": "owner"},
    ),
    ("DELETE", "/opsboard/orgs/{org}/invites/{invite}", None),
    ("POST", "/opsboard/orgs/{org}/accept-invite", None),
    ("POST", "/opsboard/orgs/{org}/remove-member", {"user_id": "{member}"}),
    (
        "POST",
        "/opsboard/orgs/{org}/change-role",
        {"user_id": "{member}", "role": "business_user"},
    ),
    ("GET", "/opsboard/projects/{project}", None),
    ("PUT", "/opsboard/projects/{project}", {"name": "Taken over"}),
    ("DELETE", "/opsboard/projects/{project}", None),
    ("POST", "/opsboard/projects/{project}/regenerate-key", None),
]
COLLECTIONS = [
    ("GET", "/opsboard/orgs/", None),
    ("POST", "/opsboard/orgs/", {"name": "Mine"}),
    ("GET", "/opsboard/orgs/invites", None),
    ("GET", "/opsboard/projects/", None),
    ("POST", "/opsboard/projects/", {"name": "Mine", "org_id": "{org}"}),
]


@pytest.fixture
def victim(app, client, tokens):
    """An org with a project, a second member and a pending invite."""
    owner, member = tokens.user(), tokens.user()
    org = personal_org(client, owner)
    set_plan(app, org["id"])
    join(client, owner, org["id"], member, "developer")
    client.post(
        f"/opsboard/orgs/{org['id']}/invite",
        headers=owner.headers,
        json={"email": "pending@example.com", "role": "developer"},
    )
    project = default_project(client, owner)
    return {
        "owner": owner,
        "ids": {
            "org": org["id"],
            "project": project["id"],
            "member": member.id,
            "invite": "pending@example.com",
        },
        "api_key": project["api_key"],
    }


def fill(value, ids):
    """A path or body with the placeholders filled in."""
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    return value


def call(client, method, path, body, headers):
    return client.open(path, method=method, json=body, headers=headers)


def shape(path):
    """A path with its placeholders (Flask's or the matrix's) made alike."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path).rstrip("/")


def test_the_matrix_covers_every_route(app):
    covered = {(method, shape(path)) for method, path, _ in ROUTES + COLLECTIONS}
    registered = {
        (method, shape(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("orgs", "projects")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }

    assert registered == covered


@pytest.mark.parametrize("method, path, body", ROUTES, ids=str)
def test_another_orgs_ids_always_answer_404(client, tokens, victim, method, path, body):
    outsider = tokens.user()
    personal_org(client, outsider)

    response = call(
        client,
        method,
        fill(path, victim["ids"]),
        fill(body, victim["ids"]),
        outsider.headers,
    )

    assert response.status_code == 404, response.json
    assert response.json["code"] == 404
    assert response.json["message"] in (
        "Organization not found",
        "Project not found",
        "Invite not found",
    )


def test_another_org_never_shows_up_or_changes(client, tokens, victim):
    outsider = tokens.user()
    personal_org(client, outsider)
    ids = victim["ids"]
    for method, path, body in ROUTES:
        call(client, method, fill(path, ids), fill(body, ids), outsider.headers)

    created = client.post(
        "/opsboard/projects",
        headers=outsider.headers,
        json={"name": "Mine", "org_id": ids["org"]},
    )
    orgs = client.get("/opsboard/orgs", headers=outsider.headers).json
    projects = client.get("/opsboard/projects", headers=outsider.headers).json
    detail = client.get(f"/opsboard/orgs/{ids['org']}", headers=victim["owner"].headers)
    project = client.get(
        f"/opsboard/projects/{ids['project']}", headers=victim["owner"].headers
    )

    assert created.status_code == 404
    assert ids["org"] not in [o["id"] for o in orgs]
    assert ids["project"] not in [p["id"] for p in projects]
    assert detail.json["name"] == "Ada Lovelace's org"
    assert {u["role"] for u in detail.json["users"]} == {"owner", "developer"}
    assert [i["email"] for i in detail.json["invites"]] == ["pending@example.com"]
    assert project.json["api_key"] == victim["api_key"]
    assert project.json["name"] == "Default Project"


@pytest.mark.parametrize("method, path, body", ROUTES, ids=str)
def test_malformed_ids_in_paths_answer_404(client, victim, method, path, body):
    ids = {**victim["ids"], "org": MALFORMED, "project": MALFORMED}

    response = call(
        client,
        method,
        fill(path, ids),
        fill(body, victim["ids"]),
        victim["owner"].headers,
    )

    assert response.status_code == 404
    assert response.json["code"] == 404
    assert response.is_json


@pytest.mark.parametrize("method, path, body", ROUTES + COLLECTIONS, ids=str)
@pytest.mark.parametrize(
    "org_id", [str(uuid.uuid4()), MALFORMED], ids=["unknown", "malformed"]
)
def test_every_route_needs_a_token_first(client, method, path, body, org_id):
    ids = {
        "org": org_id,
        "project": org_id,
        "member": str(uuid.uuid4()),
        "invite": "a@b.c",
    }

    response = call(client, method, fill(path, ids), fill(body, ids), {})

    assert response.status_code == 401
    assert response.json["code"] == 401


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/opsboard/projects", {"name": "p", "org_id": MALFORMED}, "org_id"),
        ("/opsboard/projects", {"name": "p", "org_id": 12}, "org_id"),
        ("/opsboard/orgs/{org}/remove-member", {"user_id": MALFORMED}, "user_id"),
        (
            "/opsboard/orgs/{org}/change-role",
            {"user_id": "123e4567-e89b-12d3-a456-42661417400", "role": "admin"},
            "user_id",
        ),
    ],
)
def test_malformed_ids_in_bodies_answer_422(client, victim, path, body, field):
    response = client.post(
        fill(path, victim["ids"]), headers=victim["owner"].headers, json=body
    )

    assert response.status_code == 422
    assert field in response.json["errors"]


def test_visibility_is_checked_before_the_body(client, tokens, victim):
    outsider = tokens.user()

    response = client.put(
        f"/opsboard/orgs/{victim['ids']['org']}",
        headers=outsider.headers,
        json={"name": ""},
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b"null",
        b'"text"',
        b"{",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"name": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
        b'{"name": ' + b'{"a": ' * 40 + b"1" + b"}" * 40 + b"}",
    ],
    ids=["text", "array", "null", "string", "cut", "deep", "deep-field", "nested"],
)
def test_garbage_bodies_never_cause_a_500(client, victim, body):
    for method, path, schema_body in ROUTES + COLLECTIONS:
        if schema_body is None:
            continue
        response = client.open(
            fill(path, victim["ids"]),
            method=method,
            data=body,
            content_type="application/json",
            headers=victim["owner"].headers,
        )
        assert response.status_code in (400, 404, 409, 422), (path, response.json)


BILLING = [
    ("POST", "/opsboard/orgs/{org}/create-checkout-session", {"price_id": "price_1"}),
    ("POST", "/opsboard/orgs/{org}/cancel-subscription", {"subscription_id": "sub_1"}),
    ("POST", "/opsboard/orgs/{org}/reactivate-subscription", None),
    ("POST", "/opsboard/orgs/{org}/validate-discount-code", {"discount_code": "X"}),
]


def test_billing_matrix_covers_every_billing_route(app):
    registered = {
        (method, shape(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] == "billing"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }

    assert registered == {(method, shape(path)) for method, path, _ in BILLING}


@pytest.mark.parametrize("method, path, body", BILLING, ids=str)
@pytest.mark.parametrize("org_id", [str(uuid.uuid4()), MALFORMED])
def test_billing_routes_check_the_token_before_the_id(
    client, tokens, method, path, body, org_id
):
    url = fill(path, {"org": org_id})

    anonymous = call(client, method, url, body, {})
    signed_in = call(client, method, url, body, tokens.user().headers)

    assert anonymous.status_code == 401
    assert signed_in.status_code == 404
    assert signed_in.json["message"] == "Organization not found"


def doc_path(template):
    """The OpenAPI path of a matrix path template."""
    for name, parameter in (("org", "org_id"), ("project", "project_id")):
        template = template.replace(f"{{{name}}}", f"{{{parameter}}}")
    return template.replace("{invite}", "{email}")


def test_every_error_these_routes_give_is_in_the_openapi_document(
    app, client, tokens, victim
):
    doc = client.get("/openapi.json").json
    developer, outsider = tokens.user(), tokens.user()
    join(client, victim["owner"], victim["ids"]["org"], developer, "developer")
    personal_org(client, outsider)
    ids, owner = victim["ids"], victim["owner"]
    seen = set()

    def send(method, template, body, headers, **options):
        url = fill(template, ids)
        if "data" in options:
            response = client.open(url, method=method, headers=headers, **options)
        else:
            response = call(client, method, url, fill(body, ids), headers)
        seen.add((method, template, response.status_code))

    for method, template, body in ROUTES + COLLECTIONS + BILLING:
        send(method, template, body, {})
        send(method, template, body, outsider.headers)
        send(method, template, body, developer.headers)
        send(method, template, body, owner.headers)
        if body is not None:
            for data, kind in ((b"{", "application/json"), (b"x", "text/plain")):
                send(
                    method, template, body, owner.headers, data=data, content_type=kind
                )
    me = {"user_id": str(owner.id)}
    send("POST", "/opsboard/orgs/{org}/remove-member", me, owner.headers)
    send(
        "POST",
        "/opsboard/orgs/{org}/change-role",
        {**me, "role": "admin"},
        owner.headers,
    )
    send(
        "POST",
        "/opsboard/orgs/{org}/change-role",
        {**me, "role": "boss"},
        owner.headers,
    )

    undocumented = sorted(
        (method, template, status)
        for method, template, status in seen
        if status >= 400
        and str(status)
        not in doc["paths"][doc_path(template)][method.lower()]["responses"]
    )
    assert undocumented == []
    assert {status for *_, status in seen} >= {400, 401, 403, 404, 409, 415, 422, 503}
