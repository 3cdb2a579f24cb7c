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


# Answers


class UsageSchema(Schema):
    """Tokens and cost (USD; null when nothing in them could be priced)."""

    prompt_tokens = fields.Integer()
    completion_tokens = fields.Integer()
    cache_read_tokens = fields.Integer()
    cache_write_tokens = fields.Integer()
    reasoning_tokens = fields.Integer()
    total_tokens = fields.Integer()
    prompt_cost = fields.Float(allow_none=True)
    completion_cost = fields.Float(allow_none=True)
    total_cost = fields.Float(allow_none=True)


class AggregateUsageSchema(UsageSchema):
    """Usage summed over many calls."""

    unpriced_llm_calls = fields.Integer()


class TraceSummarySchema(Schema):
    """One trace of the list."""

    trace_id = fields.String()
    root_span_name = fields.String()
    root_service_name = fields.String()
    start_time = fields.String(metadata={"format": "date-time"})
    end_time = fields.String(metadata={"format": "date-time"})
    duration = fields.Integer(metadata={"description": "ns"})
    span_count = fields.Integer()
    error_count = fields.Integer()
    tags = fields.List(fields.String())
    total_tokens = fields.Integer()
    total_cost = fields.Float(allow_none=True)
    freeplan_truncated = fields.Boolean()


class TraceListMetricsSchema(AggregateUsageSchema):
    """Totals over every trace matching the filters (traces counted by status)."""

    trace_count = fields.Integer()
    span_count = fields.Integer()
    ok_count = fields.Integer()
    error_count = fields.Integer()
    unset_count = fields.Integer()
    average_cost_per_trace = fields.Float(allow_none=True)


class TraceListSchema(Schema):
    """A page of traces."""

    traces = fields.List(fields.Nested(TraceSummarySchema))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
    next_cursor = fields.String(allow_none=True)
    metrics = fields.Nested(TraceListMetricsSchema)
    freeplan_truncated = fields.Boolean()


class CallSchema(UsageSchema):
    """The usage of one LLM call."""

    model = fields.String(allow_none=True)
    provider = fields.String(allow_none=True)


class EventSchema(Schema):
    """A span event."""

    timestamp = fields.String(metadata={"format": "date-time"})
    name = fields.String()
    attributes = fields.Dict()


class LinkSchema(Schema):
    """A link to another span."""

    trace_id = fields.String()
    span_id = fields.String()
    trace_state = fields.String()
    attributes = fields.Dict()


class SpanSchema(Schema):
    """One span of a trace."""

    span_id = fields.String()
    parent_span_id = fields.String(allow_none=True)
    span_name = fields.String()
    span_kind = fields.String()
    span_type = fields.String()
    service_name = fields.String()
    start_time = fields.String(metadata={"format": "date-time"})
    end_time = fields.String(metadata={"format": "date-time"})
    duration = fields.Integer()
    status_code = fields.String()
    status_message = fields.String()
    span_attributes = fields.Dict()
    resource_attributes = fields.Dict()
    events = fields.List(fields.Nested(EventSchema))
    links = fields.List(fields.Nested(LinkSchema))
    metrics = fields.Nested(CallSchema, allow_none=True)


class TraceMetricsSchema(AggregateUsageSchema):
    """A trace's times, counts and usage."""

    start_time = fields.String(metadata={"format": "date-time"})
    end_time = fields.String(metadata={"format": "date-time"})
    duration = fields.Integer()
    span_count = fields.Integer()
    error_count = fields.Integer()
    llm_calls = fields.Integer()


class TraceSchema(Schema):
    """One trace with its spans."""

    trace_id = fields.String()
    project_id = fields.String()
    tags = fields.List(fields.String())
    freeplan_truncated = fields.Boolean()
    metrics = fields.Nested(TraceMetricsSchema)
    spans = fields.List(fields.Nested(SpanSchema))
