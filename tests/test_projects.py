"""Projects through the HTTP API: listing with span counts, changes, API keys."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from tests.support.orgs import (
    default_project,
    join,
    personal_org,
    run_together,
    set_plan,
)

SPAN_COLUMNS = [
    "Timestamp",
    "TraceId",
    "SpanId",
    "ParentSpanId",
    "SpanName",
    "ServiceName",
    "ResourceAttributes",
    "Duration",
    "StatusCode",
]


@pytest.fixture
def owner(tokens):
    return tokens.user()


@pytest.fixture
def org(app, client, owner):
    shown = personal_org(client, owner)
    set_plan(app, shown["id"])
    return shown


def store_spans(app, project_id, traces):
    """Write `traces` traces of three spans each for a project."""
    rows = []
    for _ in range(traces):
        trace_id = uuid.uuid4().hex
        for index in range(3):
            rows.append(
                [
                    datetime.now(UTC),
                    trace_id,
                    uuid.uuid4().hex[:16],
                    "" if index == 0 else "parent",
                    f"span-{index}",
                    "agent",
                    {"agentops.project.id": project_id},
                    1_000_000,
                    "Ok",
                ]
            )
    with app.app_context():
        app.extensions["spans"].insert("otel_traces", rows, SPAN_COLUMNS)


def count_stored_spans(app, project_id):
    with app.app_context():
        spans = app.extensions["spans"]
        return spans.query(
            f"SELECT count() FROM {spans.table} WHERE project_id = {{p:String}}",
            {"p": project_id},
        )[0][0]


def create(client, user, org_id, **fields):
    return client.post(
        "/opsboard/projects",
        headers=user.headers,
        json={"name": "Agent", "org_id": org_id, **fields},
    )


def test_list_counts_traces_and_spans_of_every_project_in_one_query(
    app, client, owner, org, monkeypatch
):
    from agentops.clickhouse import SpanStore

    second = create(client, owner, org["id"], name="Second").json
    empty = create(client, owner, org["id"], name="Empty").json
    first = default_project(client, owner)
    store_spans(app, first["id"], traces=2)
    store_spans(app, second["id"], traces=1)
    queries = []
    real_query = SpanStore.query
    monkeypatch.setattr(
        SpanStore,
        "query",
        lambda self, sql, parameters=None: (
            queries.append(sql) or real_query(self, sql, parameters)
        ),
    )

    listed = client.get("/opsboard/projects/", headers=owner.headers).json

    counts = {p["name"]: (p["trace_count"], p["span_count"]) for p in listed}
    assert counts == {"Default Project": (2, 6), "Second": (1, 3), "Empty": (0, 0)}
    assert len(queries) == 1
    by_id = {p["id"]: p for p in listed}
    assert by_id[empty["id"]]["org"] == {
        "id": org["id"],
        "name": org["name"],
        "prem_status": "pro",
        "current_user_role": "owner",
    }
    assert by_id[empty["id"]]["environment"] == "development"
    assert uuid.UUID(by_id[empty["id"]]["api_key"])


def test_list_still_answers_when_clickhouse_fails(client, owner, monkeypatch):
    from agentops.clickhouse import SpanStore

    def broken(self, sql, parameters=None):
        raise ConnectionError("ClickHouse is down")

    monkeypatch.setattr(SpanStore, "query", broken)

    response = client.get("/opsboard/projects", headers=owner.headers)

    assert response.status_code == 200
    (project,) = response.json
    assert project["trace_count"] is None
    assert project["span_count"] is None


def test_detail_has_the_full_org(client, owner):
    project = default_project(client, owner)

    shown = client.get(f"/opsboard/projects/{project['id']}", headers=owner.headers)

    assert shown.status_code == 200
    assert shown.json["name"] == "Default Project"
    assert shown.json["org"]["current_project_count"] == 1
    assert shown.json["org"]["max_project_count"] == 1
    assert shown.json["org"]["current_user_role"] == "owner"
    assert shown.json["api_key"] == project["api_key"]


def test_create_defaults_to_development_and_makes_a_fresh_key(client, owner, org):
    first = create(client, owner, org["id"], name="  One  ")
    second = create(client, owner, org["id"], name="Two", environment="production")

    assert first.status_code == 201
    assert first.json["name"] == "One"
    assert first.json["environment"] == "development"
    assert first.json["org"]["current_project_count"] == 2
    assert second.json["environment"] == "production"
    keys = {
        first.json["api_key"],
        second.json["api_key"],
        default_project(client, owner)["api_key"],
    }
    assert len(keys) == 3


def test_free_org_at_its_project_limit_is_refused(client, owner):
    org = personal_org(client, owner)

    response = create(client, owner, org["id"])

    assert response.status_code == 403
    assert "free plan" in response.json["message"]


def test_developers_cannot_create_change_or_delete(client, tokens, owner, org):
    developer = tokens.user()
    join(client, owner, org["id"], developer, "developer")
    project = default_project(client, owner)
    path = f"/opsboard/projects/{project['id']}"

    assert create(client, developer, org["id"]).status_code == 403
    assert (
        client.put(path, headers=developer.headers, json={"name": "x"}).status_code
        == 403
    )
    assert client.delete(path, headers=developer.headers).status_code == 403
    regenerate = client.post(f"{path}/regenerate-key", headers=developer.headers)
    assert regenerate.status_code == 403
    assert client.get(path, headers=developer.headers).status_code == 200


def test_admins_change_but_only_owners_delete(client, tokens, owner, org):
    admin = tokens.user()
    join(client, owner, org["id"], admin, "admin")
    project = default_project(client, owner)
    path = f"/opsboard/projects/{project['id']}"

    renamed = client.put(
        path, headers=admin.headers, json={"name": "Renamed", "environment": "staging"}
    )
    by_admin = client.delete(path, headers=admin.headers)

    assert renamed.status_code == 200
    assert renamed.json["name"] == "Renamed"
    assert renamed.json["environment"] == "staging"
    assert renamed.json["org"]["current_user_role"] == "admin"
    assert by_admin.status_code == 403
    assert "owner" in by_admin.json["message"]


def test_an_empty_update_changes_nothing(client, owner):
    project = default_project(client, owner)

    response = client.put(
        f"/opsboard/projects/{project['id']}", headers=owner.headers, json={}
    )

    assert response.status_code == 200
    assert response.json["name"] == "Default Project"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"environment": "prod"}, "environment"),
        ({"environment": "Production"}, "environment"),
        ({"environment": None}, "environment"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"api_key": str(uuid.uuid4())}, "api_key"),
        ({"org_id": str(uuid.uuid4())}, "org_id"),
    ],
)
def test_update_refuses_bad_fields(client, owner, body, field):
    project = default_project(client, owner)

    response = client.put(
        f"/opsboard/projects/{project['id']}", headers=owner.headers, json=body
    )

    assert response.status_code == 422
    assert field in response.json["errors"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "p", "environment": "qa"}, "environment"),
        ({"name": "p"}, "org_id"),
        ({"org_id": "{org}"}, "name"),
    ],
)
def test_create_refuses_bad_fields(client, owner, org, body, field):
    body = {key: value.format(org=org["id"]) for key, value in body.items()}

    response = client.post("/opsboard/projects", headers=owner.headers, json=body)

    assert response.status_code == 422
    assert field in response.json["errors"]


def test_create_in_an_unknown_org_is_404(client, owner):
    response = create(client, owner, str(uuid.uuid4()))

    assert response.status_code == 404
    assert response.json["message"] == "Organization not found"


def test_delete_keeps_spans_in_clickhouse_but_the_project_is_gone(app, client, owner):
    project = default_project(client, owner)
    store_spans(app, project["id"], traces=1)

    deleted = client.delete(
        f"/opsboard/projects/{project['id']}", headers=owner.headers
    )

    assert deleted.status_code == 200
    assert deleted.json["success"] is True
    shown = client.get(f"/opsboard/projects/{project['id']}", headers=owner.headers)
    assert shown.status_code == 404
    assert client.get("/opsboard/projects", headers=owner.headers).json == []
    assert count_stored_spans(app, project["id"]) == 3


def test_regenerate_key_replaces_the_key_at_once(app, client, owner):
    from agentops.projects import service

    project = default_project(client, owner)
    old_key = project["api_key"]

    response = client.post(
        f"/opsboard/projects/{project['id']}/regenerate-key", headers=owner.headers
    )

    assert response.status_code == 200
    new_key = response.json["api_key"]
    assert new_key != old_key
    assert response.json["org"]["id"] == project["org"]["id"]
    with app.app_context():
        assert service.find_by_api_key(old_key) is None
        assert str(service.find_by_api_key(new_key).id) == project["id"]
        assert str(service.find_by_api_key(new_key.upper()).id) == project["id"]
    shown = client.get(f"/opsboard/projects/{project['id']}", headers=owner.headers)
    assert shown.json["api_key"] == new_key


@pytest.mark.parametrize(
    "key",
    ["", "nope", "  ", str(uuid.uuid4()), None],
    ids=["empty", "word", "blank", "unknown", "none"],
)
def test_unknown_or_malformed_keys_find_nothing(app, key):
    from agentops.projects import service

    with app.app_context():
        assert service.find_by_api_key(key) is None


def test_concurrent_creations_respect_the_free_plan_limit(make_app, tokens):
    app = make_app(FREEPLAN_MAX_PROJECTS=2)
    owner = tokens.user()
    org = personal_org(app.test_client(), owner)

    answers = run_together(
        *(
            (lambda n=n: create(app.test_client(), owner, org["id"], name=f"P{n}"))
            for n in range(4)
        )
    )

    assert sorted(answer.status_code for answer in answers) == [201, 403, 403, 403]
    listed = app.test_client().get("/opsboard/projects", headers=owner.headers).json
    assert len(listed) == 2
