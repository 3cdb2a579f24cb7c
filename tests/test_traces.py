"""The trace list and detail on real instrumentation output."""

from __future__ import annotations

import pytest

from tests.conftest import SPANS_DIR
from tests.support import span_store
from tests.support.span_store import load, store_spans

OTLP = SPANS_DIR / "otlp"
GPT_4O_MINI_CALL = (412 - 256) * 1.5e-7 + 256 * 7.5e-8 + 27 * 6e-7  # 5.88e-5 USD

pytestmark = pytest.mark.skipif(not OTLP.exists(), reason="shared span data missing")


reader = span_store.reader


def stored(app, project_id, name):
    """Store one of the shared OTLP files; returns its trace id."""
    document = load(OTLP / f"{name}.otlp.json")
    store_spans(app, project_id, document)
    span = document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    return span["traceId"].lower()


def detail(client, headers, project_id, trace_id):
    """The trace detail, checked to answer 200."""
    response = client.get(
        f"/v4/traces/{trace_id}",
        query_string={"project_id": project_id},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    return response.json


def llm_spans(trace):
    """The spans the detail prices as LLM calls."""
    return [span for span in trace["spans"] if span["metrics"] is not None]


def test_openllmetry_tokens_and_cached_input_price(app, client, reader):
    headers, project_id = reader
    trace_id = stored(app, project_id, "openllmetry-0.62.3_openai_tool_call")

    trace = detail(client, headers, project_id, trace_id)

    (call,) = llm_spans(trace)
    metrics = call["metrics"]
    assert call["span_name"] == "openai.chat"
    assert call["span_kind"] == "SPAN_KIND_CLIENT"
    assert call["span_type"] == "llm"
    assert metrics["model"] == "gpt-4o-mini-2024-07-18"
    assert metrics["provider"] == "openai"
    assert metrics["prompt_tokens"] == 412
    assert metrics["cache_read_tokens"] == 256
    assert metrics["completion_tokens"] == 27
    assert metrics["reasoning_tokens"] == 8
    assert metrics["total_tokens"] == 439
    assert metrics["total_cost"] == pytest.approx(GPT_4O_MINI_CALL, rel=1e-9)
    assert metrics["prompt_cost"] == pytest.approx(4.26e-5, rel=1e-9)
    assert metrics["completion_cost"] == pytest.approx(1.62e-5, rel=1e-9)
    assert trace["metrics"]["total_cost"] == pytest.approx(5.88e-5, rel=1e-9)
    assert trace["metrics"]["unpriced_llm_calls"] == 0
    assert [span["span_name"] for span in trace["spans"]] == [
        "support_triage.workflow",
        "openai.chat",
    ]
    assert call["parent_span_id"] == trace["spans"][0]["span_id"]
    attributes = call["span_attributes"]
    assert attributes["gen_ai"]["usage"]["input_tokens"] == "412"
    assert trace["spans"][0]["resource_attributes"]["service"]["name"] == "capture"


def test_litellm_reported_cost_is_used(app, client, reader):
    headers, project_id = reader
    trace_id = stored(app, project_id, "litellm_openai_tool_call_with_cost")

    trace = detail(client, headers, project_id, trace_id)

    (call,) = llm_spans(trace)
    assert call["span_name"] == "litellm_request"
    assert call["metrics"]["prompt_cost"] == 4.26e-05
    assert call["metrics"]["completion_cost"] == 1.62e-05
    assert call["metrics"]["total_cost"] == 5.88e-05
    assert call["metrics"]["total_tokens"] == 439


def test_vercel_call_counted_once(app, client, reader):
    headers, project_id = reader
    trace_id = stored(app, project_id, "vercel-ai-sdk-5_generateText_tool_call")

    trace = detail(client, headers, project_id, trace_id)
    listed = client.get(
        "/v4/traces/", query_string={"project_id": project_id}, headers=headers
    ).json

    (call,) = llm_spans(trace)
    assert call["span_name"] == "ai.generateText.doGenerate"
    assert trace["metrics"]["llm_calls"] == 1
    assert trace["metrics"]["prompt_tokens"] == 412
    assert trace["metrics"]["completion_tokens"] == 27
    assert trace["metrics"]["total_tokens"] == 439
    assert listed["traces"][0]["total_tokens"] == 439
    assert listed["metrics"]["total_tokens"] == 439
    assert listed["traces"][0]["root_span_name"] == "ai.generateText"
    # No cache detail is recorded, so all 412 input tokens are full price.
    assert trace["metrics"]["total_cost"] == pytest.approx(
        412 * 1.5e-7 + 27 * 6e-7, rel=1e-9
    )
    tool = next(s for s in trace["spans"] if s["span_name"] == "ai.toolCall")
    assert tool["span_type"] == "tool"


def test_openinference_token_counts(app, client, reader):
    headers, project_id = reader
    trace_id = stored(app, project_id, "openinference-openai-0.1.58_tool_call")

    trace = detail(client, headers, project_id, trace_id)

    (call,) = llm_spans(trace)
    assert call["status_code"] == "OK"
    assert call["metrics"]["prompt_tokens"] == 412
    assert call["metrics"]["cache_read_tokens"] == 256
    assert call["metrics"]["reasoning_tokens"] == 8
    assert call["metrics"]["total_tokens"] == 439
    assert call["metrics"]["total_cost"] == pytest.approx(GPT_4O_MINI_CALL, rel=1e-9)


def test_spec_example_without_llm_attributes(app, client, reader):
    headers, project_id = reader
    trace_id = stored(app, project_id, "otel-proto-example_trace")

    trace = detail(client, headers, project_id, trace_id)

    (span,) = trace["spans"]
    assert span["span_kind"] == "SPAN_KIND_SERVER"
    assert span["metrics"] is None
    assert trace["metrics"]["total_cost"] is None
    assert trace["metrics"]["total_tokens"] == 0
    assert span["start_time"] == "2018-12-13T14:51:00.000000Z"


def test_list_detail_and_metrics_agree(app, client, reader):
    headers, project_id = reader
    names = [
        path.name.removesuffix(".otlp.json") for path in sorted(OTLP.glob("*.json"))
    ]
    trace_ids = [stored(app, project_id, name) for name in names]

    listed = client.get(
        "/v4/traces/", query_string={"project_id": project_id}, headers=headers
    ).json
    details = [detail(client, headers, project_id, tid) for tid in trace_ids]
    metrics = client.get(
        "/v4/meterics/project",
        query_string={
            "project_id": project_id,
            "start_time": "2018-01-01T00:00:00Z",
            "end_time": "2026-12-31T00:00:00Z",
        },
        headers=headers,
    ).json

    # Four LLM calls, each 439 tokens; the spec example has none.
    assert listed["total"] == len(names) == 5
    assert listed["metrics"]["total_tokens"] == 4 * 439
    assert sum(d["metrics"]["total_tokens"] for d in details) == 4 * 439
    assert metrics["token_metrics"]["total_tokens"] == 4 * 439
    vercel_cost = 412 * 1.5e-7 + 27 * 6e-7
    expected_cost = 3 * GPT_4O_MINI_CALL + vercel_cost
    detail_cost = sum(d["metrics"]["total_cost"] or 0 for d in details)
    list_cost = sum(t["total_cost"] or 0 for t in listed["traces"])
    for value in (
        listed["metrics"]["total_cost"],
        detail_cost,
        list_cost,
        metrics["token_metrics"]["total_cost"],
    ):
        assert value == pytest.approx(expected_cost, rel=1e-9)
    for name in ("prompt_tokens", "completion_tokens", "cache_read_tokens"):
        in_details = sum(d["metrics"][name] for d in details)
        assert listed["metrics"][name] == in_details == metrics["token_metrics"][name]
    assert metrics["trace_count"] == 5
    assert metrics["token_metrics"]["unpriced_llm_calls"] == 0
    assert metrics["token_metrics"]["llm_calls"] == 4
    assert listed["metrics"]["span_count"] == sum(len(d["spans"]) for d in details)
    assert metrics["span_count"]["total"] == listed["metrics"]["span_count"]
    # `openai` and the Vercel SDK's `openai.chat` are one provider.
    (model,) = metrics["models"]
    assert (model["model"], model["provider"]) == ("gpt-4o-mini-2024-07-18", "openai")
    assert model["llm_calls"] == 4
    assert model["total_tokens"] == 4 * 439
    assert model["total_cost"] == pytest.approx(expected_cost, rel=1e-9)
