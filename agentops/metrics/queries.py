"""ClickHouse SQL for the project metrics: everything in one query."""

from __future__ import annotations

from agentops.pricing.usage import KEY_SEPARATOR
from agentops.traces.queries import (
    CALL_FIELDS,
    COST_NAMES,
    TOKEN_NAMES,
    TraceFilters,
    traces_sql,
)

# Bucket functions by interval name (the only names a request can pick).
BUCKETS = {"hour": "toStartOfHour", "day": "toStartOfDay"}
QUANTILES = "0.5, 0.9, 0.95, 0.99"


def call_array(field: str) -> str:
    """SQL for one field of every counted call of a trace."""
    return f"arrayMap(c -> c.{CALL_FIELDS[field]}, calls)"


def metrics_sql(table: str, filters: TraceFilters, interval: str) -> str:
    """Counts, usage, durations, per-model usage, series and spans per trace.

    Sums over the per-trace columns are named `m_*` so that they never shadow
    the columns other aggregates read.
    """
    bucket = f"toUnixTimestamp({BUCKETS[interval]}(start_ts, {{tz:String}})) AS bucket"
    traces = traces_sql(table, filters, extra=[bucket])
    model_key = (
        f"arrayMap(c -> concat(c.{CALL_FIELDS['model']}, '{KEY_SEPARATOR}', "
        f"c.{CALL_FIELDS['provider']}), calls)"
    )
    model_values = ["arrayMap(c -> toUInt64(1), calls)"]
    model_values += [call_array(name) for name in TOKEN_NAMES]
    for name in COST_NAMES:
        position = CALL_FIELDS[name]
        model_values.append(f"arrayMap(c -> ifNull(c.{position}, 0), calls)")
        model_values.append(f"arrayMap(c -> toUInt64(isNotNull(c.{position})), calls)")
    llm_durations = call_array("duration")
    items = [
        "count() AS trace_count",
        "sum(span_count) AS spans",
        "sum(ok_count) AS ok_spans",
        "sum(error_count) AS error_spans",
        "countIf(trace_status = 'ok') AS ok_traces",
        "countIf(trace_status = 'error') AS error_traces",
        "countIf(trace_status = 'unset') AS unset_traces",
        "sum(llm_calls) AS m_llm_calls",
        *[f"sum({name}) AS m_{name}" for name in TOKEN_NAMES],
        *[f"sum({name}_sum) AS m_{name}_sum" for name in COST_NAMES],
        *[f"sum({name}_n) AS m_{name}_n" for name in COST_NAMES],
        *[
            f"sumIf(total_tokens, trace_status = '{status}') AS tokens_{status}"
            for status in ("ok", "error", "unset")
        ],
        "min(duration) AS trace_min",
        "max(duration) AS trace_max",
        "sum(duration) AS trace_total",
        f"quantilesExact({QUANTILES})(duration) AS trace_quantiles",
        f"minArray({llm_durations}) AS llm_min",
        f"maxArray({llm_durations}) AS llm_max",
        f"sumArray({llm_durations}) AS llm_total",
        f"quantilesExactArray({QUANTILES})({llm_durations}) AS llm_quantiles",
        f"sumMap({model_key}, {', '.join(model_values)}) AS models",
        "sumMap([bucket], [toUInt64(1)], [span_count], [error_count], "
        "[total_tokens], [total_cost_sum], [total_cost_n]) AS series",
        "sumMap([span_count], [toUInt64(1)]) AS spans_per_trace",
    ]
    columns = ",\n  ".join(items)
    return f"SELECT\n  {columns}\nFROM ({traces})"
