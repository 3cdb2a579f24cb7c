"""Creating the demo org, its project and its traces, once."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from agentops import clickhouse
from agentops.demo.traces import demo_requests
from agentops.extensions import db
from agentops.ingest import otlp
from agentops.ingest import service as ingest
from agentops.orgs.models import Org
from agentops.projects.models import Project
from agentops.settings import Settings

logger = logging.getLogger(__name__)

# Fixed ids, so that seeding twice finds what the first run made.
DEMO_ORG_ID = uuid.UUID("d3a0d3a0-0000-4000-8000-000000000001")
DEMO_PROJECT_ID = uuid.UUID("d3a0d3a0-0000-4000-8000-000000000002")
DEMO_ORG_NAME = "AgentOps Demo"
DEMO_PROJECT_NAME = "Demo Agents"


@dataclass
class SeedResult:
    """What `seed` found or made."""

    org_id: uuid.UUID
    project_id: uuid.UUID
    traces_added: int
    spans_added: int


def demo_org_id(settings: Settings) -> uuid.UUID:
    """The demo org's id: DEMO_ORG_ID when it is set, else the fixed one."""
    if settings.DEMO_ORG_ID:
        try:
            return uuid.UUID(settings.DEMO_ORG_ID)
        except ValueError:
            logger.warning(
                "DEMO_ORG_ID %r is not a UUID; ignoring it", settings.DEMO_ORG_ID
            )
    return DEMO_ORG_ID


def ensure_project(org_id: uuid.UUID) -> Project:
    """The demo org and its project, created when missing."""
    org = db.session.get(Org, org_id)
    if org is None:
        org = Org(id=org_id, name=DEMO_ORG_NAME, prem_status="pro")
        db.session.add(org)
        db.session.flush()
        logger.info("created demo org %s", org_id)
    project = db.session.scalar(
        db.select(Project).where(Project.org_id == org_id).order_by(Project.created_at)
    )
    if project is None:
        project_id = DEMO_PROJECT_ID if org_id == DEMO_ORG_ID else uuid.uuid4()
        project = Project(
            id=project_id,
            org_id=org_id,
            name=DEMO_PROJECT_NAME,
            environment="production",
        )
        db.session.add(project)
        logger.info("created demo project %s", project_id)
    db.session.commit()
    return project


def span_count(project_id: uuid.UUID) -> int:
    """How many spans the project already has."""
    spans = clickhouse.store()
    rows = spans.query(
        f"SELECT count() FROM {spans.table} WHERE project_id = {{project:String}}",
        {"project": str(project_id)},
    )
    return int(rows[0][0])


def seed(
    settings: Settings, now: datetime | None = None, traces: int = 300
) -> SeedResult:
    """Make the demo org, project and traces, unless they already exist."""
    project = ensure_project(demo_org_id(settings))
    result = SeedResult(project.org_id, project.id, 0, 0)
    if span_count(project.id):
        return result
    rows: list[list] = []
    for request in demo_requests(now or datetime.now(UTC), traces=traces):
        rows.extend(otlp.span_rows(request, str(project.id)).rows)
        result.traces_added += 1
    ingest.store_rows(rows, settings.INGEST_BATCH_SIZE, str(project.id))
    result.spans_added = len(rows)
    logger.info(
        "seeded demo project %s with %d traces", project.id, result.traces_added
    )
    return result
