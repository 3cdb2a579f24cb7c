"""Spans per second through POST /v1/traces against a bare client insert.

Both sides store the same rows in batches of 512 into the embedded ClickHouse;
the difference is the cost of the ingest path (HTTP handling through the Flask
test client, authentication, protobuf decoding and turning spans into rows).
The bare insert is a plain `client.insert` with column names; the store's own
insert, which reuses an insert context and so skips the column-type lookup, is
printed as a second baseline. Run: `python -m bench`.
"""

from __future__ import annotations

import logging
import random
import tempfile
import time
import uuid
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from agentops import clickhouse, create_app
from agentops.extensions import db
from agentops.ingest import otlp
from agentops.orgs.models import Org
from agentops.projects.models import Project

logger = logging.getLogger(__name__)

BATCH = 512
BATCHES = 40
ROUNDS = 5


def value(raw: object) -> AnyValue:
    """An OTLP value for a Python scalar."""
    if isinstance(raw, bool):
        return AnyValue(bool_value=raw)
    if isinstance(raw, int):
        return AnyValue(int_value=raw)
    if isinstance(raw, float):
        return AnyValue(double_value=raw)
    return AnyValue(string_value=str(raw))


def export(seed: int) -> ExportTraceServiceRequest:
    """One export of BATCH spans shaped like an agent's LLM and tool calls."""
    rng = random.Random(seed)
    message = ExportTraceServiceRequest()
    resource_spans = message.resource_spans.add()
    for key, raw in {
        "service.name": "bench-agent",
        "telemetry.sdk.language": "python",
        "telemetry.sdk.version": "1.44.0",
        "host.name": "bench.local",
    }.items():
        resource_spans.resource.attributes.append(KeyValue(key=key, value=value(raw)))
    scope_spans = resource_spans.scope_spans.add()
    scope_spans.scope.name = "bench"
    start = 1_790_000_000_000_000_000 + seed * 10**12
    for index in range(BATCH):
        span = scope_spans.spans.add()
        span.trace_id = rng.randbytes(16)
        span.span_id = rng.randbytes(8)
        span.parent_span_id = rng.randbytes(8)
        span.name = rng.choice(["openai.chat", "tool.search", "agent.plan"])
        span.kind = Span.SPAN_KIND_CLIENT
        span.start_time_unix_nano = start + index * 1000
        span.end_time_unix_nano = span.start_time_unix_nano + rng.randint(10**6, 10**9)
        span.status.code = 1
        attributes = {
            "gen_ai.system": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "gen_ai.usage.input_tokens": rng.randint(10, 5000),
            "gen_ai.usage.output_tokens": rng.randint(10, 800),
            "gen_ai.request.temperature": 0.7,
            "gen_ai.prompt.0.role": "user",
            "gen_ai.prompt.0.content": "What is the weather in Lisbon? " * 4,
            "gen_ai.completion.0.content": "It is sunny and 21 degrees.",
            "llm.is_streaming": False,
            "agentops.span.kind": "llm",
        }
        for key, raw in attributes.items():
            span.attributes.append(KeyValue(key=key, value=value(raw)))
        event = span.events.add()
        event.time_unix_nano = span.start_time_unix_nano + 500
        event.name = "gen_ai.content.prompt"
    return message


def setup(folder: Path):
    """An app on a bench instance folder, with fresh schemas and one project."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench.db").unlink(missing_ok=True)
    app = create_app(
        {
            "INSTANCE_PATH": str(folder),
            "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
            "CLICKHOUSE_DATABASE": "bench",
            "TESTING": True,
            "RATELIMIT_ENABLED": False,
            "LOGGING_LEVEL": "WARNING",
            "JWT_SECRET_KEY": "bench-secret-bench-secret-bench-secret-00",
        },
        environ={},
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        spans = clickhouse.store()
        spans.command("DROP DATABASE IF EXISTS bench")
        clickhouse.migrate(spans, echo=lambda _: None)
        org = Org(name="Bench")
        db.session.add(org)
        db.session.flush()
        project = Project(org_id=org.id, name="Bench")
        db.session.add(project)
        db.session.commit()
        api_key = str(project.api_key)
    return app, api_key


def timed_post(client, headers: dict[str, str], body: bytes) -> float:
    """Seconds to post one body to /v1/traces."""
    began = time.perf_counter()
    response = client.post("/v1/traces", data=body, headers=headers)
    elapsed = time.perf_counter() - began
    if response.status_code != 200:
        raise RuntimeError(f"/v1/traces answered {response.status_code}")
    return elapsed


def timed_insert(spans, rows: list[list]) -> float:
    """Seconds to insert rows straight through the client."""
    client = spans.client()
    began = time.perf_counter()
    client.insert(spans.table, rows, column_names=list(otlp.COLUMNS))
    return time.perf_counter() - began


def timed_prepared_insert(spans, rows: list[list]) -> float:
    """Seconds to insert rows through the store's reused insert context."""
    began = time.perf_counter()
    spans.insert(clickhouse.SPANS_TABLE, rows, otlp.COLUMNS)
    return time.perf_counter() - began


def main() -> None:
    """Print spans per second both ways and their ratio.

    The two ways alternate batch by batch, and each batch keeps its best time
    over the rounds, so a busy machine skews both sides alike.
    """
    messages = [export(seed) for seed in range(BATCHES)]
    bodies = [message.SerializeToString() for message in messages]
    batches = [otlp.span_rows(message, str(uuid.uuid4())).rows for message in messages]
    app, api_key = setup(Path(tempfile.gettempdir()) / "agentops-bench")
    client = app.test_client()
    headers = {"Content-Type": "application/x-protobuf", "X-Agentops-Api-Key": api_key}
    best_post = [float("inf")] * BATCHES
    best_insert = [float("inf")] * BATCHES
    best_prepared = [float("inf")] * BATCHES
    with app.app_context():
        spans = clickhouse.store()
        timed_post(client, headers, bodies[0])
        timed_insert(spans, batches[0])
        for _ in range(ROUNDS):
            for index in range(BATCHES):
                best_insert[index] = min(
                    best_insert[index], timed_insert(spans, batches[index])
                )
                best_prepared[index] = min(
                    best_prepared[index], timed_prepared_insert(spans, batches[index])
                )
                best_post[index] = min(
                    best_post[index], timed_post(client, headers, bodies[index])
                )
        spans.command("DROP DATABASE IF EXISTS bench")
    count = BATCH * BATCHES
    post_seconds, insert_seconds = sum(best_post), sum(best_insert)
    prepared_seconds = sum(best_prepared)
    print(f"spans: {count} in batches of {BATCH}, best of {ROUNDS} rounds per batch")
    print(f"POST /v1/traces (protobuf):     {count / post_seconds:10,.0f} spans/s")
    print(f"bare client insert:             {count / insert_seconds:10,.0f} spans/s")
    print(f"bare insert, prepared context:  {count / prepared_seconds:10,.0f} spans/s")
    print(f"ingest / bare insert:           {post_seconds / insert_seconds:10.2f}x")
    print(f"ingest / prepared insert:       {post_seconds / prepared_seconds:10.2f}x")


if __name__ == "__main__":
    main()
