"""Request and response shapes for orgs, members and invites."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, fields, validate

from agentops.orgs.models import PLANS, ROLES

ROLE = validate.OneOf(ROLES)


class Name(fields.String):
    """A display name: surrounding spaces removed, 1 to 200 characters."""

    # Something besides white space, and no NUL; the document states it too.
    PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            validate=[
                validate.Length(min=1, max=200),
                validate.Regexp(self.PATTERN, error="Must not be blank."),
            ],
            metadata={"pattern": self.PATTERN},
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class NormalizedEmail(fields.Email):
    """An e-mail address, stored without surrounding spaces and lower-case."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip().lower()


class UtcTimestamp(fields.DateTime):
    """A timestamp written in UTC with microseconds and a `Z` suffix."""

    def _serialize(self, value: datetime | None, attr: Any, obj: Any, **kwargs: Any):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class OrgSchema(Schema):
    """An org as a member sees it."""

    id = fields.UUID(required=True)
    name = fields.String(required=True)
    prem_status = fields.String(
        required=True, metadata={"enum": list(PLANS), "description": "The plan"}
    )
    subscription_id = fields.String(allow_none=True)
    subscription_end_date = fields.Integer(
        allow_none=True,
        metadata={"description": "End of the paid period, unix seconds"},
    )
    subscription_cancel_at_period_end = fields.Boolean()
    current_user_role = fields.String(metadata={"enum": list(ROLES)})
    current_member_count = fields.Integer()
    max_member_count = fields.Integer(
        allow_none=True,
        metadata={"description": "The free plan's limit; null when paid"},
    )
    current_project_count = fields.Integer()
    max_project_count = fields.Integer(
        allow_none=True,
        metadata={"description": "The free plan's limit; null when paid"},
    )
    paid_member_count = fields.Integer()


class MemberSchema(Schema):
    """A member of an org."""

    user_id = fields.UUID(required=True)
    email = fields.String(allow_none=True)
    role = fields.String(required=True, metadata={"enum": list(ROLES)})
    is_paid = fields.Boolean()


class OrgInviteSchema(Schema):
    """A pending invite, as an org's admins see it."""

    email = fields.String(required=True)
    role = fields.String(required=True, metadata={"enum": list(ROLES)})
    inviter_email = fields.String(allow_none=True)
    created_at = UtcTimestamp()


class OrgDetailSchema(OrgSchema):
    """An org with its members; pending invites only for admins and owners."""

    users = fields.List(fields.Nested(MemberSchema), required=True)
    invites = fields.List(
        fields.Nested(OrgInviteSchema),
        metadata={"description": "Present for admins and owners only"},
    )


class MyInviteSchema(Schema):
    """A pending invite addressed to the caller."""

    org_id = fields.UUID(required=True)
    org_name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True, metadata={"enum": list(ROLES)})
    inviter_email = fields.String(allow_none=True)
    created_at = UtcTimestamp()


class OrgCreateSchema(Schema):
    """A new org."""

    name = Name(required=True)


class OrgUpdateSchema(Schema):
    """The fields of an org its admins may change."""

    name = Name(required=True)


class InviteCreateSchema(Schema):
    """Who to invite, and as what."""

    email = NormalizedEmail(required=True, validate=validate.Length(max=320))
    role = fields.String(required=True, validate=ROLE)


class InviteResultSchema(Schema):
    """The outcome of an invite: created, and whether the e-mail went out."""

    success = fields.Boolean(required=True)
    message = fields.String()
    email_sent = fields.Boolean(required=True)
    accept_url = fields.String(
        required=True, metadata={"description": "The link the e-mail carries"}
    )


class MemberRemoveSchema(Schema):
    """The member to remove."""

    user_id = fields.UUID(required=True)


class RoleChangeSchema(Schema):
    """The member whose role changes, and the new role."""

    user_id = fields.UUID(required=True)
    role = fields.String(required=True, validate=ROLE)
