"""Request and response shapes for projects."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from agentops.orgs.models import PLANS, ROLES
from agentops.orgs.schemas import Name, OrgSchema
from agentops.projects.models import ENVIRONMENTS

ENVIRONMENT = validate.OneOf(ENVIRONMENTS)


class OrgSummarySchema(Schema):
    """The org a listed project belongs to."""

    id = fields.UUID(required=True)
    name = fields.String(required=True)
    prem_status = fields.String(required=True, metadata={"enum": list(PLANS)})
    current_user_role = fields.String(required=True, metadata={"enum": list(ROLES)})


class ProjectSchema(Schema):
    """A project with its full org."""

    id = fields.UUID(required=True)
    org_id = fields.UUID(required=True)
    name = fields.String(required=True)
    environment = fields.String(required=True, metadata={"enum": list(ENVIRONMENTS)})
    api_key = fields.UUID(
        required=True, metadata={"description": "The key SDKs send spans with"}
    )
    org = fields.Nested(OrgSchema, required=True)


class ProjectListItemSchema(ProjectSchema):
    """A listed project: its org in short, and its all-time counts."""

    org = fields.Nested(OrgSummarySchema, required=True)
    trace_count = fields.Integer(
        allow_none=True,
        metadata={"description": "All-time traces; null when ClickHouse is down"},
    )
    span_count = fields.Integer(
        allow_none=True,
        metadata={"description": "All-time spans; null when ClickHouse is down"},
    )


class ProjectCreateSchema(Schema):
    """A new project."""

    name = Name(required=True)
    org_id = fields.UUID(required=True)
    environment = fields.String(load_default="development", validate=ENVIRONMENT)


class ProjectUpdateSchema(Schema):
    """The fields of a project its org's admins may change."""

    name = Name()
    environment = fields.String(validate=ENVIRONMENT)
