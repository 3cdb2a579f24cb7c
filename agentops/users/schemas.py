"""Request and response shapes for users."""

from marshmallow import Schema, fields, validate


class UserSchema(Schema):
    """A user as the API shows it."""

    id = fields.UUID(dump_only=True)
    email = fields.String(dump_only=True, allow_none=True)
    full_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    avatar_url = fields.URL(allow_none=True, validate=validate.Length(max=2048))
    billing_address = fields.Dict(allow_none=True)
    payment_method = fields.Dict(allow_none=True)
    survey_is_complete = fields.Boolean(dump_only=True)


class UserUpdateSchema(Schema):
    """The fields a user may change on themselves."""

    full_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    avatar_url = fields.URL(allow_none=True, validate=validate.Length(max=2048))
    billing_address = fields.Dict(allow_none=True)
    payment_method = fields.Dict(allow_none=True)


class SuccessSchema(Schema):
    """A plain success answer."""

    success = fields.Boolean(required=True)
    message = fields.String()
