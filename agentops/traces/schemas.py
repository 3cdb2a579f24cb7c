"""Query arguments of the trace endpoints."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from agentops.traces.queries import SORT_COLUMNS

STATUSES = ("ok", "error", "unset")
# The range of span timestamps (nanoseconds in a signed 64-bit integer).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2261, 12, 31, tzinfo=UTC)
SORT_ORDERS = ("asc", "desc")


def lower_fields(data: Any, names: tuple[str, ...]) -> Any:
    """Lower-case the named query values so that any letter case is accepted."""
    if not hasattr(data, "to_dict"):
        return data
    flat = data.to_dict(flat=False)
    for name in names:
        if name in flat:
            flat[name] = [value.strip().lower() for value in flat[name]]
    return {
        key: values if key == "tags" else values[-1] for key, values in flat.items()
    }


class WindowSchema(Schema):
    """A project and an optional time window (naive times are UTC)."""

    project_id = fields.UUID(required=True)
    start_time = fields.AwareDateTime(default_timezone=UTC, load_default=None)
    end_time = fields.AwareDateTime(default_timezone=UTC, load_default=None)

    @validates_schema
    def check_window(self, data: dict[str, Any], **_: Any) -> None:
        """Refuse times spans cannot have, and a window that ends before it starts."""
        start, end = data.get("start_time"), data.get("end_time")
        for name, moment in (("start_time", start), ("end_time", end)):
            if moment and not EARLIEST <= moment <= LATEST:
                raise ValidationError("must be between 1970 and 2261", name)
        if start and end and start > end:
            raise ValidationError("start_time is after end_time", "start_time")


class TraceListArgs(WindowSchema):
    """Filters, sorting and paging of the trace list."""

    span_name = fields.String(validate=validate.Length(min=1, max=500))
    query = fields.String(validate=validate.Length(min=1, max=500))
    status = fields.String(validate=validate.OneOf(STATUSES))
    tags = fields.List(
        fields.String(validate=validate.Length(max=200)), load_default=list
    )
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    offset = fields.Integer(
        load_default=0, validate=validate.Range(min=0, max=1_000_000)
    )
    cursor = fields.String(validate=validate.Length(min=1, max=2000))
    order_by = fields.String(
        load_default="start_time", validate=validate.OneOf(tuple(SORT_COLUMNS))
    )
    sort_order = fields.String(
        load_default="desc", validate=validate.OneOf(SORT_ORDERS)
    )

    @pre_load
    def normalize(self, data: Any, **_: Any) -> Any:
        """Accept `sort_order` and `status` in any letter case; keep every tag."""
        return lower_fields(data, ("sort_order", "status"))


class TraceDetailArgs(Schema):
    """The project a trace is looked up in."""

    project_id = fields.UUID(required=True)
