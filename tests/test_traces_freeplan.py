"""The free plan: old traces answer without attributes; metrics reach back a month."""

from __future__ import annotations

import time

import pytest

from tests.support.span_store import export, member_project, span, store_spans

DAY = 86400 * 10**9


def traces_at(app, project_id, now_ns):
    """Two old traces and a recent one, each with attributes, events and tags."""
    spans = []
    for number, age in ((1, 10 * DAY), (2, 9 * DAY), (3, DAY // 24)):
        spans.append(
            span(
                f"{number:032x}",
                f"{number:016x}",
                f"run {number}",
                now_ns - age,
                status=2,
                attributes={"agentops.tags": ["t"], "secret.prompt": "hi"},
            )
        )
    document = export(spans)
    for item in document["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        item["events"] = [{"timeUnixNano": item["startTimeUnixNano"], "name": "log"}]
    store_spans(app, project_id, document)


@pytest.fixture
def free_reader(make_app, tokens):
    """A free project on an app keeping only the newest trace whole."""
    app = make_app(FREEPLAN_TRACE_MIN_NUM=1, FREEPLAN_TRACE_DAYS_CUTOFF=3)
    client = app.test_client()
    user = tokens.user()
    project_id = member_project(app, client, user, plan="free")
    traces_at(app, project_id, time.time_ns())
    return client, user.headers, project_id


def test_old_traces_listed_as_truncated(free_reader):
    client, headers, project_id = free_reader

    body = client.get(
        "/v4/traces/", query_string={"project_id": project_id}, headers=headers
    ).json

    flags = {t["trace_id"][-1]: t["freeplan_truncated"] for t in body["traces"]}
    assert flags == {"3": False, "2": True, "1": True}
    assert body["freeplan_truncated"] is True
    assert body["traces"][0]["tags"] == ["t"]
    assert body["traces"][1]["tags"] == []
    assert body["total"] == 3


def test_old_trace_detail_keeps_names_times_and_status(free_reader):
    client, headers, project_id = free_reader

    old = client.get(
        f"/v4/traces/{1:032x}", query_string={"project_id": project_id}, headers=headers
    ).json
    recent = client.get(
        f"/v4/traces/{3:032x}", query_string={"project_id": project_id}, headers=headers
    ).json

    (span_view,) = old["spans"]
    assert old["freeplan_truncated"] is True
    assert span_view["span_name"] == "run 1"
    assert span_view["status_code"] == "ERROR"
    assert span_view["start_time"].endswith("Z")
    assert span_view["span_attributes"] == {}
    assert span_view["resource_attributes"] == {}
    assert span_view["events"] == [] and span_view["links"] == []
    assert old["tags"] == []
    assert recent["freeplan_truncated"] is False
    assert recent["spans"][0]["span_attributes"]["secret"] == {"prompt": "hi"}
    assert recent["spans"][0]["events"][0]["name"] == "log"


def test_newest_traces_stay_whole(make_app, tokens):
    app = make_app(FREEPLAN_TRACE_MIN_NUM=3)
    client = app.test_client()
    user = tokens.user()
    project_id = member_project(app, client, user, plan="free")
    traces_at(app, project_id, time.time_ns())

    body = client.get(
        "/v4/traces/", query_string={"project_id": project_id}, headers=user.headers
    ).json

    assert not any(t["freeplan_truncated"] for t in body["traces"])


def test_paid_projects_are_never_truncated(app, client, tokens):
    user = tokens.user()
    project_id = member_project(app, client, user, plan="pro")
    traces_at(app, project_id, time.time_ns())

    body = client.get(
        "/v4/traces/", query_string={"project_id": project_id}, headers=user.headers
    ).json

    assert body["freeplan_truncated"] is False


def test_free_metrics_window_is_cut(free_reader):
    client, headers, project_id = free_reader

    body = client.get(
        "/v4/meterics/project",
        query_string={"project_id": project_id, "start_time": "2020-01-01T00:00:00Z"},
        headers=headers,
    ).json

    assert body["freeplan_truncated"] is True
    assert body["start_time"] > "2020-01-01T00:00:00Z"
    assert body["trace_count"] == 3
