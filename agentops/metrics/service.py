"""The project metrics the dashboard charts, for a window."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from clickhouse_connect.driver.exceptions import DatabaseError
from flask import current_app

from agentops.clickhouse import store
from agentops.errors import Unprocessable
from agentops.metrics.queries import metrics_sql
from agentops.pricing.prices import provider_id
from agentops.pricing.usage import KEY_SEPARATOR
from agentops.projects.models import Project
from agentops.traces.queries import COST_NAMES, TOKEN_NAMES, TraceFilters, totals_sql
from agentops.traces.service import (
    is_free,
    priced_parameters,
    usage_totals,
    visible_project,
)
from agentops.traces.spans import iso, to_ns
from agentops.users.models import User

logger = logging.getLogger(__name__)

DEFAULT_DAYS = 30
# Windows up to this long are charted by the hour unless asked otherwise.
HOURLY_UP_TO = timedelta(days=2)
# Empty buckets are filled in up to this many.
MAX_FILLED_BUCKETS = 2000
SPANS_PER_TRACE_BINS = ((1, 1), (2, 5), (6, 10), (11, 20), (21, 50), (51, 100))


def window(project: Project, args: dict[str, Any]) -> tuple[datetime, datetime, bool]:
    """The window asked for, cut to the free plan's reach; and whether it was cut."""
    end = args.get("end_time") or datetime.now(UTC)
    end = end if end.tzinfo else end.replace(tzinfo=UTC)
    start = args.get("start_time") or end - timedelta(days=DEFAULT_DAYS)
    start = start if start.tzinfo else start.replace(tzinfo=UTC)
    if not is_free(project):
        return start, end, False
    days = current_app.extensions["settings"].FREEPLAN_METRICS_DAYS_CUTOFF
    earliest = datetime.now(UTC) - timedelta(days=days)
    if start < earliest:
        return earliest, max(end, earliest), True
    return start, end, False


def project_metrics(user: User, args: dict[str, Any]) -> dict[str, Any]:
    """Counts, usage, durations, models and a time series for a project."""
    project = visible_project(args["project_id"], user)
    start, end, truncated = window(project, args)
    interval = args.get("interval") or (
        "hour" if end - start <= HOURLY_UP_TO else "day"
    )
    tz = args.get("tz") or "UTC"
    filters = TraceFilters(str(project.id), to_ns(start), to_ns(end))
    spans = store()
    params = {**priced_parameters(project, filters), "tz": tz}
    try:
        row = spans.query_dicts(metrics_sql(spans.table, filters, interval), params)[0]
    except DatabaseError as error:
        # The zone passed the IANA check but this ClickHouse does not know it.
        if "time zone" not in str(error).lower():
            raise
        raise Unprocessable(
            f"ClickHouse does not know the time zone {tz}", {"tz": ["Unknown zone."]}
        ) from None
    row = {key.removeprefix("m_"): value for key, value in row.items()}
    trace_count = int(row["trace_count"])
    usage = usage_totals(row, trace_count)
    statuses = {name: int(row[f"{name}_traces"]) for name in ("ok", "error", "unset")}
    return {
        "project_id": str(project.id),
        "start_time": iso(to_ns(start)),
        "end_time": iso(to_ns(end)),
        "interval": interval,
        "tz": tz,
        "freeplan_truncated": truncated,
        "trace_count": trace_count,
        "span_count": {
            "total": int(row["spans"] or 0),
            "success": int(row["ok_spans"] or 0),
            "fail": int(row["error_spans"] or 0),
            "unknown": int(row["spans"] or 0)
            - int(row["ok_spans"] or 0)
            - int(row["error_spans"] or 0),
        },
        "trace_status": statuses,
        "token_metrics": {
            **usage,
            "llm_calls": int(row["llm_calls"] or 0),
            "tokens_by_trace_status": {
                name: int(row[f"tokens_{name}"] or 0) for name in statuses
            },
            "avg_tokens_per_trace": {
                "all": ratio(usage["total_tokens"], trace_count),
                "ok": ratio(row["tokens_ok"], statuses["ok"]),
                "error": ratio(row["tokens_error"], statuses["error"]),
            },
        },
        "duration_metrics": {
            "traces": durations(
                row["trace_min"],
                row["trace_max"],
                row["trace_total"],
                trace_count,
                row["trace_quantiles"],
            ),
            "llm_spans": durations(
                row["llm_min"],
                row["llm_max"],
                row["llm_total"],
                int(row["llm_calls"] or 0),
                row["llm_quantiles"],
            ),
        },
        "models": models(row["models"]),
        "series": series(row["series"], start, end, interval, tz),
        "spans_per_trace": spans_per_trace(row["spans_per_trace"]),
    }


def project_usage(project: Project, start: datetime, end: datetime) -> dict[str, Any]:
    """Usage fields and counts of a project's traces that start in a window.

    The same reading and pricing as every endpoint, for billing and reports.
    """
    filters = TraceFilters(str(project.id), to_ns(start), to_ns(end))
    spans = store()
    params = priced_parameters(project, filters)
    row = spans.query_dicts(totals_sql(spans.table, filters), params)[0]
    trace_count = int(row["trace_count"])
    return {
        "trace_count": trace_count,
        "span_count": int(row["span_count"] or 0),
        "llm_calls": int(row["llm_calls"] or 0),
        **usage_totals(row, trace_count),
    }


def ratio(total: Any, count: int) -> float:
    """An average that is 0 over nothing."""
    return float(total or 0) / count if count else 0.0


def durations(
    low: Any, high: Any, total: Any, count: int, quantiles: list[float]
) -> dict[str, int]:
    """Duration statistics in ns; zeros when there is nothing to measure."""
    if not count:
        return dict.fromkeys(
            ("min", "max", "avg", "total", "p50", "p90", "p95", "p99"), 0
        )
    values = [0 if math.isnan(value) else int(value) for value in quantiles]
    return {
        "min": int(low),
        "max": int(high),
        "avg": int(total) // count,
        "total": int(total),
        "p50": values[0],
        "p90": values[1],
        "p95": values[2],
        "p99": values[3],
    }


def models(summed: tuple) -> list[dict[str, Any]]:
    """Per-model usage, most expensive first.

    Providers are named as the price table names them, so `openai.chat` and
    `openai` calls of one model make one entry.
    """
    keys, calls, *values = summed
    tokens, costs = values[: len(TOKEN_NAMES)], values[len(TOKEN_NAMES) :]
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for index, key in enumerate(keys):
        model, _, provider = key.partition(KEY_SEPARATOR)
        provider = provider_id(provider) or ""
        entry = merged.setdefault(
            (model, provider),
            {
                "model": model or None,
                "provider": provider or None,
                "llm_calls": 0,
                **dict.fromkeys(TOKEN_NAMES, 0),
                **dict.fromkeys(COST_NAMES),
                "unpriced_llm_calls": 0,
            },
        )
        entry["llm_calls"] += int(calls[index])
        for position, name in enumerate(TOKEN_NAMES):
            entry[name] += int(tokens[position][index])
        for position, name in enumerate(COST_NAMES):
            if costs[2 * position + 1][index]:
                entry[name] = (entry[name] or 0.0) + float(costs[2 * position][index])
        entry["unpriced_llm_calls"] += int(calls[index]) - int(costs[5][index])
    out = list(merged.values())
    out.sort(key=lambda item: (-(item["total_cost"] or 0.0), -item["total_tokens"]))
    return out


def bucket_starts(start: datetime, end: datetime, interval: str, tz: str) -> list[int]:
    """Every bucket's start (unix seconds) in the caller's time zone."""
    zone = ZoneInfo(tz)
    local = start.astimezone(zone)
    if interval == "day":
        local = local.replace(hour=0, minute=0, second=0, microsecond=0)
        step = timedelta(days=1)
    else:
        local = local.replace(minute=0, second=0, microsecond=0)
        step = timedelta(hours=1)
    starts = []
    while local <= end and len(starts) < MAX_FILLED_BUCKETS:
        starts.append(int(local.timestamp()))
        # Step in wall time for days (DST-safe), in absolute time for hours.
        if interval == "day":
            local = (local.replace(tzinfo=None) + step).replace(tzinfo=zone)
        else:
            local = (local.astimezone(UTC) + step).astimezone(zone)
    return starts


def series(
    summed: tuple, start: datetime, end: datetime, interval: str, tz: str
) -> list[dict[str, Any]]:
    """Traces, spans, errors, tokens and cost per bucket, empty buckets included."""
    keys, traces, spans, errors, tokens, cost, priced = summed
    found = {
        int(key): (traces[i], spans[i], errors[i], tokens[i], cost[i], priced[i])
        for i, key in enumerate(keys)
    }
    starts = sorted(set(bucket_starts(start, end, interval, tz)) | set(found))
    out = []
    for moment in starts:
        t, s, e, k, c, p = found.get(moment, (0, 0, 0, 0, 0.0, 0))
        out.append(
            {
                "bucket_start": iso(moment * 10**9),
                "traces": int(t),
                "spans": int(s),
                "errors": int(e),
                "total_tokens": int(k),
                "total_cost": float(c) if p else None,
            }
        )
    return out


def spans_per_trace(summed: tuple) -> list[dict[str, Any]]:
    """How many traces have how many spans, in fixed bins."""
    keys, counts = summed
    bins = [
        {"min_spans": low, "max_spans": high, "traces": 0}
        for low, high in SPANS_PER_TRACE_BINS
    ]
    bins.append(
        {"min_spans": SPANS_PER_TRACE_BINS[-1][1] + 1, "max_spans": None, "traces": 0}
    )
    for size, count in zip(keys, counts, strict=True):
        for entry in bins:
            if size >= entry["min_spans"] and (
                entry["max_spans"] is None or size <= entry["max_spans"]
            ):
                entry["traces"] += int(count)
                break
    return bins
