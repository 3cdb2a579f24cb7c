"""What the OpenAPI document says about text, beyond what marshmallow states.

PostgreSQL stores no NUL character in text or JSON, so the API refuses them
(see `extensions.JsonBodyParser`); the document says so for every string field
and for free-form JSON objects, so that clients and property-based tests
know that such input is invalid rather than finding out from a 422.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Api
from marshmallow import fields

NO_NUL_PATTERN = "^[^\\x00]*$"
STORABLE_JSON = "StorableJson"
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
