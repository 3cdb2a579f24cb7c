"""One trace's spans as the API shows them, with each span's usage and cost."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

from agentops.pricing import service as pricing
from agentops.pricing.prices import provider_id
from agentops.pricing.usage import (
    SpanUsage,
    counted_calls,
    price_key,
    span_cost,
    span_usage,
)
from agentops.projects.models import Project
from agentops.traces.queries import ERROR_SPELLINGS, OK_SPELLINGS, TOKEN_NAMES

logger = logging.getLogger(__name__)

SPAN_KINDS = {
    "INTERNAL": "SPAN_KIND_INTERNAL",
    "SERVER": "SPAN_KIND_SERVER",
    "CLIENT": "SPAN_KIND_CLIENT",
    "PRODUCER": "SPAN_KIND_PRODUCER",
    "CONSUMER": "SPAN_KIND_CONSUMER",
    "1": "SPAN_KIND_INTERNAL",
    "2": "SPAN_KIND_SERVER",
    "3": "SPAN_KIND_CLIENT",
    "4": "SPAN_KIND_PRODUCER",
    "5": "SPAN_KIND_CONSUMER",
}
KIND_KEYS = (
    "agentops.span.kind",
    "openinference.span.kind",
    "traceloop.span.kind",
    "gen_ai.operation.name",
)
AGENT_WORDS = {"agent", "invoke_agent", "create_agent", "workflow", "chain"}
TOOL_WORDS = {"tool", "execute_tool"}
LLM_WORDS = {"llm", "chat", "text_completion", "generate_content", "embeddings"}


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso(ns: int) -> str:
    """Nanoseconds since the epoch as ISO 8601 UTC."""
    moment = EPOCH + timedelta(microseconds=ns // 1000)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def day_of(ns: int) -> date:
    """The UTC day of a time in nanoseconds, as prices are looked up."""
    return (EPOCH + timedelta(microseconds=ns // 1000)).date()


def to_ns(moment: datetime) -> int:
    """A datetime (naive means UTC) as nanoseconds since the epoch."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - EPOCH
    return (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000


def parse_tags(raw: str) -> list[str]:
    """The root span's `agentops.tags` (a JSON array, else one tag), as SQL reads it."""
    if not raw:
        return []
    if raw.lstrip().startswith("["):
        try:
            tags = json.loads(raw)
        except ValueError:
            return []
        return [tag_text(tag) for tag in tags] if isinstance(tags, list) else []
    return [raw]


def tag_text(tag: Any) -> str:
    """One element of a tag array as ClickHouse's JSONExtract(Array(String)) reads it.

    Strings as they are, null as "", booleans as true/false, numbers in their
    shortest form, objects and arrays as compact JSON, so that every tag shown
    is one the `tags` filter finds.
    """
    if isinstance(tag, str):
        return tag
    if tag is None:
        return ""
    if isinstance(tag, bool):
        return "true" if tag else "false"
    if isinstance(tag, float) and tag.is_integer() and abs(tag) < 1e16:
        return str(int(tag))
    if isinstance(tag, float):
        return repr(tag).replace("e+", "e")
    return json.dumps(tag, separators=(",", ":"))


def span_kind(stored: str) -> str:
    """Any spelling of a span kind as the OTLP enum name."""
    word = stored.strip().upper().removeprefix("SPAN_KIND_")
    return SPAN_KINDS.get(word, "SPAN_KIND_UNSPECIFIED")


def status_code(stored: str) -> str:
    """Any spelling of a status as OK, ERROR or UNSET."""
    word = stored.strip().upper()
    if word in ERROR_SPELLINGS:
        return "ERROR"
    if word in OK_SPELLINGS:
        return "OK"
    return "UNSET"


def span_type(name: str, attributes: dict[str, str], usage: SpanUsage) -> str:
    """Whether a span is an agent, a tool, an LLM call or something else."""
    words = {attributes.get(key, "").strip().lower() for key in KIND_KEYS}
    if words & TOOL_WORDS or name.startswith("ai.toolCall"):
        return "tool"
    if usage.is_call or words & LLM_WORDS:
        return "llm"
    if words & AGENT_WORDS:
        return "agent"
    return "other"


def nest(flat: dict[str, str]) -> dict[str, Any]:
    """Dotted keys as nested objects; a key clashing with a branch stays dotted."""
    root: dict[str, Any] = {}
    for key in sorted(flat):
        node, parts = root, key.split(".")
        for depth, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                node[".".join(parts[depth:])] = flat[key]
                break
            node = child
        else:
            if isinstance(node.get(parts[-1]), dict):
                node[parts[-1]][""] = flat[key]
            else:
                node[parts[-1]] = flat[key]
    return root


def build_trace(
    project: Project, trace_id: str, rows: list[dict[str, Any]], truncated: bool
) -> dict[str, Any]:
    """The trace detail: spans in start order, each priced like the aggregates."""
    usages = {row["SpanId"]: span_usage(row["SpanAttributes"]) for row in rows}
    counted = counted_calls(
        (row["SpanId"], row["ParentSpanId"], usages[row["SpanId"]]) for row in rows
    )
    rates = pricing.rates_table(
        project.org_id,
        {
            (
                usages[row["SpanId"]].model,
                usages[row["SpanId"]].provider,
                day_of(row["start_ns"]),
            )
            for row in rows
            if row["SpanId"] in counted and usages[row["SpanId"]].model
        },
    )

    spans, totals = [], empty_usage()
    for row in rows:
        usage = usages[row["SpanId"]]
        metrics = None
        if row["SpanId"] in counted:
            day = day_of(row["start_ns"]).isoformat()
            key = price_key(usage.model, usage.provider, day)
            metrics = call_metrics(usage, span_cost(usage, rates.get(key)))
            add_usage(totals, metrics)
        spans.append(span_view(row, usage, metrics, truncated))
    root = min(rows, key=lambda row: (row["ParentSpanId"] != "", row["start_ns"]))
    start = min(row["start_ns"] for row in rows)
    end = max(row["start_ns"] + row["Duration"] for row in rows)
    statuses = [status_code(row["StatusCode"]) for row in rows]
    return {
        "trace_id": trace_id,
        "project_id": str(project.id),
        "tags": []
        if truncated
        else parse_tags(root["SpanAttributes"].get("agentops.tags", "")),
        "freeplan_truncated": truncated,
        "metrics": {
            "start_time": iso(start),
            "end_time": iso(end),
            "duration": end - start,
            "span_count": len(rows),
            "error_count": statuses.count("ERROR"),
            "llm_calls": len(counted),
            **totals,
        },
        "spans": spans,
    }


def empty_usage() -> dict[str, Any]:
    """Usage fields before any call is added."""
    return {
        **{name: 0 for name in TOKEN_NAMES},
        "prompt_cost": None,
        "completion_cost": None,
        "total_cost": None,
        "unpriced_llm_calls": 0,
    }


def call_metrics(usage: SpanUsage, cost: Any) -> dict[str, Any]:
    """A counted call's usage fields."""
    return {
        "model": usage.model or None,
        "provider": provider_id(usage.provider),
        **{name: getattr(usage, name) for name in TOKEN_NAMES},
        "prompt_cost": cost.prompt_cost,
        "completion_cost": cost.completion_cost,
        "total_cost": cost.total_cost,
    }


def add_usage(totals: dict[str, Any], metrics: dict[str, Any]) -> None:
    """Add one call's usage to running totals."""
    for name in TOKEN_NAMES:
        totals[name] += metrics[name]
    for name in ("prompt_cost", "completion_cost", "total_cost"):
        if metrics[name] is not None:
            totals[name] = (totals[name] or 0.0) + metrics[name]
    if metrics["total_cost"] is None:
        totals["unpriced_llm_calls"] += 1


def span_view(
    row: dict[str, Any],
    usage: SpanUsage,
    metrics: dict[str, Any] | None,
    truncated: bool,
) -> dict[str, Any]:
    """One span as the API shows it."""
    start = row["start_ns"]
    view = {
        "span_id": row["SpanId"],
        "parent_span_id": row["ParentSpanId"] or None,
        "span_name": row["SpanName"],
        "span_kind": span_kind(row["SpanKind"]),
        "span_type": span_type(row["SpanName"], row["SpanAttributes"], usage),
        "service_name": row["ServiceName"],
        "start_time": iso(start),
        "end_time": iso(start + row["Duration"]),
        "duration": row["Duration"],
        "status_code": status_code(row["StatusCode"]),
        "status_message": row["StatusMessage"],
        "span_attributes": {},
        "resource_attributes": {},
        "events": [],
        "links": [],
        "metrics": metrics,
    }
    if truncated:
        return view
    view["span_attributes"] = nest(row["SpanAttributes"])
    view["resource_attributes"] = nest(row["ResourceAttributes"])
    view["events"] = [
        {"timestamp": iso(ns), "name": name, "attributes": nest(attributes)}
        for ns, name, attributes in zip(
            row["event_ns"], row["event_names"], row["event_attributes"], strict=False
        )
    ]
    view["links"] = [
        {
            "trace_id": trace,
            "span_id": span,
            "trace_state": state,
            "attributes": nest(attributes),
        }
        for trace, span, state, attributes in zip(
            row["link_traces"],
            row["link_spans"],
            row["link_states"],
            row["link_attributes"],
            strict=False,
        )
    ]
    return view
