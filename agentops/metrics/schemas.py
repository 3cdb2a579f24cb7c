"""Query arguments of the metrics endpoint."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate

from agentops.metrics.queries import BUCKETS
from agentops.traces.schemas import AggregateUsageSchema, WindowSchema


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """The IANA zone names, without the `posix/` and `right/` copies."""
    return frozenset(
        name
        for name in available_timezones()
        if not name.startswith(("posix", "right"))
    )


def check_zone(name: str) -> None:
    """Accept only IANA time zone names."""
    if name not in zone_names():
        raise ValidationError(f"Unknown time zone {name[:64]!r}; use an IANA name")


class MetricsArgs(WindowSchema):
    """The project, window, chart interval and time zone."""

    interval = fields.String(validate=validate.OneOf(tuple(BUCKETS)))
    tz = fields.String(load_default="UTC", validate=check_zone)


# Answers


class SpanCountSchema(Schema):
    """Spans by status."""

    total = fields.Integer()
    success = fields.Integer()
    fail = fields.Integer()
    unknown = fields.Integer()


class TraceStatusSchema(Schema):
    """Traces (or their tokens) by status."""

    ok = fields.Integer()
    error = fields.Integer()
    unset = fields.Integer()


class AverageTokensSchema(Schema):
    """Average tokens per trace, over all traces and by status."""

    all = fields.Float()
    ok = fields.Float()
    error = fields.Float()


class TokenMetricsSchema(AggregateUsageSchema):
    """Usage over the window's traces."""

    llm_calls = fields.Integer()
    average_cost_per_trace = fields.Float(allow_none=True)
    tokens_by_trace_status = fields.Nested(TraceStatusSchema)
    avg_tokens_per_trace = fields.Nested(AverageTokensSchema)


class DurationSchema(Schema):
    """Duration statistics in ns."""

    min = fields.Integer()
    max = fields.Integer()
    avg = fields.Integer()
    total = fields.Integer()
    p50 = fields.Integer()
    p90 = fields.Integer()
    p95 = fields.Integer()
    p99 = fields.Integer()


class DurationMetricsSchema(Schema):
    """Durations of traces and of LLM calls."""

    traces = fields.Nested(DurationSchema)
    llm_spans = fields.Nested(DurationSchema)


class ModelUsageSchema(AggregateUsageSchema):
    """One model's usage."""

    model = fields.String(allow_none=True)
    provider = fields.String(allow_none=True)
    llm_calls = fields.Integer()


class SeriesPointSchema(Schema):
    """One bucket of the time series."""

    bucket_start = fields.String(metadata={"format": "date-time"})
    traces = fields.Integer()
    spans = fields.Integer()
    errors = fields.Integer()
    total_tokens = fields.Integer()
    total_cost = fields.Float(allow_none=True)


class SpansPerTraceSchema(Schema):
    """How many traces have between min_spans and max_spans spans."""

    min_spans = fields.Integer()
    max_spans = fields.Integer(allow_none=True)
    traces = fields.Integer()


class ProjectMetricsSchema(Schema):
    """Everything the dashboard charts for a project and window."""

    project_id = fields.String()
    start_time = fields.String(metadata={"format": "date-time"})
    end_time = fields.String(metadata={"format": "date-time"})
    interval = fields.String()
    tz = fields.String()
    freeplan_truncated = fields.Boolean()
    trace_count = fields.Integer()
    span_count = fields.Nested(SpanCountSchema)
    trace_status = fields.Nested(TraceStatusSchema)
    token_metrics = fields.Nested(TokenMetricsSchema)
    duration_metrics = fields.Nested(DurationMetricsSchema)
    models = fields.List(fields.Nested(ModelUsageSchema))
    series = fields.List(fields.Nested(SeriesPointSchema))
    spans_per_trace = fields.List(fields.Nested(SpansPerTraceSchema))
