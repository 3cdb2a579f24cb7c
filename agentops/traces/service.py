"""Reading traces: the filtered, sorted list and one trace with its spans."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app, g

from agentops.auth.access import project_for_member
from agentops.clickhouse import store
from agentops.errors import NotFound, Unprocessable
from agentops.pricing import service as pricing
from agentops.pricing.usage import rate_parameters
from agentops.projects.models import Project
from agentops.traces import queries
from agentops.traces import spans as spans_view
from agentops.traces.queries import COST_NAMES, TOKEN_NAMES, TraceFilters
from agentops.traces.spans import iso, parse_tags, to_ns
from agentops.users.models import User

logger = logging.getLogger(__name__)

TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
TRACE_NOT_FOUND = "Trace not found"


def settings() -> Any:
    """The app's settings."""
    return current_app.extensions["settings"]


def visible_project(project_id: uuid.UUID, user: User) -> Project:
    """The project if the user may read it (404 otherwise), once per request."""
    cached = g.get("visible_project")
    if cached is not None and cached.id == project_id:
        return cached
    project, _ = project_for_member(project_id, user)
    g.visible_project = project
    return project


def is_free(project: Project) -> bool:
    """Whether the project's org is on the free plan."""
    return (project.org.prem_status or "free") == "free"


# Prices


def priced_parameters(project: Project, filters: TraceFilters) -> dict[str, Any]:
    """Bound parameters for the filters plus the rates of every model met."""
    spans = store()
    params = filters.parameters()
    combinations = spans.query(queries.rates_sql(spans.table, filters), params)
    rates = pricing.rates_table(project.org_id, combinations)
    return {**params, **rate_parameters(rates)}


# Cursor


@dataclass
class Cursor:
    """Where a page ends: the sort key and trace id of its last trace."""

    order_by: str
    sort_order: str
    value: Any
    trace_id: str

    def encode(self) -> str:
        """The opaque form handed to the caller."""
        raw = json.dumps([self.order_by, self.sort_order, self.value, self.trace_id])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str, order_by: str, sort_order: str) -> Cursor:
    """Check and read a cursor; 422 when it is malformed or for another order."""
    invalid = Unprocessable(
        "cursor is malformed", {"cursor": ["Not a cursor from next_cursor."]}
    )
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        got_order, got_sort, value, trace_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise invalid from None
    if (got_order, got_sort) != (order_by, sort_order):
        raise Unprocessable(
            "cursor belongs to another order",
            {"cursor": ["Use the same order_by and sort_order as the first page."]},
        )
    if not isinstance(trace_id, str) or not TRACE_ID.match(trace_id):
        raise invalid
    kind = queries.SORT_COLUMNS[order_by][1]
    if kind == "String":
        valid = isinstance(value, str)
    elif kind == "Float64":
        valid = isinstance(value, int | float) and not isinstance(value, bool)
    else:
        valid = isinstance(value, int) and not isinstance(value, bool)
        valid = valid and (kind != "UInt64" or value >= 0) and abs(value) < 2**63
    if not valid:
        raise invalid
    return Cursor(order_by, sort_order, value, trace_id)


# The list


def usage_totals(row: dict[str, Any], trace_count: int) -> dict[str, Any]:
    """Usage fields of an aggregate row (sums and priced counts)."""
    out: dict[str, Any] = {name: int(row[name] or 0) for name in TOKEN_NAMES}
    for name in COST_NAMES:
        out[name] = float(row[f"{name}_sum"]) if row[f"{name}_n"] else None
    out["unpriced_llm_calls"] = int(row["llm_calls"] or 0) - int(
        row["total_cost_n"] or 0
    )
    total = out["total_cost"]
    out["average_cost_per_trace"] = (
        total / trace_count if total is not None and trace_count else None
    )
    return out


def list_traces(user: User, args: dict[str, Any]) -> dict[str, Any]:
    """A page of the project's traces, with totals over every match."""
    project = visible_project(args["project_id"], user)
    filters = TraceFilters(
        project_id=str(project.id),
        start_ns=to_ns(args["start_time"]) if args.get("start_time") else None,
        end_ns=to_ns(args["end_time"]) if args.get("end_time") else None,
        span_name=args.get("span_name"),
        query=args.get("query"),
        status=args.get("status"),
        tags=list(args.get("tags") or []),
    )
    order_by, sort_order = args["order_by"], args["sort_order"]
    cursor = (
        decode_cursor(args["cursor"], order_by, sort_order)
        if args.get("cursor")
        else None
    )
    spans = store()
    params = priced_parameters(project, filters)
    page_params = {**params, "limit": args["limit"], "offset": args["offset"]}
    if cursor is not None:
        page_params.update(cursor_value=cursor.value, cursor_trace=cursor.trace_id)
    rows = spans.query_dicts(
        queries.page_sql(
            spans.table, filters, order_by, sort_order == "desc", cursor is not None
        ),
        page_params,
    )
    if rows:
        totals = {name: rows[0][f"all_{name}"] for name, _ in queries.total_items()}
    else:
        # An empty page carries no totals: ask for them alone.
        totals = spans.query_dicts(queries.totals_sql(spans.table, filters), params)[0]
    truncated = truncated_traces(project, [row["trace_id"] for row in rows], rows)
    traces = [trace_summary(row, row["trace_id"] in truncated) for row in rows]
    trace_count = int(totals["trace_count"])
    metrics = {
        "trace_count": trace_count,
        "span_count": int(totals["span_count"] or 0),
        "ok_count": int(totals["ok_count"]),
        "error_count": int(totals["error_count"]),
        "unset_count": int(totals["unset_count"]),
        **usage_totals(totals, trace_count),
    }
    logger.debug(
        "listed %d of %d traces of project %s", len(rows), trace_count, project.id
    )
    next_cursor = None
    if len(rows) == args["limit"]:
        last = rows[-1]
        next_cursor = Cursor(
            order_by, sort_order, last["sort_value"], last["trace_id"]
        ).encode()
    return {
        "traces": traces,
        "total": trace_count,
        "limit": args["limit"],
        "offset": args["offset"],
        "next_cursor": next_cursor,
        "metrics": metrics,
        "freeplan_truncated": bool(truncated),
    }


def trace_summary(row: dict[str, Any], truncated: bool) -> dict[str, Any]:
    """One trace of the list."""
    return {
        "trace_id": row["trace_id"],
        "root_span_name": row["root_span_name"],
        "root_service_name": row["root_service_name"],
        "start_time": iso(row["start_ns"]),
        "end_time": iso(row["end_ns"]),
        "duration": int(row["duration"]),
        "span_count": int(row["span_count"]),
        "error_count": int(row["error_count"]),
        "tags": [] if truncated else parse_tags(row["root_tags"]),
        "total_tokens": int(row["total_tokens"]),
        "total_cost": row["total_cost"],
        "freeplan_truncated": truncated,
    }


def truncated_traces(
    project: Project, trace_ids: list[str], rows: list[dict[str, Any]]
) -> set[str]:
    """The traces the free plan shows without attributes."""
    if not is_free(project):
        return set()
    cutoff = to_ns(datetime.now(UTC)) - settings().FREEPLAN_TRACE_DAYS_CUTOFF * (
        86400 * 10**9
    )
    old = {row["trace_id"] for row in rows if row["start_ns"] < cutoff}
    if not old:
        return set()
    return old - newest_trace_ids(project)


def newest_trace_ids(project: Project) -> set[str]:
    """The project's newest traces, always shown whole."""
    count = settings().FREEPLAN_TRACE_MIN_NUM
    if count <= 0:
        return set()
    spans = store()
    rows = spans.query(
        queries.newest_traces_sql(spans.table),
        {"project_id": str(project.id), "count": count},
    )
    return {row[0] for row in rows}


# One trace


def get_trace(user: User, project_id: uuid.UUID, trace_id: str) -> dict[str, Any]:
    """One trace with its spans, their attributes and their usage."""
    project = visible_project(project_id, user)
    trace_id = trace_id.strip().lower()
    if not TRACE_ID.match(trace_id):
        raise NotFound(TRACE_NOT_FOUND)
    spans = store()
    rows = spans.query_dicts(
        queries.trace_spans_sql(spans.table),
        {"project_id": str(project.id), "trace_id": trace_id},
    )
    if not rows:
        raise NotFound(TRACE_NOT_FOUND)
    start_ns = min(row["start_ns"] for row in rows)
    truncated = (
        is_free(project)
        and start_ns
        < to_ns(datetime.now(UTC))
        - settings().FREEPLAN_TRACE_DAYS_CUTOFF * 86400 * 10**9
        and trace_id not in newest_trace_ids(project)
    )
    return spans_view.build_trace(project, trace_id, rows, truncated)
