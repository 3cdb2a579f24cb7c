"""Real framework traces (Langfuse exports, converted to OTLP) read and counted."""

from __future__ import annotations

import pytest

from tests.conftest import SPANS_DIR
from tests.support.langfuse import to_otlp, usage_details
from tests.support.span_store import load, member_project, store_spans

EXPORTS = SPANS_DIR / "langfuse-framework-traces"
# Per export, the observations whose usage the spans themselves report; the sum
# of Langfuse's usage details over them is the expected total. Langfuse also
# shows usage it estimated with a tokenizer where no span reports any (agno's
# OpenAIChat.invoke, koog's llm.chat, microsoft-agent's invoke_agent and the
# Vercel root, whose attributes repeat its child's): those are not counted.
# agno's two calls report their usage in the OpenAI answer kept in
# `output.value`; Langfuse's SDK recorded the same numbers on the child
# observations listed here.
REPORTED = {
    "agno-2025-06-11": ["fc7f61b57ecebbaf", "1f883bb9668167c0"],
    "crewai-2025-07-11": ["231c43964b7e7e63"],
    "google-gemini-2025-08-01": ["b7a63ca7e1d083bc"],
    "koog-2025-08-26": [],
    "llamaindex-2025-06-05": ["7ca8b22f6628d0c7"],
    "microsoft-agent-2025-12-17": ["2406e8343fd49c0e", "b0913e7cd82d72b8"],
    "openai-agents-2025-09-30": ["90d94774e8e3724d", "98870087af69bf06"],
    "pydantic-ai-2025-06-06": ["5cb389a3bdd21a6e"],
    "pydantic-ai-tools-2025-06-06": ["5cb389a3bdd21a6e"],
    "pydantic-ai-tools-2025-12-04": [
        "00d2804abb764b1b",
        "eb0cc14cf7943ad5",
        "8976b072313c51f2",
        "be64c23f44dd98be",
    ],
    "pydantic-ai-with-gemini-2025-12-24": ["8ffb64580a84a3f0"],
    "vercel-aisdk-2025-11-17": ["91a17a2274bfd23f"],
}
# Worked out from the exports by hand: total tokens of the reported calls.
HAND_TOTALS = {
    "agno-2025-06-11": 888 + 183,
    "crewai-2025-07-11": 354,
    "google-gemini-2025-08-01": 2061,
    "koog-2025-08-26": 0,
    "llamaindex-2025-06-05": 94,
    "microsoft-agent-2025-12-17": 163 + 236,
    "openai-agents-2025-09-30": 114 + 70,
    "pydantic-ai-2025-06-06": 127,
    "pydantic-ai-tools-2025-06-06": 127,
    "pydantic-ai-tools-2025-12-04": 470 + 200 + 516 + 338,
    "pydantic-ai-with-gemini-2025-12-24": 199,
    "vercel-aisdk-2025-11-17": 147,
}

pytestmark = pytest.mark.skipif(not EXPORTS.exists(), reason="shared span data missing")


def test_every_export_is_covered():
    names = {path.name.removesuffix(".trace.json") for path in EXPORTS.glob("*.json")}
    assert names == set(REPORTED)


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_tokens_equal_the_exports_usage(app, client, tokens, name):
    user = tokens.user()
    project_id = member_project(app, client, user)
    exported = load(EXPORTS / f"{name}.trace.json")
    store_spans(app, project_id, to_otlp(exported))
    observations = {o["id"]: o for o in exported["observations"]}
    reported = [usage_details(observations[oid]) for oid in REPORTED[name]]

    listed = client.get(
        "/v4/traces/", query_string={"project_id": project_id}, headers=user.headers
    ).json
    (trace,) = listed["traces"]
    detail = client.get(
        f"/v4/traces/{trace['trace_id']}",
        query_string={"project_id": project_id},
        headers=user.headers,
    ).json

    expected_total = sum(usage["total"] for usage in reported)
    assert expected_total == HAND_TOTALS[name]
    assert trace["total_tokens"] == expected_total
    assert listed["metrics"]["total_tokens"] == expected_total
    assert detail["metrics"]["total_tokens"] == expected_total
    assert detail["metrics"]["prompt_tokens"] == sum(u["input"] for u in reported)
    assert detail["metrics"]["completion_tokens"] == sum(u["output"] for u in reported)
    assert detail["metrics"]["llm_calls"] == len(reported)
    assert listed["metrics"]["total_cost"] == pytest.approx(
        detail["metrics"]["total_cost"], rel=1e-9
    )
    assert len(detail["spans"]) == len(exported["observations"])


def test_reported_operation_cost_is_summed(app, client, tokens):
    """pydantic-ai reports `operation.cost` on each call; those costs are used."""
    user = tokens.user()
    project_id = member_project(app, client, user)
    store_spans(
        app,
        project_id,
        to_otlp(load(EXPORTS / "pydantic-ai-tools-2025-12-04.trace.json")),
    )

    listed = client.get(
        "/v4/traces/", query_string={"project_id": project_id}, headers=user.headers
    ).json

    expected = 0.00009435 + 0.00006105 + 0.0000837 + 0.00008355
    assert listed["metrics"]["total_cost"] == pytest.approx(expected, rel=1e-12)
    assert listed["metrics"]["unpriced_llm_calls"] == 0
