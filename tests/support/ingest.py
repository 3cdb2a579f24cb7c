"""Projects to ingest into, and reading their spans back from ClickHouse."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import Flask

from agentops import clickhouse
from agentops.extensions import db
from agentops.orgs.models import Org
from agentops.projects.models import Project


@dataclass
class IngestProject:
    """A project's id and API key."""

    id: str
    api_key: str
    org_id: str


def make_project(app: Flask, prem_status: str = "free") -> IngestProject:
    """Create an org with one project, straight in the database."""
    with app.app_context():
        org = Org(name=f"Org {uuid.uuid4().hex[:6]}", prem_status=prem_status)
        db.session.add(org)
        db.session.flush()
        project = Project(org_id=org.id, name="Ingest", environment="development")
        db.session.add(project)
        db.session.commit()
        made = IngestProject(str(project.id), str(project.api_key), str(org.id))
        db.session.remove()
        return made


SPAN_QUERY = """
SELECT
    toUnixTimestamp64Nano(Timestamp) AS start_ns,
    TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName,
    ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration,
    StatusCode, StatusMessage,
    arrayMap(t -> toUnixTimestamp64Nano(t), Events.Timestamp) AS event_ns,
    Events.Name AS event_names, Events.Attributes AS event_attributes,
    Links.TraceId AS link_trace_ids, Links.SpanId AS link_span_ids,
    Links.TraceState AS link_states, Links.Attributes AS link_attributes
FROM {table}
WHERE project_id = {{project_id:String}}
ORDER BY TraceId, SpanId
"""


def stored_spans(app: Flask, project_id: str) -> list[dict[str, Any]]:
    """Every stored span of a project, with nanosecond times."""
    with app.app_context():
        spans = clickhouse.store()
        return spans.query_dicts(
            SPAN_QUERY.format(table=spans.table), {"project_id": project_id}
        )
