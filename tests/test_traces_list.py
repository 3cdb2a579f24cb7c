"""Filters, sorting, paging, access and bad input of the trace endpoints."""

from __future__ import annotations

import pytest

from agentops.clickhouse import store
from agentops.ingest.otlp import COLUMNS, from_json, span_rows
from tests.support import span_store
from tests.support.span_store import export, member_project, span, store_spans

T0 = 1_780_000_000 * 10**9  # 2026-05-28, older than any free-plan cutoff
SECOND = 10**9
FIRST_TRACE = f"{1:032x}"


def trace_id(number: int) -> str:
    """A readable trace id."""
    return f"{number:032x}"


def span_id(trace: int, number: int) -> str:
    """A span id unique across the test's traces."""
    return f"{trace:08x}{number:08x}"


def llm(tokens_in: int, tokens_out: int, model: str = "gpt-4o-mini") -> dict:
    """Attributes of an OTel GenAI call."""
    return {
        "gen_ai.request.model": model,
        "gen_ai.provider.name": "openai",
        "gen_ai.usage.input_tokens": tokens_in,
        "gen_ai.usage.output_tokens": tokens_out,
    }


reader = span_store.reader


@pytest.fixture
def three_traces(app, reader):
    """Three traces with different roots, tags, status and usage."""
    return store_three_traces(app, reader[1])


def store_three_traces(app, project_id):
    """Store the three traces the list tests read; returns the project id."""
    spans = [
        span(
            trace_id(1),
            span_id(1, 1),
            "plan",
            T0,
            5 * SECOND,
            status=1,
            attributes={"agentops.tags": ["alpha", "beta"]},
        ),
        span(
            trace_id(1),
            span_id(1, 2),
            "chat",
            T0 + SECOND,
            SECOND,
            parent_id=span_id(1, 1),
            attributes=llm(100, 10),
        ),
        span(
            trace_id(2),
            span_id(2, 1),
            "search",
            T0 + 10 * SECOND,
            SECOND,
            attributes={"agentops.tags": '["beta"]'},
        ),
        span(
            trace_id(2),
            span_id(2, 2),
            "tool-x",
            T0 + 10 * SECOND,
            SECOND,
            parent_id=span_id(2, 1),
            status=2,
        ),
        span(
            trace_id(2),
            span_id(2, 3),
            "chat",
            T0 + 10 * SECOND,
            SECOND,
            parent_id=span_id(2, 1),
            attributes=llm(1000, 100, "gpt-4o"),
        ),
        span(trace_id(3), span_id(3, 1), "other", T0 + 20 * SECOND, 2 * SECOND),
    ]
    store_spans(app, project_id, export(spans))
    return project_id


def listing(client, headers, **query):
    """GET the trace list."""
    return client.get("/v4/traces/", query_string=query, headers=headers)


def ids(response):
    """The trace ids of a list answer, in order."""
    assert response.status_code == 200, response.json
    return [trace["trace_id"] for trace in response.json["traces"]]


def test_newest_first_with_summaries(client, reader, three_traces):
    headers, project_id = reader

    response = listing(client, headers, project_id=project_id)

    assert ids(response) == [trace_id(3), trace_id(2), trace_id(1)]
    no_slash = client.get(
        "/v4/traces", query_string={"project_id": project_id}, headers=headers
    )
    assert ids(no_slash) == ids(response)
    first = response.json["traces"][2]
    assert first["root_span_name"] == "plan"
    assert first["root_service_name"] == "agent"
    assert first["tags"] == ["alpha", "beta"]
    assert first["duration"] == 5 * SECOND
    assert first["span_count"] == 2
    assert first["total_tokens"] == 110
    assert first["total_cost"] == pytest.approx(100 * 1.5e-7 + 10 * 6e-7, rel=1e-9)
    assert first["start_time"] == "2026-05-28T20:26:40.000000Z"
    assert response.json["traces"][1]["tags"] == ["beta"]
    assert response.json["traces"][1]["error_count"] == 1
    metrics = response.json["metrics"]
    assert response.json["total"] == metrics["trace_count"] == 3
    assert (metrics["ok_count"], metrics["error_count"], metrics["unset_count"]) == (
        1,
        1,
        1,
    )
    assert metrics["span_count"] == 6
    assert metrics["total_tokens"] == 1210
    assert metrics["average_cost_per_trace"] == pytest.approx(metrics["total_cost"] / 3)


def test_tags_of_any_json_type_read_as_the_filter_reads_them(app, client, reader):
    headers, project_id = reader
    raw = '["t1", 5, null, true, 1.5, 2.0, {"a": 1}, ["x"]]'
    store_spans(
        app,
        project_id,
        export(
            [
                span(
                    trace_id(7),
                    span_id(7, 1),
                    "tagged",
                    T0,
                    SECOND,
                    attributes={"agentops.tags": raw},
                )
            ]
        ),
    )
    shown = ["t1", "5", "", "true", "1.5", "2", '{"a":1}', '["x"]']

    listed = listing(client, headers, project_id=project_id)
    detail = client.get(
        f"/v4/traces/{trace_id(7)}",
        query_string={"project_id": project_id},
        headers=headers,
    )

    assert listed.json["traces"][0]["tags"] == shown
    assert detail.json["tags"] == shown
    for tag in shown:
        found = listing(client, headers, project_id=project_id, tags=[tag])
        assert ids(found) == [trace_id(7)], tag


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "error"}, [2]),
        ({"status": "OK"}, [1]),
        ({"status": "unset"}, [3]),
        ({"span_name": "tool-x"}, [2]),
        ({"tags": ["beta"]}, [2, 1]),
        ({"tags": ["alpha", "beta"]}, [1]),
        ({"query": "PLA"}, [1]),
        ({"query": "alph"}, [1]),
        ({"query": trace_id(3)[-6:]}, [3]),
        ({"start_time": "2026-05-28T20:26:45Z"}, [3, 2]),
        ({"end_time": "2026-05-28T20:26:45"}, [1]),
        (
            {
                "start_time": "2026-05-28T22:26:45+02:00",
                "end_time": "2026-05-28T20:26:55Z",
            },
            [2],
        ),
    ],
)
def test_filters(client, reader, three_traces, query, expected):
    headers, project_id = reader

    response = listing(client, headers, project_id=project_id, **query)

    assert ids(response) == [trace_id(number) for number in expected]
    assert response.json["total"] == len(expected)


@pytest.mark.parametrize(
    ("order_by", "sort_order", "expected"),
    [
        ("duration", "asc", [2, 3, 1]),
        ("duration", "DESC", [1, 3, 2]),
        ("span_count", "desc", [2, 1, 3]),
        ("error_count", "desc", [2, 3, 1]),
        ("total_tokens", "Asc", [3, 1, 2]),
        ("total_cost", "desc", [2, 1, 3]),
        ("root_span_name", "asc", [3, 1, 2]),
        ("trace_id", "asc", [1, 2, 3]),
        ("start_time", "asc", [1, 2, 3]),
    ],
)
def test_sorting(client, reader, three_traces, order_by, sort_order, expected):
    headers, project_id = reader

    response = listing(
        client, headers, project_id=project_id, order_by=order_by, sort_order=sort_order
    )

    assert ids(response) == [trace_id(number) for number in expected]


def test_offset_and_cursor_pages_agree(app, client, reader):
    headers, project_id = reader
    spans = [
        span(
            trace_id(n),
            span_id(n, 1),
            f"run {n % 4}",
            T0 + (n % 7) * SECOND,
            (n % 5 + 1) * SECOND,
        )
        for n in range(1, 26)
    ]
    store_spans(app, project_id, export(spans))

    for order_by in ("start_time", "duration", "root_span_name"):
        by_offset = []
        for offset in (0, 10, 20):
            by_offset += ids(
                listing(
                    client,
                    headers,
                    project_id=project_id,
                    order_by=order_by,
                    limit=10,
                    offset=offset,
                )
            )
        by_cursor, cursor = [], None
        while True:
            query = {"project_id": project_id, "order_by": order_by, "limit": 10}
            if cursor:
                query["cursor"] = cursor
            response = listing(client, headers, **query)
            by_cursor += ids(response)
            assert response.json["total"] == 25
            cursor = response.json["next_cursor"]
            if cursor is None:
                break
        assert len(set(by_offset)) == 25
        assert by_cursor == by_offset


def test_other_org_and_unknown_traces_are_404(
    app, client, tokens, reader, three_traces
):
    headers, project_id = reader
    stranger = tokens.user()
    stranger_project = member_project(app, client, stranger)

    assert listing(client, stranger.headers, project_id=project_id).status_code == 404
    response = client.get(
        f"/v4/traces/{trace_id(1)}",
        query_string={"project_id": project_id},
        headers=stranger.headers,
    )
    assert response.status_code == 404
    assert response.json["message"] == "Project not found"
    for path_id in (trace_id(1), "zz", trace_id(99)):
        response = client.get(
            f"/v4/traces/{path_id}",
            query_string={"project_id": stranger_project},
            headers=stranger.headers,
        )
        assert response.status_code == 404
        assert response.json["message"] == "Trace not found"
    assert (
        client.get("/v4/traces/", query_string={"project_id": project_id}).status_code
        == 401
    )


def test_collector_spellings(app, client, reader):
    """Rows an OTel collector wrote straight into ClickHouse read the same."""
    headers, project_id = reader
    spellings = [
        ("STATUS_CODE_ERROR", "SPAN_KIND_CLIENT"),
        ("ERROR", "CLIENT"),
        ("Error", "Client"),
        ("2", "3"),
        ("STATUS_CODE_OK", "SPAN_KIND_SERVER"),
    ]
    spans = [
        span(
            trace_id(n + 1),
            span_id(n + 1, 1),
            "call",
            T0 + n * SECOND,
            attributes=llm(10, 5),
        )
        for n in range(len(spellings))
    ]
    batch = span_rows(from_json(export(spans)), project_id)
    status_at, kind_at = COLUMNS.index("StatusCode"), COLUMNS.index("SpanKind")
    for row, (status, kind) in zip(batch.rows, spellings, strict=True):
        row[status_at], row[kind_at] = status, kind
    with app.app_context():
        store().insert("otel_traces", batch.rows, COLUMNS)

    errors = listing(client, headers, project_id=project_id, status="error")
    detail = client.get(
        f"/v4/traces/{trace_id(4)}",
        query_string={"project_id": project_id},
        headers=headers,
    ).json

    assert errors.json["total"] == 4
    assert errors.json["metrics"]["total_tokens"] == 60
    assert detail["spans"][0]["status_code"] == "ERROR"
    assert detail["spans"][0]["span_kind"] == "SPAN_KIND_CLIENT"
    assert detail["metrics"]["total_tokens"] == 15


def test_page_past_the_end_still_has_totals(client, reader, three_traces):
    headers, project_id = reader

    response = listing(client, headers, project_id=project_id, offset=50)

    assert ids(response) == []
    assert response.json["total"] == 3
    assert response.json["metrics"]["total_tokens"] == 1210
    assert response.json["next_cursor"] is None


def test_agent_repeating_a_nested_call_counts_once(client, reader, app):
    headers, project_id = reader
    spans = [
        span(trace_id(7), span_id(7, 1), "agent", T0, attributes=llm(300, 30)),
        span(trace_id(7), span_id(7, 2), "step", T0, parent_id=span_id(7, 1)),
        span(
            trace_id(7),
            span_id(7, 3),
            "chat",
            T0,
            parent_id=span_id(7, 2),
            attributes=llm(100, 10),
        ),
        span(
            trace_id(7),
            span_id(7, 4),
            "chat",
            T0,
            parent_id=span_id(7, 2),
            attributes=llm(200, 20),
        ),
    ]
    store_spans(app, project_id, export(spans))

    listed = listing(client, headers, project_id=project_id).json
    detail = client.get(
        f"/v4/traces/{trace_id(7)}",
        query_string={"project_id": project_id},
        headers=headers,
    ).json

    assert listed["traces"][0]["total_tokens"] == 330
    assert detail["metrics"]["total_tokens"] == 330
    assert detail["metrics"]["llm_calls"] == 2
    assert detail["spans"][0]["metrics"] is None
