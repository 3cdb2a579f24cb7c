"""Put spans into the test ClickHouse the way `/v1/traces` stores them."""

from __future__ import annotations

import copy
import gc
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from agentops.clickhouse import store
from agentops.extensions import db
from agentops.ingest.otlp import COLUMNS, from_json, span_rows
from agentops.projects.models import Project


def release_unused_stores() -> None:
    """Collect apps of earlier tests, and the chdb clients they still hold.

    The folder lock is held once per process, but clients of earlier apps left
    in reference cycles keep engine handles open until they are collected.
    """
    gc.collect()


def default_project_id(app: Flask, user_id: str) -> str:
    """The id of the "Default Project" provisioned for a user."""
    from agentops.orgs.models import OrgMember

    with app.app_context():
        project = db.session.scalars(
            db.select(Project)
            .join(OrgMember, OrgMember.org_id == Project.org_id)
            .where(
                OrgMember.user_id == uuid.UUID(user_id),
                Project.name == "Default Project",
            )
        ).first()
        assert project is not None, "the user has made no request yet"
        return str(project.id)


def store_spans(app: Flask, project_id: str, document: dict[str, Any]) -> int:
    """Store an OTLP/JSON export for a project; returns the spans stored."""
    request = from_json(copy.deepcopy(document))
    release_unused_stores()
    with app.app_context():
        batch = span_rows(request, project_id)
        assert batch.rejected == 0, batch.reasons
        store().insert("otel_traces", batch.rows, COLUMNS)
    return len(batch.rows)


def load(path: Path) -> dict[str, Any]:
    """Read a JSON file."""
    return json.loads(path.read_text())


def set_plan(app: Flask, project_id: str, plan: str) -> None:
    """Put the project's org on a plan."""
    with app.app_context():
        project = db.session.get(Project, uuid.UUID(project_id))
        project.org.prem_status = plan
        db.session.commit()


def span(
    trace_id: str,
    span_id: str,
    name: str,
    start_ns: int,
    duration_ns: int = 1_000_000,
    parent_id: str = "",
    attributes: dict[str, Any] | None = None,
    status: int | str = 0,
    kind: int | str = 1,
) -> dict[str, Any]:
    """One OTLP/JSON span; attribute values typed from their Python type."""
    pairs = []
    for key, value in (attributes or {}).items():
        if isinstance(value, bool):
            typed = {"boolValue": value}
        elif isinstance(value, int):
            typed = {"intValue": str(value)}
        elif isinstance(value, float):
            typed = {"doubleValue": value}
        elif isinstance(value, list):
            typed = {"arrayValue": {"values": [{"stringValue": v} for v in value]}}
        else:
            typed = {"stringValue": str(value)}
        pairs.append({"key": key, "value": typed})
    return {
        "traceId": trace_id,
        "spanId": span_id,
        "parentSpanId": parent_id,
        "name": name,
        "kind": kind,
        "startTimeUnixNano": str(start_ns),
        "endTimeUnixNano": str(start_ns + duration_ns),
        "attributes": pairs,
        "status": {"code": status},
    }


def export(spans: list[dict[str, Any]], service: str = "agent") -> dict[str, Any]:
    """An OTLP/JSON export of spans from one service."""
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        {"key": "service.name", "value": {"stringValue": service}}
                    ]
                },
                "scopeSpans": [{"scope": {"name": "test"}, "spans": spans}],
            }
        ]
    }


def member_project(app: Flask, client: Any, user: Any, plan: str = "pro") -> str:
    """Provision the user, put their org on a plan, return the project id."""
    release_unused_stores()
    response = client.get("/opsboard/users/me", headers=user.headers)
    assert response.status_code == 200, response.json
    project_id = default_project_id(app, user.id)
    set_plan(app, project_id, plan)
    return project_id


@pytest.fixture
def reader(app: Flask, client: Any, tokens: Any) -> tuple[dict[str, str], str]:
    """A user with a pro project; returns (headers, project id)."""
    user = tokens.user()
    return user.headers, member_project(app, client, user)
