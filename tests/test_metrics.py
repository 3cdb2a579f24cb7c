"""Project metrics: counts, usage, durations, models and series, by hand."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from agentops.clickhouse import SpanStore
from agentops.extensions import db
from agentops.metrics.service import project_usage
from agentops.projects.models import Project
from tests.support import span_store
from tests.support.span_store import export, span, store_spans

HOUR = 3600 * 10**9
MS = 10**6
# 2026-03-28 22:00 UTC: the evening before Europe/Paris moves to summer time.
T0 = 1_774_735_200 * 10**9


def sid(trace: int, number: int) -> str:
    """A span id unique across the test's traces."""
    return f"{trace:08x}{number:08x}"


def tid(trace: int) -> str:
    """A trace id."""
    return f"{trace:032x}"


def call(model: str, tokens_in: int, tokens_out: int, **extra) -> dict:
    """Attributes of an OTel GenAI call."""
    return {
        "gen_ai.request.model": model,
        "gen_ai.system": "openai",
        "gen_ai.usage.input_tokens": tokens_in,
        "gen_ai.usage.output_tokens": tokens_out,
        **extra,
    }


reader = span_store.reader


@pytest.fixture
def traces(app, reader):
    """Four traces over two Paris days, with priced and unpriced calls."""
    _, project_id = reader
    spans = [
        # Trace 1, ok, 100 ms: a gpt-4o-mini call of 1000 in / 100 out.
        span(tid(1), sid(1, 1), "agent", T0, 100 * MS, status=1),
        span(
            tid(1),
            sid(1, 2),
            "chat",
            T0 + 10 * MS,
            50 * MS,
            sid(1, 1),
            call("gpt-4o-mini", 1000, 100),
        ),
        # Trace 2, error, 300 ms: gpt-4o 2000 in (500 cached) / 200 out, and a
        # model no price table knows.
        span(tid(2), sid(2, 1), "agent", T0 + 3 * HOUR, 300 * MS),
        span(
            tid(2),
            sid(2, 2),
            "chat",
            T0 + 3 * HOUR,
            100 * MS,
            sid(2, 1),
            call("gpt-4o", 2000, 200, **{"gen_ai.usage.cache_read.input_tokens": 500}),
        ),
        span(
            tid(2),
            sid(2, 3),
            "chat",
            T0 + 3 * HOUR,
            200 * MS,
            sid(2, 1),
            call("house-model-x", 10, 5),
            status=2,
        ),
        # Trace 3, unset, 200 ms, no calls.
        span(tid(3), sid(3, 1), "cron", T0 + 4 * HOUR, 200 * MS),
        # Trace 4, ok, 400 ms: gpt-4o-mini 100 in / 10 out; before the window.
        span(
            tid(4),
            sid(4, 1),
            "agent",
            T0 - 48 * HOUR,
            400 * MS,
            status=1,
            attributes=call("gpt-4o-mini", 100, 10),
        ),
    ]
    store_spans(app, project_id, export(spans))
    return project_id


def metrics(client, headers, path="/v4/meterics/project", **query):
    """GET the metrics, checked to answer 200."""
    response = client.get(path, query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


WINDOW = {"start_time": "2026-03-28T12:00:00Z", "end_time": "2026-03-29T12:00:00Z"}
MINI = 1000 * 1.5e-7 + 100 * 6e-7
GPT_4O = 1500 * 2.5e-6 + 500 * 1.25e-6 + 200 * 1e-5


def test_counts_usage_and_costs(client, reader, traces):
    headers, project_id = reader

    body = metrics(client, headers, project_id=project_id, **WINDOW)

    assert body["trace_count"] == 3
    assert body["span_count"] == {"total": 6, "success": 1, "fail": 1, "unknown": 4}
    assert body["trace_status"] == {"ok": 1, "error": 1, "unset": 1}
    usage = body["token_metrics"]
    assert usage["prompt_tokens"] == 1000 + 2000 + 10
    assert usage["completion_tokens"] == 100 + 200 + 5
    assert usage["cache_read_tokens"] == 500
    assert usage["total_tokens"] == 3315
    assert usage["llm_calls"] == 3
    assert usage["unpriced_llm_calls"] == 1
    assert usage["total_cost"] == pytest.approx(MINI + GPT_4O, rel=1e-9)
    assert usage["prompt_cost"] == pytest.approx(
        1000 * 1.5e-7 + 1500 * 2.5e-6 + 500 * 1.25e-6, rel=1e-9
    )
    assert usage["average_cost_per_trace"] == pytest.approx((MINI + GPT_4O) / 3)
    assert usage["tokens_by_trace_status"] == {"ok": 1100, "error": 2215, "unset": 0}
    assert usage["avg_tokens_per_trace"] == {
        "all": pytest.approx(3315 / 3),
        "ok": 1100.0,
        "error": 2215.0,
    }
    models = body["models"]
    assert [m["model"] for m in models] == ["gpt-4o", "gpt-4o-mini", "house-model-x"]
    assert models[0]["total_cost"] == pytest.approx(GPT_4O, rel=1e-9)
    assert models[2]["total_cost"] is None
    assert models[2]["unpriced_llm_calls"] == 1
    assert models[1]["llm_calls"] == 1


def test_billing_usage_agrees(app, client, reader, traces):
    headers, project_id = reader
    body = metrics(client, headers, project_id=project_id, **WINDOW)

    with app.app_context():
        project = db.session.get(Project, uuid.UUID(project_id))
        usage = project_usage(
            project,
            datetime(2026, 3, 28, 12, tzinfo=UTC),
            datetime(2026, 3, 29, 12, tzinfo=UTC),
        )

    assert usage["trace_count"] == body["trace_count"]
    for name in ("total_tokens", "prompt_tokens", "unpriced_llm_calls", "llm_calls"):
        assert usage[name] == body["token_metrics"][name]
    assert usage["total_cost"] == pytest.approx(body["token_metrics"]["total_cost"])


def test_durations(client, reader, traces):
    headers, project_id = reader

    body = metrics(client, headers, project_id=project_id, **WINDOW)

    traces_ns = body["duration_metrics"]["traces"]
    assert traces_ns["min"] == 100 * MS
    assert traces_ns["max"] == 300 * MS
    assert traces_ns["total"] == 600 * MS
    assert traces_ns["avg"] == 200 * MS
    assert traces_ns["p50"] == 200 * MS
    assert traces_ns["p99"] == 300 * MS
    llm = body["duration_metrics"]["llm_spans"]
    assert (llm["min"], llm["max"], llm["total"]) == (50 * MS, 200 * MS, 350 * MS)


def test_series_in_the_callers_time_zone(client, reader, traces):
    headers, project_id = reader

    body = metrics(
        client,
        headers,
        project_id=project_id,
        interval="day",
        tz="Europe/Paris",
        start_time="2026-03-27T00:00:00Z",
        end_time="2026-03-29T12:00:00Z",
    )

    series = {point["bucket_start"]: point for point in body["series"]}
    # Paris days start at 23:00 UTC in winter and 22:00 UTC in summer time.
    assert list(series) == [
        "2026-03-26T23:00:00.000000Z",
        "2026-03-27T23:00:00.000000Z",
        "2026-03-28T23:00:00.000000Z",
    ]
    # 22:00 UTC on the 28th is still the 28th in Paris; 01:00 and 02:00 UTC are
    # the 29th.
    day_28 = series["2026-03-27T23:00:00.000000Z"]
    day_29 = series["2026-03-28T23:00:00.000000Z"]
    assert (day_28["traces"], day_28["total_tokens"]) == (1, 1100)
    assert day_28["total_cost"] == pytest.approx(MINI, rel=1e-9)
    assert (day_29["traces"], day_29["spans"], day_29["errors"]) == (2, 4, 1)
    assert series["2026-03-26T23:00:00.000000Z"]["total_cost"] is None
    assert body["interval"] == "day" and body["tz"] == "Europe/Paris"


def test_hourly_series_chosen_for_a_short_window(client, reader, traces):
    headers, project_id = reader

    body = metrics(client, headers, project_id=project_id, **WINDOW)

    assert body["interval"] == "hour"
    assert len(body["series"]) == 25
    busy = [point for point in body["series"] if point["traces"]]
    assert [point["bucket_start"] for point in busy] == [
        "2026-03-28T22:00:00.000000Z",
        "2026-03-29T01:00:00.000000Z",
        "2026-03-29T02:00:00.000000Z",
    ]
    assert sum(point["traces"] for point in body["series"]) == 3
    histogram = {b["min_spans"]: b["traces"] for b in body["spans_per_trace"]}
    assert histogram[1] == 1 and histogram[2] == 2


def test_two_clickhouse_round_trips(client, reader, traces, monkeypatch):
    headers, project_id = reader
    calls = []
    for name in ("query", "query_dicts", "command"):
        original = getattr(SpanStore, name)

        def counted(self, sql, parameters=None, _original=original):
            calls.append(sql)
            return _original(self, sql, parameters)

        monkeypatch.setattr(SpanStore, name, counted)

    metrics(client, headers, project_id=project_id, **WINDOW)

    assert len(calls) <= 2


def test_both_paths_answer(client, reader, traces):
    headers, project_id = reader

    misspelled = metrics(client, headers, project_id=project_id, **WINDOW)
    correct = metrics(
        client, headers, "/v4/metrics/project/", project_id=project_id, **WINDOW
    )

    assert misspelled["trace_count"] == correct["trace_count"] == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"tz": "UTC'); DROP"}, "tz"),
        ({"tz": "right/UTC"}, "tz"),
        ({"tz": "posix/Europe/Paris"}, "tz"),
        ({"interval": "minute"}, "interval"),
        (
            {"start_time": "2026-03-02T00:00:00Z", "end_time": "2026-03-01T00:00:00Z"},
            "start_time",
        ),
        ({"project_id": "nope"}, "project_id"),
    ],
)
def test_bad_input_is_422(client, reader, query, field):
    headers, project_id = reader

    response = client.get(
        "/v4/metrics/project",
        query_string={"project_id": project_id, **query},
        headers=headers,
    )

    assert response.status_code == 422
    assert field in response.json["errors"]


def test_other_org_is_404(client, tokens, reader):
    _, project_id = reader
    stranger = tokens.user()

    response = client.get(
        "/v4/metrics/project",
        query_string={"project_id": project_id},
        headers=stranger.headers,
    )

    assert response.status_code == 404
