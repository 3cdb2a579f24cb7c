"""ClickHouse SQL for traces: the span scan, the per-trace rows and pages.

Every value from a request is a bound parameter; the only pieces chosen by a
request are names picked from the allow-lists below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agentops.pricing.usage import (
    sql_cost_columns,
    sql_counted_calls,
    sql_raw_columns,
    sql_usage_columns,
)

# A trace is filed under its first span; its other spans are looked for this far
# around the requested window.
# TODO: spans more than a day before or after the window are not read, so a
# trace longer than a day that crosses the window's edge is shown incomplete.
SPAN_MARGIN_NS = 24 * 3600 * 10**9
ERROR_SPELLINGS = ("ERROR", "STATUS_CODE_ERROR", "2")
OK_SPELLINGS = ("OK", "STATUS_CODE_OK", "1")
# Sort keys a caller may ask for, and the per-trace column each one sorts by.
SORT_COLUMNS = {
    "start_time": ("start_ns", "Int64"),
    "duration": ("duration", "Int64"),
    "span_count": ("span_count", "UInt64"),
    "error_count": ("error_count", "UInt64"),
    "total_cost": ("sort_cost", "Float64"),
    "total_tokens": ("total_tokens", "UInt64"),
    "root_span_name": ("root_span_name", "String"),
    "trace_id": ("trace_id", "String"),
}
ROOT_ORDER = "(ParentSpanId != '', Timestamp, SpanId)"


def sql_in(values: tuple[str, ...]) -> str:
    """A literal IN list of fixed spellings (never request input)."""
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


STATUS_SQL = (
    f"multiIf(upper(StatusCode) IN {sql_in(ERROR_SPELLINGS)}, 'error', "
    f"upper(StatusCode) IN {sql_in(OK_SPELLINGS)}, 'ok', 'unset')"
)
TAGS_SQL = (
    "if(startsWith(trimLeft(tags_raw), '['), "
    "JSONExtract(tags_raw, 'Array(String)'), "
    "if(tags_raw = '', CAST([] AS Array(String)), [tags_raw]))"
)


@dataclass
class TraceFilters:
    """What selects a project's traces; times in ns since the epoch."""

    project_id: str
    start_ns: int | None = None
    end_ns: int | None = None
    span_name: str | None = None
    query: str | None = None
    status: str | None = None
    tags: list[str] = field(default_factory=list)

    def parameters(self) -> dict:
        """The bound parameters the filter SQL refers to."""
        params: dict = {"project_id": self.project_id}
        if self.start_ns is not None:
            params["start_ns"] = self.start_ns
            params["scan_start_ns"] = self.start_ns - SPAN_MARGIN_NS
        if self.end_ns is not None:
            params["end_ns"] = self.end_ns
            params["scan_end_ns"] = self.end_ns + SPAN_MARGIN_NS
        if self.span_name:
            params["span_name"] = self.span_name
        if self.query:
            params["query"] = self.query
        if self.status:
            params["status"] = self.status
        if self.tags:
            params["tags"] = self.tags
        return params


def span_where(filters: TraceFilters) -> str:
    """The WHERE clause of the span scan: the project and the time margin."""
    clauses = ["project_id = {project_id:String}"]
    if filters.start_ns is not None:
        clauses.append("Timestamp >= fromUnixTimestamp64Nano({scan_start_ns:Int64})")
    if filters.end_ns is not None:
        clauses.append("Timestamp <= fromUnixTimestamp64Nano({scan_end_ns:Int64})")
    return " AND ".join(clauses)


SPAN_COLUMNS = (
    "TraceId",
    "SpanId",
    "ParentSpanId",
    "Timestamp",
    "Duration",
    "SpanName",
    "ServiceName",
    "SpanAttributes['agentops.tags'] AS tags_raw",
    f"{STATUS_SQL} AS status",
)


def usage_scan(table: str, filters: TraceFilters) -> str:
    """The span scan in two layers: rule texts, then counts and reported costs.

    Layering keeps every expression small: each rule list is written once.
    """
    raw = ",\n  ".join([*SPAN_COLUMNS, *sql_raw_columns()])
    usage = ",\n  ".join(["*", *sql_usage_columns()])
    return (
        f"SELECT\n  {usage}\nFROM (SELECT\n  {raw}\nFROM {table}\n"
        f"WHERE {span_where(filters)})"
    )


def rates_sql(table: str, filters: TraceFilters) -> str:
    """The (model, provider, day) of every call that needs a computed price."""
    return (
        "SELECT DISTINCT u_model, u_provider, toDate(Timestamp, 'UTC') AS day\n"
        f"FROM ({usage_scan(table, filters)})\n"
        "WHERE u_is_call AND isNull(u_rep_total_cost) AND u_model != ''"
    )


def spans_sql(table: str, filters: TraceFilters) -> str:
    """Every span of the scan with its status, tags and priced usage."""
    costs = ",\n  ".join(["*", *sql_cost_columns()])
    return f"SELECT\n  {costs}\nFROM ({usage_scan(table, filters)})"


CALL_TUPLE = (
    "(SpanId, u_model, u_provider, u_prompt_tokens, u_completion_tokens, "
    "u_cache_read_tokens, u_cache_write_tokens, u_reasoning_tokens, "
    "u_total_tokens, u_prompt_cost, u_completion_cost, u_total_cost, Duration)"
)
# Positions in CALL_TUPLE.
CALL_FIELDS = {
    "model": 2,
    "provider": 3,
    "prompt_tokens": 4,
    "completion_tokens": 5,
    "cache_read_tokens": 6,
    "cache_write_tokens": 7,
    "reasoning_tokens": 8,
    "total_tokens": 9,
    "prompt_cost": 10,
    "completion_cost": 11,
    "total_cost": 12,
    "duration": 13,
}
TOKEN_NAMES = (
    "prompt_tokens",
    "completion_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "total_tokens",
)
COST_NAMES = ("prompt_cost", "completion_cost", "total_cost")


def trace_items() -> list[str]:
    """The per-trace SELECT items over the span scan."""
    items = [
        "TraceId AS trace_id",
        "min(Timestamp) AS start_ts",
        "toUnixTimestamp64Nano(start_ts) AS start_ns",
        "max(toUnixTimestamp64Nano(Timestamp) + toInt64(Duration)) AS end_ns",
        "end_ns - start_ns AS duration",
        "count() AS span_count",
        "countIf(status = 'error') AS error_count",
        "countIf(status = 'ok') AS ok_count",
        f"argMin(SpanName, {ROOT_ORDER}) AS root_span_name",
        f"argMin(ServiceName, {ROOT_ORDER}) AS root_service_name",
        f"argMin(tags_raw, {ROOT_ORDER}) AS root_tags",
        "multiIf(error_count > 0, 'error', ok_count > 0, 'ok', 'unset') "
        "AS trace_status",
        *sql_counted_calls(CALL_TUPLE),
        "length(calls) AS llm_calls",
    ]
    for name in TOKEN_NAMES:
        items.append(f"arraySum(arrayMap(c -> c.{CALL_FIELDS[name]}, calls)) AS {name}")
    for name in COST_NAMES:
        position = CALL_FIELDS[name]
        items.append(
            f"arraySum(arrayMap(c -> ifNull(c.{position}, 0), calls)) AS {name}_sum"
        )
        items.append(f"arrayCount(c -> isNotNull(c.{position}), calls) AS {name}_n")
    items += [
        "if(total_cost_n > 0, total_cost_sum, NULL) AS total_cost",
        "total_cost_sum AS sort_cost",
        "llm_calls - total_cost_n AS unpriced_llm_calls",
    ]
    return items


def trace_having(filters: TraceFilters) -> str:
    """The HAVING clause selecting traces by the caller's filters."""
    clauses = ["1"]
    if filters.start_ns is not None:
        clauses.append("start_ns >= {start_ns:Int64}")
    if filters.end_ns is not None:
        clauses.append("start_ns <= {end_ns:Int64}")
    if filters.span_name:
        clauses.append("countIf(SpanName = {span_name:String}) > 0")
    if filters.status:
        clauses.append("trace_status = {status:String}")
    if filters.tags:
        clauses.append(
            f"hasAll({TAGS_SQL.replace('tags_raw', 'root_tags')}, "
            "{tags:Array(String)})"
        )
    if filters.query:
        clauses.append(
            "(positionCaseInsensitive(trace_id, {query:String}) > 0 "
            "OR positionCaseInsensitive(root_span_name, {query:String}) > 0 "
            "OR positionCaseInsensitive(root_tags, {query:String}) > 0)"
        )
    return " AND ".join(clauses)


def traces_sql(table: str, filters: TraceFilters, extra: list[str] = ()) -> str:
    """One row per matching trace, with its counts, usage and cost."""
    items = ",\n  ".join([*trace_items(), *extra])
    return (
        f"SELECT\n  {items}\nFROM ({spans_sql(table, filters)})\n"
        f"GROUP BY TraceId\nHAVING {trace_having(filters)}"
    )


PAGE_COLUMNS = (
    "trace_id, start_ns, end_ns, duration, span_count, error_count, "
    "root_span_name, root_service_name, root_tags, total_tokens, total_cost"
)


def total_items() -> list[tuple[str, str]]:
    """(name, aggregate) pairs of the totals over every matching trace."""
    items = [
        ("trace_count", "count()"),
        ("span_count", "sum(span_count)"),
        ("ok_count", "countIf(trace_status = 'ok')"),
        ("error_count", "countIf(trace_status = 'error')"),
        ("unset_count", "countIf(trace_status = 'unset')"),
        ("llm_calls", "sum(llm_calls)"),
    ]
    items += [(name, f"sum({name})") for name in TOKEN_NAMES]
    items += [(f"{name}_sum", f"sum({name}_sum)") for name in COST_NAMES]
    items += [(f"{name}_n", f"sum({name}_n)") for name in COST_NAMES]
    return items


def page_sql(
    table: str,
    filters: TraceFilters,
    order_by: str,
    descending: bool,
    after_cursor: bool,
) -> str:
    """A page of traces in the requested order (`order_by` from SORT_COLUMNS).

    Each row also carries the totals over every matching trace (`all_*`),
    computed before the cursor and the limit apply, so that one round trip
    answers both.
    """
    column, kind = SORT_COLUMNS[order_by]
    direction = "DESC" if descending else "ASC"
    where = ""
    if after_cursor:
        operator = "<" if descending else ">"
        where = (
            f"WHERE ({column}, trace_id) {operator} "
            f"({{cursor_value:{kind}}}, {{cursor_trace:String}})\n"
        )
    tie = "" if column == "trace_id" else f", trace_id {direction}"
    totals = ", ".join(
        f"{aggregate} OVER () AS all_{name}" for name, aggregate in total_items()
    )
    return (
        f"SELECT {PAGE_COLUMNS}, {column} AS sort_value, "
        f"{', '.join(f'all_{name}' for name, _ in total_items())}\n"
        f"FROM (SELECT *, {totals} FROM ({traces_sql(table, filters)}))\n{where}"
        f"ORDER BY {column} {direction}{tie}\n"
        "LIMIT {limit:UInt32} OFFSET {offset:UInt64}"
    )


def totals_sql(table: str, filters: TraceFilters) -> str:
    """Counts and usage over every matching trace."""
    sums = ",\n  ".join(f"{aggregate} AS {name}" for name, aggregate in total_items())
    return f"SELECT\n  {sums}\nFROM ({traces_sql(table, filters)})"


def newest_traces_sql(table: str) -> str:
    """The ids of a project's newest traces (kept whole on the free plan)."""
    return (
        f"SELECT TraceId FROM {table} WHERE project_id = {{project_id:String}}\n"
        "GROUP BY TraceId ORDER BY min(Timestamp) DESC LIMIT {count:UInt32}"
    )


def trace_spans_sql(table: str) -> str:
    """Every stored field of one trace's spans, oldest first."""
    return (
        "SELECT Timestamp, toUnixTimestamp64Nano(Timestamp) AS start_ns, SpanId, "
        "ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, "
        "SpanAttributes, Duration, StatusCode, StatusMessage, "
        "arrayMap(t -> toUnixTimestamp64Nano(t), `Events.Timestamp`) AS event_ns, "
        "`Events.Name` AS event_names, `Events.Attributes` AS event_attributes, "
        "`Links.TraceId` AS link_traces, `Links.SpanId` AS link_spans, "
        "`Links.TraceState` AS link_states, `Links.Attributes` AS link_attributes\n"
        f"FROM {table}\n"
        "WHERE project_id = {project_id:String} AND TraceId = {trace_id:String}\n"
        "ORDER BY Timestamp, SpanId"
    )
