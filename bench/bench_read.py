"""Reading benchmark: trace list, deep cursor page, trace detail and metrics.

Generates spans in a temporary embedded ClickHouse with ClickHouse's own
`numbers()` (1,000,000 spans, 100,000 traces, 20 projects, 30 days by default;
set BENCH_READ_SPANS or pass `--spans N` for a smaller run), then times each
endpoint through the Flask test client against the bare ClickHouse queries it
issues, and prints the ratios and the number of ClickHouse round trips.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

SPANS_PER_TRACE = 10
PROJECTS = 20
DAYS = 30
RUNS = 7
SECRET = "bench-secret-with-enough-length-for-hs256-0123456789"
MODELS = ["gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet-20241022", "house-model"]

GENERATE = """
INSERT INTO {table} (Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName,
    SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion,
    SpanAttributes, Duration, StatusCode, StatusMessage)
SELECT
    fromUnixTimestamp64Nano(toInt64({{start_ns:Int64}}
        + intDiv(number, {per}) * {{gap_ns:Int64}} + (number % {per}) * 1000000)),
    lower(hex(cityHash64(intDiv(number, {per}), 1)))
        || lower(hex(cityHash64(intDiv(number, {per}), 2))),
    lower(hex(cityHash64(number, 3))),
    if(number % {per} = 0, '', lower(hex(cityHash64(number - number % {per}, 3)))),
    '',
    multiIf(number % {per} = 0, 'agent.run',
            number % 3 = 1, 'openai.chat', 'tool.call'),
    if(number % 3 = 1, 'Client', 'Internal'),
    'bench-agent',
    map('agentops.project.id',
        {{projects:Array(String)}}[intDiv(number, {per}) % {projects} + 1],
        'service.name', 'bench-agent'),
    'bench', '1',
    if(number % {per} != 0 AND number % 3 = 1,
       map('gen_ai.request.model', {{models:Array(String)}}[number % {models} + 1],
           'gen_ai.provider.name', 'openai',
           'gen_ai.usage.input_tokens', toString(100 + cityHash64(number, 4) % 4000),
           'gen_ai.usage.output_tokens', toString(10 + cityHash64(number, 5) % 500)),
       map('agentops.tags', '["bench"]')),
    1000000 + cityHash64(number, 6) % 2000000000,
    if(cityHash64(number, 7) % 50 = 0, 'Error', 'Ok'),
    ''
FROM numbers({{count:UInt64}})
"""


def build_app(folder: Path) -> Any:
    """An app on a temporary SQLite file and embedded ClickHouse folder."""
    from flask_migrate import upgrade

    from agentops import clickhouse, create_app

    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(folder),
            "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
            "CLICKHOUSE_PATH": str(folder / "chdb"),
            "CLICKHOUSE_DATABASE": "bench",
            "JWT_SECRET_KEY": SECRET,
            "RATELIMIT_ENABLED": False,
            "LOGGING_LEVEL": "WARNING",
        },
        environ={},
    )
    with app.app_context():
        upgrade()
        clickhouse.migrate(app.extensions["spans"], echo=lambda _: None)
    return app


def user_with_projects(app: Any) -> tuple[dict[str, str], list[str]]:
    """A pro user owning 20 projects; their auth headers and project ids."""
    import jwt

    from agentops.extensions import db
    from agentops.orgs.models import OrgMember
    from agentops.projects.models import Project

    user_id = str(uuid.uuid4())
    now = int(time.time())
    token = jwt.encode(
        {
            "sub": user_id,
            "aud": "authenticated",
            "iat": now,
            "exp": now + 86400,
            "email": "bench@example.com",
        },
        SECRET,
        algorithm="HS256",
    )
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        app.test_client().get("/opsboard/users/me", headers=headers).status_code == 200
    )
    with app.app_context():
        member = db.session.scalars(
            db.select(OrgMember).where(OrgMember.user_id == uuid.UUID(user_id))
        ).first()
        member.org.prem_status = "pro"
        for number in range(PROJECTS - 1):
            db.session.add(Project(org_id=member.org_id, name=f"Bench {number}"))
        db.session.commit()
        projects = db.session.scalars(
            db.select(Project.id).where(Project.org_id == member.org_id)
        ).all()
    return headers, sorted(str(project) for project in projects)


def generate(app: Any, projects: list[str], spans: int) -> float:
    """Fill the span table; returns the seconds it took."""
    from agentops.clickhouse import store

    started = time.perf_counter()
    traces = max(spans // SPANS_PER_TRACE, 1)
    start_ns = (time.time_ns() - DAYS * 86400 * 10**9) // 10**9 * 10**9
    with app.app_context():
        table = store().table
        sql = GENERATE.format(
            table=table, per=SPANS_PER_TRACE, projects=PROJECTS, models=len(MODELS)
        )
        store().command(
            sql,
            {
                "start_ns": start_ns,
                "gap_ns": DAYS * 86400 * 10**9 // traces,
                "projects": projects,
                "models": MODELS,
                "count": traces * SPANS_PER_TRACE,
            },
        )
    return time.perf_counter() - started


class Recorder:
    """Records the ClickHouse queries run while it is installed."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, str, dict[str, Any]]] = []
        self.active = False

    def install(self) -> None:
        """Wrap the span store's query methods."""
        from agentops.clickhouse import SpanStore

        for name in ("query", "query_dicts"):
            original = getattr(SpanStore, name)

            def wrapped(
                store: Any, sql: str, params: Any = None, *, _o=original, _n=name
            ) -> Any:
                if self.active:
                    self.queries.append((_n, sql, dict(params or {})))
                return _o(store, sql, params)

            setattr(SpanStore, name, wrapped)


def timed(action: Callable[[], Any]) -> float:
    """Seconds one call of `action` takes."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(
    app: Any, recorder: Recorder, label: str, url: str, headers: dict[str, str]
) -> dict[str, Any]:
    """Time one endpoint and the bare queries it needs, runs interleaved."""
    from agentops.clickhouse import store

    client = app.test_client()

    def call() -> Any:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.json
        return response.json

    recorder.queries, recorder.active = [], True
    body = call()
    recorder.active = False
    queries = list(recorder.queries)

    def bare() -> None:
        with app.app_context():
            spans = store()
            for method, sql, params in queries:
                getattr(spans, method)(sql, params)

    bare()
    endpoint_times, bare_times = [], []
    for _ in range(RUNS):
        endpoint_times.append(timed(call))
        bare_times.append(timed(bare))
    endpoint = statistics.median(endpoint_times)
    queries_time = statistics.median(bare_times)
    ratio = endpoint / queries_time if queries_time else float("inf")
    print(
        f"{label:<22} endpoint {endpoint * 1000:8.1f} ms   bare queries "
        f"{queries_time * 1000:8.1f} ms   ratio {ratio:5.2f}   "
        f"round trips {len(queries)}"
    )
    return body


def run(spans: int) -> None:
    """Generate, then time each endpoint against its bare queries."""
    with tempfile.TemporaryDirectory(prefix="bench-read-") as folder:
        app = build_app(Path(folder))
        headers, projects = user_with_projects(app)
        seconds = generate(app, projects, spans)
        print(
            f"generated {spans:,} spans in {seconds:.1f} s "
            f"({PROJECTS} projects, {DAYS} days)"
        )
        recorder = Recorder()
        recorder.install()
        project = projects[0]
        base = f"/v4/traces/?project_id={project}"
        first = measure(app, recorder, "trace list, page 1", base, headers)
        total = first["total"]
        deep = measure(
            app,
            recorder,
            "trace list, deep page",
            f"{base}&limit=100&offset={max(total - 200, 0)}",
            headers,
        )
        if deep["next_cursor"]:
            measure(
                app,
                recorder,
                "trace list, by cursor",
                f"{base}&limit=100&cursor={deep['next_cursor']}",
                headers,
            )
        trace_id = first["traces"][0]["trace_id"]
        measure(
            app,
            recorder,
            "trace detail",
            f"/v4/traces/{trace_id}?project_id={project}",
            headers,
        )
        measure(
            app,
            recorder,
            "project metrics (30d)",
            f"/v4/meterics/project?project_id={project}",
            headers,
        )
        print(f"project {project}: {total:,} traces")
        app.extensions["spans"].close()


def main() -> None:
    """Run the reading benchmark (BENCH_READ_SPANS or --spans sets the size)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--spans", type=int, default=int(os.environ.get("BENCH_READ_SPANS", 1_000_000))
    )
    arguments, _ = parser.parse_known_args()
    run(max(arguments.spans, SPANS_PER_TRACE * PROJECTS))


if __name__ == "__main__":
    main()
