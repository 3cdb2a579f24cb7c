"""Real clients send spans to the served app: the OTel SDK and the AgentOps SDK."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, StatusCode

from tests.support.ingest import make_project, stored_spans

# Runs the AgentOps SDK in its own interpreter (`python -I`, so this repository's
# own `agentops` package cannot shadow it), with every socket outside loopback
# refused, and prints the id of the trace it sent.
AGENTOPS_SCRIPT = """
import json, socket, sys, time

BASE, API_KEY = sys.argv[1], sys.argv[2]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
connect, getaddrinfo = socket.socket.connect, socket.getaddrinfo

def loopback_connect(sock, address):
    if isinstance(address, tuple) and address[0] not in LOOPBACK:
        raise OSError(f"network disabled in this test: {address[0]}")
    return connect(sock, address)

def loopback_getaddrinfo(host, *args, **kwargs):
    if host not in LOOPBACK:
        raise socket.gaierror(f"network disabled in this test: {host}")
    return getaddrinfo(host, *args, **kwargs)

socket.socket.connect = loopback_connect
socket.getaddrinfo = loopback_getaddrinfo

import agentops
from agentops.sdk.core import TracingCore, tracer

initialize = TracingCore.initialize

def initialize_locally(self, jwt_provider=None, **kwargs):
    kwargs["metrics_endpoint"] = BASE + "/v1/metrics"
    return initialize(self, jwt_provider=jwt_provider, **kwargs)

TracingCore.initialize = initialize_locally

agentops.init(
    api_key=API_KEY,
    endpoint=BASE,
    exporter_endpoint=BASE + "/v1/traces",
    instrument_llm_calls=False,
    auto_start_session=False,
    env_data_opt_out=True,
    log_level="WARNING",
    export_flush_interval=100,
)
client = agentops.get_client()
deadline = time.monotonic() + 20
while client.get_current_jwt() is None and time.monotonic() < deadline:
    time.sleep(0.05)
if client.get_current_jwt() is None:
    sys.exit("no project token from /v3/auth/token")

@agentops.tool(name="lookup")
def lookup(city):
    return {"city": city, "temperature": 21}

@agentops.agent(name="weather-agent")
class WeatherAgent:
    def run(self, city):
        return lookup(city)

context = agentops.start_trace("sdk-run", tags=["sdk", "test"])
WeatherAgent().run("Lisbon")
agentops.end_trace(context, "Success")
trace_id = format(context.span.get_span_context().trace_id, "032x")
tracer.shutdown()
print(json.dumps({"trace_id": trace_id, "token": client.get_current_jwt() is not None}))
"""


def wait_for_spans(app, project_id: str, count: int) -> list[dict]:
    """The project's spans once at least `count` have arrived (exports are async)."""
    deadline = time.monotonic() + 20
    rows = stored_spans(app, project_id)
    while len(rows) < count and time.monotonic() < deadline:
        time.sleep(0.1)
        rows = stored_spans(app, project_id)
    return rows


def test_opentelemetry_exporter_with_api_key_header(app, live_server):
    project = make_project(app)
    exporter = OTLPSpanExporter(
        endpoint=f"{live_server}/v1/traces",
        headers={"X-Agentops-Api-Key": project.api_key},
        compression=Compression.Gzip,
        timeout=5,
    )
    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": "otel-client", "agentops.project.id": "spoofed"}
        )
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("tests.sdk")

    with tracer.start_as_current_span("agent.run") as root:
        with tracer.start_as_current_span("llm.call", kind=SpanKind.CLIENT) as llm:
            llm.set_attribute("gen_ai.request.model", "gpt-4o-mini")
            llm.set_attribute("gen_ai.usage.input_tokens", 412)
            llm.add_event("retry", {"attempt": 2})
        root.set_status(StatusCode.OK)
    provider.shutdown()

    rows = {row["SpanName"]: row for row in stored_spans(app, project.id)}
    assert set(rows) == {"agent.run", "llm.call"}
    llm_row, root_row = rows["llm.call"], rows["agent.run"]
    assert llm_row["ParentSpanId"] == root_row["SpanId"]
    assert llm_row["TraceId"] == format(root.get_span_context().trace_id, "032x")
    assert llm_row["SpanKind"] == "Client"
    assert llm_row["SpanAttributes"]["gen_ai.usage.input_tokens"] == "412"
    assert llm_row["event_names"] == ["retry"]
    assert root_row["StatusCode"] == "Ok"
    assert root_row["ServiceName"] == "otel-client"
    assert root_row["ResourceAttributes"]["agentops.project.id"] == project.id


def test_opentelemetry_exporter_with_project_token(app, live_server):
    project = make_project(app)
    token = (
        app.test_client()
        .post("/v3/auth/token", json={"api_key": project.api_key})
        .json["token"]
    )
    exporter = OTLPSpanExporter(
        endpoint=f"{live_server}/v1/traces",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    with provider.get_tracer("tests.sdk").start_as_current_span("one"):
        pass
    provider.shutdown()

    assert [row["SpanName"] for row in stored_spans(app, project.id)] == ["one"]


def test_agentops_sdk(app, live_server, tmp_path: Path):
    project = make_project(app)
    script = tmp_path / "send_trace.py"
    script.write_text(textwrap.dedent(AGENTOPS_SCRIPT))
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AGENTOPS_LOG_LEVEL": "WARNING",
    }

    result = subprocess.run(
        [sys.executable, "-I", str(script), live_server, project.api_key],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=90,
    )

    assert result.returncode == 0, result.stderr
    sent = json.loads(result.stdout.strip().splitlines()[-1])
    rows = wait_for_spans(app, project.id, 3)
    names = {row["SpanName"] for row in rows}
    assert {row["TraceId"] for row in rows} == {sent["trace_id"]}
    assert any(name.startswith("sdk-run") for name in names), names
    assert any("weather-agent" in name for name in names), names
    assert any("lookup" in name for name in names), names
    assert {row["ResourceAttributes"]["agentops.project.id"] for row in rows} == {
        project.id
    }
