"""The usage rules: one reading per span, the same in Python and in SQL."""

from __future__ import annotations

import json
import uuid

import pytest

from agentops.clickhouse import store
from agentops.pricing.usage import SpanUsage, counted_calls, span_usage
from agentops.traces.queries import TraceFilters, usage_scan
from tests.conftest import SPANS_DIR
from tests.support.langfuse import to_otlp
from tests.support.span_store import export, load, span, store_spans

FIELDS = (
    "model",
    "provider",
    "prompt_tokens",
    "completion_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "total_tokens",
)


def test_two_conventions_on_one_span_count_once():
    usage = span_usage(
        {
            "gen_ai.usage.input_tokens": "412",
            "gen_ai.usage.output_tokens": "27",
            "ai.usage.promptTokens": "412",
            "ai.usage.completionTokens": "27",
            "llm.token_count.prompt": "412",
        }
    )

    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (
        412,
        27,
        439,
    )


def test_reported_parts_make_a_total():
    usage = span_usage(
        {"gen_ai.cost.input_cost": "0.5", "gen_ai.cost.output_cost": "0.25"}
    )

    assert usage.reported_total_cost == 0.75
    assert usage.is_call


def test_wrapper_repeating_its_child_does_not_count():
    call = SpanUsage(prompt_tokens=5, total_tokens=5)
    spans = [
        ("root", "", call),
        ("child", "root", call),
        ("sibling", "root", SpanUsage()),
        ("other", "", call),
    ]

    assert counted_calls(spans) == {"child", "other"}


def test_wrapper_above_a_step_span_does_not_count():
    call = SpanUsage(prompt_tokens=5, total_tokens=5)
    spans = [
        ("agent", "", call),
        ("step", "agent", SpanUsage()),
        ("chat", "step", call),
        ("late", "missing-parent", call),
    ]

    assert counted_calls(spans) == {"chat", "late"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), ("12.0", 12), ("-3", 0), ("abc", 0), ("nan", 0), ("1e30", 0), ("", 0)],
)
def test_unreadable_token_counts_are_zero(raw, expected):
    assert span_usage({"gen_ai.usage.input_tokens": raw}).prompt_tokens == expected


def shared_exports():
    """Every shared capture as OTLP/JSON."""
    documents = [load(path) for path in sorted((SPANS_DIR / "otlp").glob("*.json"))]
    for path in sorted((SPANS_DIR / "langfuse-framework-traces").glob("*.json")):
        documents.append(to_otlp(load(path)))
    return documents


ODD_VALUES = [
    {"gen_ai.usage.input_tokens": "12.0", "gen_ai.usage.output_tokens": "-4"},
    {"gen_ai.usage.input_tokens": "nan", "llm.token_count.prompt": "7"},
    {"gen_ai.usage.prompt_tokens": "1e3", "gen_ai.usage.completion_tokens": "x"},
    {
        "output.value": json.dumps(
            {"usage": {"prompt_tokens": "9", "completion_tokens": 3}}
        )
    },
    {"output.value": "not json", "gen_ai.usage.cost": "0.1"},
    {
        "output.value": json.dumps(
            {"usage": {"input_tokens": 4.0, "output_tokens": True}}
        )
    },
    {"operation.cost": "-1", "gen_ai.usage.total_tokens": "15", "ai.model.id": "m"},
    {"gen_ai.cost.input_cost": "inf", "gen_ai.cost.output_cost": "0.2"},
]


def scanned(app, project_id):
    """Each stored span's SQL reading next to its attributes."""
    with app.app_context():
        spans = store()
        return spans.query_dicts(
            f"SELECT * FROM ({usage_scan(spans.table, TraceFilters(project_id))}) "
            "AS scan JOIN (SELECT TraceId, SpanId, SpanAttributes FROM "
            f"{spans.table} WHERE project_id = {{project_id:String}}) AS raw "
            "USING (TraceId, SpanId)",
            {"project_id": project_id},
        )


@pytest.mark.skipif(not SPANS_DIR.exists(), reason="shared span data missing")
def test_sql_reads_every_span_like_python(app):
    odd = [
        span("f" * 32, f"{n + 1:016x}", "odd", 10**18 + n, attributes=values)
        for n, values in enumerate(ODD_VALUES)
    ]
    rows = []
    for document in [*shared_exports(), export(odd)]:
        project_id = str(uuid.uuid4())
        store_spans(app, project_id, document)
        rows += scanned(app, project_id)

    assert len(rows) > 60
    for row in rows:
        python = span_usage(row["SpanAttributes"])
        for name in FIELDS:
            assert row[f"u_{name}"] == getattr(python, name), (row["SpanId"], name)
        for name in ("prompt_cost", "completion_cost", "total_cost"):
            assert row[f"u_rep_{name}"] == getattr(python, f"reported_{name}"), name
        assert bool(row["u_is_call"]) == python.is_call
