"""Generated agent traces: nested agent, LLM and tool spans, as OTLP requests.

The shapes follow what agent frameworks send: a root agent span per run, LLM
calls with the OTel GenAI usage attributes, tool calls, sometimes a sub-agent,
and a few failures with an exception event. A seeded random generator makes
the same traces every time, placed in time relative to `now`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ScopeSpans, Span, Status

MS = 1_000_000


@dataclass(frozen=True)
class Model:
    """A model the demo agents call, with its provider and typical sizes."""

    provider: str
    name: str
    response_name: str
    input_range: tuple[int, int]
    output_range: tuple[int, int]
    caches: bool


MODELS = (
    Model(
        "openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", (300, 6000), (20, 900), True
    ),
    Model("openai", "gpt-4o", "gpt-4o-2024-08-06", (500, 9000), (50, 1200), True),
    Model(
        "anthropic",
        "claude-3-5-haiku-20241022",
        "claude-3-5-haiku-20241022",
        (400, 7000),
        (30, 800),
        False,
    ),
    Model(
        "anthropic",
        "claude-sonnet-4-20250514",
        "claude-sonnet-4-20250514",
        (800, 12000),
        (100, 2000),
        True,
    ),
    Model(
        "google", "gemini-2.0-flash", "gemini-2.0-flash", (200, 5000), (20, 700), False
    ),
)
AGENTS = {
    "support-agent": ("lookup_order", "search_help_center", "issue_refund"),
    "research-agent": ("web_search", "fetch_page", "summarize_pdf"),
    "coding-agent": ("read_file", "run_tests", "apply_patch"),
}
TAGS = {
    "support-agent": ["support", "production"],
    "research-agent": ["research"],
    "coding-agent": ["coding", "experiment"],
}
TOOL_ERRORS = {
    "issue_refund": "PaymentGatewayError: card issuer declined the refund",
    "fetch_page": "TimeoutError: GET timed out after 10s",
    "run_tests": "CalledProcessError: pytest exited with status 1",
}


def attribute(key: str, value: object) -> KeyValue:
    """An OTLP attribute from a Python value."""
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    if isinstance(value, float):
        return KeyValue(key=key, value=AnyValue(double_value=value))
    if isinstance(value, list):
        item = AnyValue()
        item.array_value.values.extend(AnyValue(string_value=str(v)) for v in value)
        return KeyValue(key=key, value=item)
    return KeyValue(key=key, value=AnyValue(string_value=str(value)))


class TraceBuilder:
    """Adds the spans of one agent run to a scope, keeping a clock."""

    def __init__(self, rng: random.Random, scope: ScopeSpans, start_ns: int) -> None:
        self.rng = rng
        self.scope = scope
        self.trace_id = rng.randbytes(16)
        self.clock = start_ns
        self.failed = False

    def span(
        self, name: str, parent: Span | None, kind: int, attributes: dict[str, object]
    ) -> Span:
        """Open a span at the current clock (its end is set by `finish`)."""
        span = self.scope.spans.add()
        span.trace_id = self.trace_id
        span.span_id = self.rng.randbytes(8)
        if parent is not None:
            span.parent_span_id = parent.span_id
        span.name = name
        span.kind = kind
        span.start_time_unix_nano = self.clock
        span.attributes.extend(attribute(k, v) for k, v in attributes.items())
        return span

    def finish(self, span: Span, error: str | None = None) -> None:
        """Close a span at the current clock, failed when `error` is given."""
        self.clock += self.rng.randint(1, 5) * MS
        span.end_time_unix_nano = self.clock
        if error is None:
            span.status.code = Status.STATUS_CODE_OK
            return
        self.failed = True
        span.status.code = Status.STATUS_CODE_ERROR
        span.status.message = error
        event = span.events.add()
        event.time_unix_nano = self.clock - MS
        event.name = "exception"
        kind, _, message = error.partition(": ")
        event.attributes.extend(
            [attribute("exception.type", kind), attribute("exception.message", message)]
        )

    def llm_call(self, parent: Span, model: Model, purpose: str) -> None:
        """One chat completion with its token usage."""
        rng = self.rng
        input_tokens = rng.randint(*model.input_range)
        output_tokens = rng.randint(*model.output_range)
        attributes: dict[str, object] = {
            "agentops.span.kind": "llm",
            "gen_ai.operation.name": "chat",
            "gen_ai.system": model.provider,
            "gen_ai.provider.name": model.provider,
            "gen_ai.request.model": model.name,
            "gen_ai.response.model": model.response_name,
            "gen_ai.request.temperature": rng.choice([0.0, 0.2, 0.7]),
            "gen_ai.usage.input_tokens": input_tokens,
            "gen_ai.usage.output_tokens": output_tokens,
            "gen_ai.prompt.0.role": "user",
            "gen_ai.prompt.0.content": purpose,
            "gen_ai.completion.0.role": "assistant",
            "gen_ai.response.finish_reasons": ["stop"],
        }
        if model.caches and rng.random() < 0.4:
            cached = rng.randint(input_tokens // 4, input_tokens // 2)
            attributes["gen_ai.usage.cache_read.input_tokens"] = cached
        span = self.span(
            f"{model.provider}.chat", parent, Span.SPAN_KIND_CLIENT, attributes
        )
        self.clock += int(rng.lognormvariate(6.8, 0.6)) * MS
        self.finish(span)

    def tool_call(self, parent: Span, tool: str, may_fail: bool) -> None:
        """One tool call, failing now and then."""
        span = self.span(
            f"{tool}.tool",
            parent,
            Span.SPAN_KIND_INTERNAL,
            {
                "agentops.span.kind": "tool",
                "agentops.entity.name": tool,
                "tool.name": tool,
                "agentops.entity.input": f'{{"query": "{tool} request"}}',
            },
        )
        self.clock += int(self.rng.lognormvariate(5.5, 0.9)) * MS
        error = TOOL_ERRORS.get(tool) if may_fail else None
        self.finish(span, error)

    def agent_run(self, agent: str, parent: Span | None, depth: int = 0) -> Span:
        """An agent span with its LLM calls, tool calls and maybe a sub-agent."""
        rng = self.rng
        attributes: dict[str, object] = {
            "agentops.span.kind": "agent",
            "agentops.entity.name": agent,
        }
        if parent is None:
            attributes["agentops.tags"] = TAGS[agent]
        span = self.span(f"{agent}.run", parent, Span.SPAN_KIND_INTERNAL, attributes)
        model = rng.choice(MODELS)
        for step in range(rng.randint(1, 3)):
            self.llm_call(span, model, f"step {step + 1} of the {agent}")
            for tool in rng.sample(AGENTS[agent], rng.randint(0, 2)):
                self.tool_call(span, tool, may_fail=rng.random() < 0.06)
        if depth == 0 and rng.random() < 0.25:
            helper = rng.choice([name for name in AGENTS if name != agent])
            self.agent_run(helper, span, depth + 1)
        self.llm_call(span, model, "write the final answer")
        self.finish(span, "AgentError: a tool call failed" if self.failed else None)
        return span


def demo_requests(
    now: datetime, traces: int = 300, days: int = 21, seed: int = 2026
) -> Iterator[ExportTraceServiceRequest]:
    """OTLP requests holding `traces` agent runs spread over the last `days`."""
    rng = random.Random(seed)
    window_ns = int(timedelta(days=days).total_seconds() * 1e9)
    end_ns = int(now.timestamp() * 1e9) - 3600 * 10**9
    starts = sorted(end_ns - rng.randrange(window_ns) for _ in range(traces))
    for start_ns in starts:
        agent = rng.choice(list(AGENTS))
        request = ExportTraceServiceRequest()
        resource_spans = request.resource_spans.add()
        resource_spans.resource.attributes.extend(
            [
                attribute("service.name", agent),
                attribute("deployment.environment", "demo"),
                attribute("telemetry.sdk.language", "python"),
            ]
        )
        scope = resource_spans.scope_spans.add()
        scope.scope.name = "agentops.demo"
        TraceBuilder(rng, scope, start_ns).agent_run(agent, None)
        yield request
