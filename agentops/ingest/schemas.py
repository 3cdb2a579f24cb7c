"""Request and answer bodies of the project token endpoint."""

from marshmallow import EXCLUDE, Schema, fields


class AuthTokenRequestSchema(Schema):
    """A project API key to trade for a project token."""

    class Meta:
        unknown = EXCLUDE

    api_key = fields.String(
        required=True,
        metadata={"description": "a project API key", "format": "uuid"},
    )


class AuthTokenSchema(Schema):
    """A project token for the SDK."""

    token = fields.String(required=True)
    project_id = fields.String(required=True)
    project_prem_status = fields.String(required=True)
