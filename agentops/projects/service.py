"""Projects: listing, creation, changes, deletion and their API keys."""

from __future__ import annotations

import hmac
import logging
import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from agentops.auth.access import lock_org, member_under_lock, org_for_admin
from agentops.errors import Forbidden
from agentops.extensions import db
from agentops.orgs import service as orgs
from agentops.orgs.models import ADMIN_ROLES, Org, OrgMember
from agentops.projects import queries
from agentops.projects.models import Project
from agentops.users.models import User

logger = logging.getLogger(__name__)

# Attempts at a fresh key before giving up; a collision of two random
# 122-bit keys is not expected in practice, so one retry is plenty.
KEY_ATTEMPTS = 2


def new_api_key() -> uuid.UUID:
    """A fresh random API key (a version 4 UUID from the OS's secure source)."""
    return uuid.uuid4()


def describe(project: Project, org: dict[str, Any]) -> dict[str, Any]:
    """A project as the API shows it, with the org as given."""
    return {
        "id": project.id,
        "org_id": project.org_id,
        "name": project.name,
        "environment": project.environment,
        "api_key": project.api_key,
        "org": org,
    }


def detail(project: Project, member: OrgMember) -> dict[str, Any]:
    """A project with its full org."""
    return describe(project, orgs.describe_one(project.org, member.role))


def list_for_user(user: User) -> list[dict[str, Any]]:
    """Every project in the caller's orgs but the demo org, with span counts."""
    query = (
        select(Project, Org, OrgMember.role)
        .join(Org, Org.id == Project.org_id)
        .join(OrgMember, OrgMember.org_id == Project.org_id)
        .where(OrgMember.user_id == user.id)
        .order_by(Org.created_at, Org.id, Project.created_at, Project.id)
    )
    demo_id = orgs.demo_org_id()
    if demo_id is not None:
        query = query.where(Project.org_id != demo_id)
    rows = db.session.execute(query).all()
    counts = span_counts([str(project.id) for project, _, _ in rows])
    listed = []
    for project, org, role in rows:
        summary = {
            "id": org.id,
            "name": org.name,
            "prem_status": org.prem_status,
            "current_user_role": role,
        }
        shown = describe(project, summary)
        if counts is None:
            shown["trace_count"] = shown["span_count"] = None
        else:
            traces, spans = counts.get(str(project.id), (0, 0))
            shown["trace_count"], shown["span_count"] = traces, spans
        listed.append(shown)
    return listed


def span_counts(project_ids: list[str]) -> dict[str, tuple[int, int]] | None:
    """Trace and span counts per project; None when ClickHouse cannot answer.

    The project list is the dashboard's entry point, so it still answers
    (with null counts) while the span store is down.
    """
    try:
        return queries.span_counts(project_ids)
    except Exception:  # noqa: BLE001 - any span-store failure degrades to no counts
        logger.warning(
            "span counts unavailable for %d project(s)", len(project_ids), exc_info=True
        )
        return None


def create(
    user: User, org_id: uuid.UUID, name: str, environment: str
) -> dict[str, Any]:
    """Create a project in an org the caller administers, within the plan's limit."""
    org, member = org_for_admin(org_id, user)
    lock_org(org.id)
    member = member_under_lock(org.id, user.id, ADMIN_ROLES)
    db.session.refresh(org)
    if orgs.is_free(org):
        limit = orgs.settings().FREEPLAN_MAX_PROJECTS
        existing = db.session.scalar(
            select(func.count()).select_from(Project).where(Project.org_id == org.id)
        )
        if existing >= limit:
            raise Forbidden(
                f"The free plan allows {limit} project(s) per organization; "
                "upgrade the organization to add more"
            )
    project = Project(
        org_id=org.id, name=name, environment=environment, api_key=new_api_key()
    )
    db.session.add(project)
    # Read before the commit: afterwards another request may remove the caller.
    role = member.role
    db.session.commit()
    logger.info("user %s created project %s in org %s", user.id, project.id, org.id)
    return describe(project, orgs.describe_one(org, role))


def update_project(
    project: Project, member: OrgMember, changes: dict[str, Any]
) -> dict[str, Any]:
    """Rename a project or change its environment."""
    for name, value in changes.items():
        setattr(project, name, value)
    db.session.commit()
    return detail(project, member)


def delete(project: Project, member: OrgMember) -> None:
    """Delete a project; its spans stay in ClickHouse but nothing reads them."""
    project_id, org_id = project.id, project.org_id
    db.session.delete(project)
    db.session.commit()
    logger.info(
        "user %s deleted project %s of org %s", member.user_id, project_id, org_id
    )


def regenerate_key(project: Project) -> Project:
    """Give a project a new API key in one statement; the old key dies at commit."""
    for attempt in range(1, KEY_ATTEMPTS + 1):
        try:
            db.session.execute(
                update(Project)
                .where(Project.id == project.id)
                .values(api_key=new_api_key())
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
            break
        except IntegrityError:
            db.session.rollback()
            if attempt == KEY_ATTEMPTS:
                raise
    db.session.refresh(project)
    logger.info("API key of project %s regenerated", project.id)
    return project


def find_by_api_key(raw_key: str) -> Project | None:
    """The project an API key belongs to, or None; the key is compared in constant time.

    The lookup uses the unique index; the final comparison of the stored key
    with the presented one does not stop at the first differing byte.
    """
    try:
        key = uuid.UUID(raw_key.strip())
    except (AttributeError, ValueError):
        return None
    project = db.session.scalar(select(Project).where(Project.api_key == key))
    if project is None or not hmac.compare_digest(project.api_key.bytes, key.bytes):
        return None
    return project
