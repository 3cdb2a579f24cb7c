"""Request and response shapes for users."""

from marshmallow import Schema, fields, validate

AVATAR_URL_PATTERN = (
    r"^https?://[A-Za-z0-9]+(\.[A-Za-z0-9]+)*(:[0-9]{1,5})?"
    r"(/[A-Za-z0-9._~:/?#@!$&'()*+,;=-]*)?$"
)


class AvatarUrl(fields.String):
    """An http(s) URL of a picture; the pattern that checks it is documented."""

    def __init__(self, **kwargs) -> None:
        super().__init__(
            validate=[
                validate.Length(max=2048),
                validate.Regexp(AVATAR_URL_PATTERN, error="Not a valid http(s) URL."),
            ],
            metadata={"format": "uri", "pattern": AVATAR_URL_PATTERN},
            **kwargs,
        )


def TextMap(**kwargs) -> fields.Dict:  # noqa: N802 - reads as a field class
    """A flat object of text values (an address, a card summary)."""
    return fields.Dict(
        keys=fields.String(validate=validate.Length(max=100)),
        values=fields.String(allow_none=True, validate=validate.Length(max=1000)),
        **kwargs,
    )


class UserSchema(Schema):
    """A user as the API shows it."""

    id = fields.UUID(dump_only=True)
    email = fields.String(dump_only=True, allow_none=True)
    full_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    avatar_url = AvatarUrl(allow_none=True)
    billing_address = TextMap(allow_none=True)
    payment_method = TextMap(allow_none=True)
    survey_is_complete = fields.Boolean(dump_only=True)


class UserUpdateSchema(Schema):
    """The fields a user may change on themselves."""

    full_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    avatar_url = AvatarUrl(allow_none=True)
    billing_address = TextMap(allow_none=True)
    payment_method = TextMap(allow_none=True)


class SuccessSchema(Schema):
    """A plain success answer."""

    success = fields.Boolean(required=True)
    message = fields.String()
