"""What the OpenAPI document says about text, beyond what marshmallow states.

PostgreSQL stores no NUL character in text or JSON, so the API refuses them
(see `extensions.JsonBodyParser`); the document says so for every string field
and for free-form JSON objects, so that clients and property-based tests
know that such input is invalid rather than finding out from a 422.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask_smorest import Api, Blueprint
from marshmallow import fields

NO_NUL_PATTERN = "^[^\\x00]*$"
STORABLE_JSON = "StorableJson"
F = TypeVar("F", bound=Callable[..., Any])
STORABLE_JSON_SCHEMA: dict[str, Any] = {
    "description": "Any JSON value whose strings and keys hold no NUL character.",
    "nullable": True,
    "oneOf": [
        {"type": "string", "pattern": NO_NUL_PATTERN},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "array", "items": {"$ref": f"#/components/schemas/{STORABLE_JSON}"}},
        {
            "type": "object",
            "propertyNames": {"pattern": NO_NUL_PATTERN},
            "additionalProperties": {"$ref": f"#/components/schemas/{STORABLE_JSON}"},
        },
    ],
}
UNCHECKED_FORMATS = {"uuid", "date-time", "date", "email", "uri", "url"}


def storable_text(self: Any, field: fields.Field, ret: dict[str, Any], **_: Any):
    """Document that strings and free-form objects must hold no NUL character."""
    if isinstance(field, fields.String) and not isinstance(field, fields.UUID):
        if "pattern" in ret or "enum" in ret or ret.get("format") in UNCHECKED_FORMATS:
            return {}
        return {"pattern": NO_NUL_PATTERN}
    if isinstance(field, fields.Dict):
        rules: dict[str, Any] = {"propertyNames": {"pattern": NO_NUL_PATTERN}}
        if field.value_field is None:
            rules["additionalProperties"] = {
                "$ref": f"#/components/schemas/{STORABLE_JSON}"
            }
        return rules
    return {}


def document_text_rules(api: Api) -> None:
    """Teach the app's OpenAPI document the rules above."""
    api.spec.components.schema(STORABLE_JSON, STORABLE_JSON_SCHEMA)
    api.ma_plugin.converter.add_attribute_function(storable_text)


# The error answers the document names; each has the error envelope's shape.
ERROR_NAMES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    413: "CONTENT_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
}
ERROR_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Missing or invalid credential",
    403: "The caller lacks the role, or a plan limit is reached",
    404: "Not found, or not visible to the caller",
    409: "Refused in the current state",
    413: "The body is too large",
    415: "The body is not JSON",
    502: "Stripe answered with an error",
    503: "Not configured on this server",
}
ID_PARAMETERS = ("{org_id}", "{project_id}")


def errors(blp: Blueprint, *codes: int) -> Callable[[F], F]:
    """Document the error answers a view gives beyond the common ones."""

    def decorate(view: F) -> F:
        for code in codes:
            view = blp.alt_response(code, response=ERROR_NAMES[code])(view)
        return view

    return decorate


def document_errors(api: Api) -> None:
    """Name every error answer once, and add the ones common to many operations.

    Every operation that needs a credential can answer 401; one with an org or
    project id in its path answers 404 for ids the caller may not see; one
    that reads a JSON body answers 400 (unparseable), 413 and 415. The rest
    are declared on the views with `errors`.
    """
    for code, name in ERROR_NAMES.items():
        api.spec.components.response(
            name,
            {
                "description": ERROR_DESCRIPTIONS[code],
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"}
                    }
                },
            },
        )


def add_common_errors(api: Api) -> None:
    """Add the common error answers (see `document_errors`) to every operation."""
    for path, operations in api.spec._paths.items():  # noqa: SLF001 - apispec's store
        for method, operation in operations.items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            codes = []
            if operation.get("security") != []:
                codes.append(401)
            if any(parameter in path for parameter in ID_PARAMETERS):
                codes.append(404)
            if "requestBody" in operation:
                codes.extend((400, 413, 415))
            for code in codes:
                responses.setdefault(
                    str(code), {"$ref": f"#/components/responses/{ERROR_NAMES[code]}"}
                )
