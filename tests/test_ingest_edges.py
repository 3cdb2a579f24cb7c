"""/v1/traces at its edges: large bodies over HTTP, rate limits, hostile input."""

from __future__ import annotations

import json

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceResponse,
)

from tests.support.ingest import make_project, stored_spans
from tests.test_ingest import export_request, kv


def test_large_body_over_a_real_socket(app, live_server):
    project = make_project(app)
    message = export_request(2000)
    for span in message.resource_spans[0].scope_spans[0].spans:
        span.attributes.append(kv("gen_ai.prompt.0.content", "x" * 1000))
    body = message.SerializeToString()
    assert len(body) > 2_000_000

    response = requests.post(
        f"{live_server}/v1/traces",
        data=body,
        headers={
            "Content-Type": "application/x-protobuf",
            "X-Agentops-Api-Key": project.api_key,
        },
        timeout=60,
    )

    assert response.status_code == 200, response.text
    answer = ExportTraceServiceResponse.FromString(response.content)
    assert answer.partial_success.rejected_spans == 0
    assert len(stored_spans(app, project.id)) == 2000


def test_chunked_body_over_a_real_socket(app, live_server):
    project = make_project(app)
    body = export_request(300).SerializeToString()

    response = requests.post(
        f"{live_server}/v1/traces",
        data=(body[start : start + 1000] for start in range(0, len(body), 1000)),
        headers={
            "Content-Type": "application/x-protobuf",
            "X-Agentops-Api-Key": project.api_key,
        },
        timeout=60,
    )

    assert response.status_code == 200, response.text
    assert len(stored_spans(app, project.id)) == 300


def test_rate_limits_apply(make_app):
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_AUTH_TOKEN="2 per minute",
        RATELIMIT_INGEST="2 per minute",
    )
    client = app.test_client()
    project = make_project(app)
    body = export_request(1).SerializeToString()
    headers = {
        "Content-Type": "application/x-protobuf",
        "X-Agentops-Api-Key": project.api_key,
    }

    tokens = [
        client.post("/v3/auth/token", json={"api_key": project.api_key}).status_code
        for _ in range(3)
    ]
    exports = [
        client.post("/v1/traces", data=body, headers=headers).status_code
        for _ in range(3)
    ]

    assert tokens == [200, 200, 429]
    assert exports == [200, 200, 429]


def test_deeply_nested_value_is_400(app, client):
    project = make_project(app)
    depth = 3000
    value = '{"arrayValue":{"values":[' * depth + '{"stringValue":"x"}' + "]}}" * depth
    body = (
        '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"'
        + "ab" * 16
        + '","spanId":"'
        + "cd" * 8
        + '","startTimeUnixNano":"1",'
        + '"attributes":[{"key":"deep","value":'
        + value
        + "}]}]}]}]}"
    )

    response = client.post(
        "/v1/traces",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Agentops-Api-Key": project.api_key,
        },
    )

    assert response.status_code == 400
    assert "nested too deeply" in response.json["message"]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(
                    st.sampled_from(
                        [
                            "resourceSpans",
                            "scopeSpans",
                            "spans",
                            "traceId",
                            "spanId",
                            "attributes",
                            "kind",
                            "startTimeUnixNano",
                            "value",
                        ]
                    ),
                    inner,
                    max_size=4,
                )
            ),
            max_leaves=20,
        ).map(lambda document: json.dumps(document).encode()),
    ),
    content_type=st.sampled_from(["application/x-protobuf", "application/json"]),
)
def test_arbitrary_bodies_never_fail_the_server(app, client, body, content_type):
    project = make_project(app)

    response = client.post(
        "/v1/traces",
        data=body,
        headers={"Content-Type": content_type, "X-Agentops-Api-Key": project.api_key},
    )

    assert response.status_code in (200, 400), response.data
