"""Query arguments of the metrics endpoint."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import ValidationError, fields, validate

from agentops.metrics.queries import BUCKETS
from agentops.traces.schemas import WindowSchema


def check_zone(name: str) -> None:
    """Accept only IANA time zone names."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(f"Unknown time zone {name!r}") from error


class MetricsArgs(WindowSchema):
    """The project, window, chart interval and time zone."""

    interval = fields.String(validate=validate.OneOf(tuple(BUCKETS)))
    tz = fields.String(
        load_default="UTC", validate=[validate.Length(min=1, max=64), check_zone]
    )
