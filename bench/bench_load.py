"""Load: the app under gunicorn against a bare Flask app under the same settings.

Serves the app with `gunicorn.conf.py` on a temporary instance (embedded stores),
loads a few hundred traces through `/v1/traces`, then drives it from a second
process with a mix of trace-list, metrics, trace-detail and ingestion requests
from many concurrent clients for a bounded time. The same driver then hits a
bare Flask "hello" app under the same gunicorn settings. Prints throughput,
p50/p99 latency and errors for both, and the ratios.

Environment: BENCH_LOAD_SECONDS (default 15), BENCH_LOAD_CLIENTS (default 32).
"""

from __future__ import annotations

import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def attribute(key: str, value: str | int) -> KeyValue:
    """One OTLP attribute."""
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


def trace_batch(traces: int, spans_per_trace: int, rng: random.Random) -> bytes:
    """An OTLP protobuf export of agent traces with LLM spans."""
    now = time.time_ns()
    spans = []
    for _ in range(traces):
        trace_id = rng.randbytes(16)
        root_id = rng.randbytes(8)
        start = now - rng.randrange(0, 86_400) * 10**9
        for index in range(spans_per_trace):
            span_id = root_id if index == 0 else rng.randbytes(8)
            attrs = [attribute("agentops.span.kind", "agent" if index == 0 else "llm")]
            if index:
                attrs += [
                    attribute("gen_ai.request.model", "gpt-4o-mini"),
                    attribute("gen_ai.usage.input_tokens", rng.randrange(50, 2000)),
                    attribute("gen_ai.usage.output_tokens", rng.randrange(5, 500)),
                ]
            spans.append(
                Span(
                    trace_id=trace_id,
                    span_id=span_id,
                    parent_span_id=b"" if index == 0 else root_id,
                    name="agent.run" if index == 0 else "openai.chat",
                    kind=Span.SPAN_KIND_INTERNAL
                    if index == 0
                    else Span.SPAN_KIND_CLIENT,
                    start_time_unix_nano=start + index * 1_000_000,
                    end_time_unix_nano=start + index * 1_000_000 + 900_000,
                    attributes=attrs,
                )
            )
    request = ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource={"attributes": [attribute("service.name", "bench-agent")]},
                scope_spans=[ScopeSpans(spans=spans)],
            )
        ]
    )
    return request.SerializeToString()


def call(url: str, method: str = "GET", body: bytes | None = None, headers=None):
    """One HTTP request; returns the decoded JSON answer."""
    request = urllib.request.Request(
        url, data=body, method=method, headers=headers or {}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def serve(app_path: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    """Start gunicorn with the project's settings and wait until it answers."""
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", app_path],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
            return process
        except OSError as error:
            if "404" in str(error):
                return process
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app_path} did not start")


def drive(url: str, mix: list[dict], seconds: float, clients: int) -> dict:
    """Run the load driver in its own process."""
    output = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "load_driver.py"),
            "--url",
            url,
            "--mix",
            json.dumps(mix),
            "--seconds",
            str(seconds),
            "--clients",
            str(clients),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 120,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def flask_cli(env: dict[str, str], *args: str) -> str:
    """Run a `flask` command against the benchmark instance."""
    result = subprocess.run(
        [str(BIN / "flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed: {result.stderr[-2000:]}")
    return result.stdout


def report(name: str, summary: dict) -> None:
    """Print one row of results."""
    rate = summary["throughput"]
    print(
        f"{name:<10} {rate:>10.1f} req/s  p50 {summary['p50_ms']:>8.2f} ms"
        f"  p99 {summary['p99_ms']:>8.2f} ms  errors {summary['errors']}"
        f"  ({summary['requests']} requests, {summary['clients']} clients)"
    )


def main() -> None:
    """Run the load benchmark and print its figures."""
    seconds = float(os.environ.get("BENCH_LOAD_SECONDS", "15"))
    clients = int(os.environ.get("BENCH_LOAD_CLIENTS", "32"))
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as instance:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "FLASK_APP": "wsgi",
            "INSTANCE_PATH": instance,
            "JWT_SECRET_KEY": secrets.token_urlsafe(32),
            "LOGGING_LEVEL": "WARNING",
            # One client address sends everything here; production limits would
            # answer 429 to a load test from loopback.
            "RATELIMIT_ENABLED": "false",
        }
        flask_cli(env, "db", "upgrade")
        flask_cli(env, "clickhouse", "migrate")
        token = (
            flask_cli(env, "users", "token", "bench@example.com")
            .strip()
            .splitlines()[-1]
        )
        auth = {"Authorization": f"Bearer {token}"}

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve("wsgi:app", port, env)
        try:
            projects = call(f"{base}/opsboard/projects", headers=auth)
            project = projects[0]
            ingest_headers = {
                "Content-Type": "application/x-protobuf",
                "X-Agentops-Api-Key": str(project["api_key"]),
            }
            for _ in range(10):
                call(
                    f"{base}/v1/traces",
                    "POST",
                    trace_batch(50, 6, rng),
                    ingest_headers,
                )
            listing = call(f"{base}/v4/traces?project_id={project['id']}", headers=auth)
            trace_id = listing["traces"][0]["trace_id"]
            query = f"project_id={project['id']}"
            mix = [
                {
                    "name": "list",
                    "path": f"/v4/traces?{query}",
                    "headers": auth,
                    "weight": 4,
                },
                {
                    "name": "metrics",
                    "path": f"/v4/meterics/project?{query}",
                    "headers": auth,
                    "weight": 2,
                },
                {
                    "name": "detail",
                    "path": f"/v4/traces/{trace_id}?{query}",
                    "headers": auth,
                    "weight": 2,
                },
                {
                    "name": "ingest",
                    "method": "POST",
                    "path": "/v1/traces",
                    "headers": ingest_headers,
                    "body_hex": trace_batch(4, 6, rng).hex(),
                    "weight": 2,
                },
            ]
            app_summary = drive(base, mix, seconds, clients)
        finally:
            server.terminate()
            server.wait(timeout=30)

    hello_port = free_port()
    hello = serve(
        "bench.hello_app:app", hello_port, {"PATH": os.environ.get("PATH", "")}
    )
    try:
        hello_summary = drive(
            f"http://127.0.0.1:{hello_port}",
            [{"name": "hello", "path": "/hello"}],
            seconds,
            clients,
        )
    finally:
        hello.terminate()
        hello.wait(timeout=30)

    print(f"load: gunicorn.conf.py defaults, {clients} clients, {seconds:.0f} s each")
    report("app", app_summary)
    for kind, figures in app_summary["by_kind"].items():
        count = figures["requests"]
        print(
            f"  {kind:<8} {count:>7} requests  p50 {figures['p50_ms']:>8.2f} ms"
            f"  p99 {figures['p99_ms']:>8.2f} ms  errors {figures['errors']}"
        )
    report("hello", hello_summary)
    if hello_summary["throughput"]:
        ratio = app_summary["throughput"] / hello_summary["throughput"]
        print(f"ratio app/hello throughput: {ratio:.3f}")
    if hello_summary["p50_ms"]:
        latency = app_summary["p50_ms"] / hello_summary["p50_ms"]
        print(f"ratio app/hello p50 latency: {latency:.2f}")


if __name__ == "__main__":
    main()
