"""Query arguments of the metrics endpoint."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from marshmallow import ValidationError, fields, validate

from agentops.metrics.queries import BUCKETS
from agentops.traces.schemas import WindowSchema


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
