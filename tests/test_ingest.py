"""POST /v3/auth/token and POST /v1/traces."""

from __future__ import annotations

import gzip
import json
import uuid

import jwt
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from agentops.extensions import db
from agentops.ingest import service
from agentops.projects.models import Project
from tests.support.ingest import make_project, stored_spans
from tests.support.tokens import TEST_SECRET

PROTOBUF = {"Content-Type": "application/x-protobuf"}


def kv(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def export_request(
    count: int = 3, project_attribute: str | None = None
) -> ExportTraceServiceRequest:
    """A protobuf export of `count` spans in one trace."""
    message = ExportTraceServiceRequest()
    resource_spans = message.resource_spans.add()
    resource_spans.resource.attributes.append(kv("service.name", "billing-agent"))
    if project_attribute:
        resource_spans.resource.attributes.append(
            kv("agentops.project.id", project_attribute)
        )
    scope_spans = resource_spans.scope_spans.add()
    scope_spans.scope.name = "tests"
    trace_id = uuid.uuid4().bytes
    for index in range(count):
        span = scope_spans.spans.add()
        span.trace_id = trace_id
        span.span_id = (index + 1).to_bytes(8, "big")
        span.name = f"step-{index}"
        span.kind = Span.SPAN_KIND_CLIENT
        span.start_time_unix_nano = 1_790_000_000_123_456_789 + index
        span.end_time_unix_nano = 1_790_000_001_000_000_000 + index
    return message


def token_for(client, api_key: str) -> str:
    response = client.post("/v3/auth/token", json={"api_key": api_key})
    assert response.status_code == 200, response.json
    return response.json["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_for_a_project_key(app, client):
    project = make_project(app, prem_status="pro")

    response = client.post("/v3/auth/token", json={"api_key": project.api_key})

    assert response.status_code == 200, response.json
    assert response.json["project_id"] == project.id
    assert response.json["project_prem_status"] == "pro"
    claims = jwt.decode(
        response.json["token"],
        TEST_SECRET,
        algorithms=["HS256"],
        audience="agentops-project",
    )
    assert claims["project_id"] == project.id
    assert claims["exp"] - claims["iat"] == 30 * 86400
    assert project.api_key not in response.json["token"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"api_key": "not-a-key"}, 400),
        ({"api_key": 42}, 422),
        ({"api_key": ""}, 400),
        ({"api_key": str(uuid.uuid4())}, 403),
        ({}, 422),
    ],
)
def test_token_refuses_bad_keys(client, body, status):
    response = client.post("/v3/auth/token", json=body)

    assert response.status_code == status, response.json
    assert response.json["code"] == status


def test_project_token_is_not_a_user_token(app, client, tokens):
    project = make_project(app)
    token = token_for(client, project.api_key)
    user = tokens.user()

    assert client.get("/opsboard/users/me", headers=bearer(token)).status_code == 401
    response = client.post(
        "/v1/traces",
        data=export_request().SerializeToString(),
        headers={**PROTOBUF, **user.headers},
    )
    assert response.status_code == 401
    assert stored_spans(app, project.id) == []


def test_protobuf_export_with_project_token(app, client):
    project = make_project(app)
    token = token_for(client, project.api_key)

    response = client.post(
        "/v1/traces",
        data=export_request(3).SerializeToString(),
        headers={**PROTOBUF, **bearer(token)},
    )

    assert response.status_code == 200, response.data
    assert response.content_type == "application/x-protobuf"
    answer = ExportTraceServiceResponse.FromString(response.data)
    assert answer.partial_success.rejected_spans == 0
    rows = stored_spans(app, project.id)
    assert [row["SpanName"] for row in rows] == ["step-0", "step-1", "step-2"]
    assert rows[0]["start_ns"] == 1_790_000_000_123_456_789
    assert rows[0]["Duration"] == 1_000_000_000 - 123_456_789
    assert rows[0]["SpanKind"] == "Client"
    assert rows[0]["ServiceName"] == "billing-agent"


def test_json_export_with_raw_key_and_gzip(app, client):
    project = make_project(app)
    document = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        {"key": "service.name", "value": {"stringValue": "svc"}}
                    ]
                },
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": "5B8EFFF798038103D269B633813FC60C",
                                "spanId": "EEE19B7EC3C1B174",
                                "name": "by-name",
                                "kind": "SPAN_KIND_SERVER",
                                "startTimeUnixNano": "1544712660000000001",
                                "endTimeUnixNano": 1544712661000000000,
                                "attributes": [
                                    {"key": "n", "value": {"intValue": "7"}},
                                    {"key": "m", "value": {"intValue": 8}},
                                ],
                                "status": {"code": "STATUS_CODE_ERROR"},
                            },
                            {
                                "traceId": "5b8efff798038103d269b633813fc60c",
                                "spanId": "eee19b7ec3c1b175",
                                "name": "by-number",
                                "kind": 3,
                                "startTimeUnixNano": 1544712660000000002,
                                "status": {"code": 1},
                            },
                        ]
                    }
                ],
            }
        ]
    }

    response = client.post(
        "/v1/traces",
        data=gzip.compress(json.dumps(document).encode()),
        headers={
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "X-Agentops-Api-Key": project.api_key,
        },
    )

    assert response.status_code == 200, response.data
    assert response.content_type == "application/json"
    assert json.loads(response.data) == {}
    rows = {row["SpanName"]: row for row in stored_spans(app, project.id)}
    assert rows["by-name"]["TraceId"] == "5b8efff798038103d269b633813fc60c"
    assert rows["by-name"]["SpanKind"] == "Server"
    assert rows["by-name"]["StatusCode"] == "Error"
    assert rows["by-name"]["start_ns"] == 1544712660000000001
    assert rows["by-name"]["SpanAttributes"] == {"n": "7", "m": "8"}
    assert rows["by-number"]["SpanKind"] == "Client"
    assert rows["by-number"]["StatusCode"] == "Ok"
    assert rows["by-number"]["Duration"] == 0


def test_spoofed_project_id_is_overwritten(app, client):
    project = make_project(app)
    other = make_project(app)

    response = client.post(
        "/v1/traces",
        data=export_request(2, project_attribute=other.id).SerializeToString(),
        headers={**PROTOBUF, "X-Agentops-Api-Key": project.api_key},
    )

    assert response.status_code == 200
    rows = stored_spans(app, project.id)
    assert len(rows) == 2
    assert rows[0]["ResourceAttributes"]["agentops.project.id"] == project.id
    assert stored_spans(app, other.id) == []


def test_partial_success_keeps_the_good_spans(app, client):
    project = make_project(app)
    message = export_request(4)
    spans = message.resource_spans[0].scope_spans[0].spans
    spans[0].trace_id = b""
    spans[1].start_time_unix_nano = 0
    spans[2].end_time_unix_nano = spans[2].start_time_unix_nano - 1

    response = client.post(
        "/v1/traces",
        data=message.SerializeToString(),
        headers={**PROTOBUF, "X-Agentops-Api-Key": project.api_key},
    )

    assert response.status_code == 200
    answer = ExportTraceServiceResponse.FromString(response.data)
    assert answer.partial_success.rejected_spans == 3
    assert "trace_id" in answer.partial_success.error_message
    assert "start_time_unix_nano" in answer.partial_success.error_message
    assert [row["SpanName"] for row in stored_spans(app, project.id)] == ["step-3"]


def test_partial_success_in_json(app, client):
    project = make_project(app)
    document = {
        "resourceSpans": [
            {"scopeSpans": [{"spans": [{"name": "no ids", "startTimeUnixNano": "1"}]}]}
        ]
    }

    response = client.post(
        "/v1/traces",
        json=document,
        headers={"X-Agentops-Api-Key": project.api_key},
    )

    assert response.status_code == 200
    assert json.loads(response.data)["partialSuccess"]["rejectedSpans"] == "1"


@pytest.mark.parametrize(
    ("bad_fields", "named"),
    [
        ({"startTimeUnixNano": "abc"}, "startTimeUnixNano"),
        ({"startTimeUnixNano": "-5"}, "startTimeUnixNano"),
        ({"endTimeUnixNano": "99999999999999999999"}, "endTimeUnixNano"),
        ({"traceId": "zz"}, "traceId"),
        ({"spanId": "not hex"}, "spanId"),
        ({"links": [{"traceId": "xyz", "spanId": "cd" * 8}]}, "traceId"),
        ({"name": "lone \ud800 surrogate"}, "name"),
        ({"droppedAttributesCount": -1}, "droppedAttributesCount"),
        ({"attributes": [{"key": "k", "value": {"intValue": "1.5"}}]}, "intValue"),
        ({"attributes": [{"key": "k", "value": "deep"}]}, "too deep"),
    ],
)
def test_unreadable_json_span_is_rejected_and_the_rest_kept(
    app, client, bad_fields, named
):
    project = make_project(app)
    good = {
        "traceId": "ab" * 16,
        "spanId": "cd" * 8,
        "name": "good",
        "startTimeUnixNano": "1700000000000000000",
        "endTimeUnixNano": "1700000001000000000",
    }
    bad = {**good, "spanId": "ef" * 8, "name": "bad", **bad_fields}
    if bad_fields.get("attributes", [{}])[0].get("value") == "deep":
        value = {"stringValue": "x"}
        for _ in range(200):
            value = {"arrayValue": {"values": [value]}}
        bad["attributes"] = [{"key": "k", "value": value}]
    body = json.dumps(
        {
            "resourceSpans": [
                {
                    "scopeSpans": [
                        {"spans": [bad, good]},
                        {"spans": [{**good, "spanId": "12" * 8}]},
                    ]
                }
            ]
        }
    )

    response = client.post(
        "/v1/traces",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Agentops-Api-Key": project.api_key,
        },
    )

    assert response.status_code == 200, response.json
    partial = json.loads(response.data)["partialSuccess"]
    assert partial["rejectedSpans"] == "1"
    assert named in partial["errorMessage"]
    names = [row["SpanName"] for row in stored_spans(app, project.id)]
    assert names == ["good", "good"]


def test_unreadable_span_in_a_loaded_file_keeps_the_rest(app, tmp_path):
    project = make_project(app)
    good = {
        "traceId": "ab" * 16,
        "spanId": "cd" * 8,
        "name": "good",
        "startTimeUnixNano": "1700000000000000000",
    }
    bad = {**good, "spanId": "ef" * 8, "startTimeUnixNano": "yesterday"}
    path = tmp_path / "export.json"
    path.write_text(
        json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [good, bad]}]}]})
    )

    with app.app_context():
        batch = service.load_file(path, project.id, 100)

    assert batch.rejected == 1
    assert "startTimeUnixNano" in batch.error_message
    assert [row["SpanName"] for row in stored_spans(app, project.id)] == ["good"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer not-a-jwt"}, 401),
        ({"Authorization": "Basic abc"}, 401),
        ({"X-Agentops-Api-Key": str(uuid.uuid4())}, 403),
        ({"X-Agentops-Api-Key": "nope"}, 401),
    ],
)
def test_bad_credentials_store_nothing(app, client, headers, status):
    project = make_project(app)

    response = client.post(
        "/v1/traces",
        data=export_request(project_attribute=project.id).SerializeToString(),
        headers={**PROTOBUF, **headers},
    )

    assert response.status_code == status, response.json
    assert response.json["code"] == status
    assert stored_spans(app, project.id) == []


def test_regenerated_key_ends_old_tokens(app, client):
    project = make_project(app)
    token = token_for(client, project.api_key)
    with app.app_context():
        row = db.session.get(Project, uuid.UUID(project.id))
        row.api_key = uuid.uuid4()
        db.session.commit()

    by_token = client.post(
        "/v1/traces",
        data=export_request().SerializeToString(),
        headers={**PROTOBUF, **bearer(token)},
    )
    by_old_key = client.post(
        "/v1/traces",
        data=export_request().SerializeToString(),
        headers={**PROTOBUF, "X-Agentops-Api-Key": project.api_key},
    )

    assert by_token.status_code == 401
    assert "regenerated" in by_token.json["message"]
    assert by_old_key.status_code == 403
    assert stored_spans(app, project.id) == []


def test_deleted_project_ends_its_tokens(app, client):
    project = make_project(app)
    token = token_for(client, project.api_key)
    with app.app_context():
        db.session.delete(db.session.get(Project, uuid.UUID(project.id)))
        db.session.commit()

    response = client.post(
        "/v1/traces",
        data=export_request().SerializeToString(),
        headers={**PROTOBUF, **bearer(token)},
    )

    assert response.status_code == 401


def test_expired_project_token(make_app):
    app = make_app(PROJECT_TOKEN_DAYS=-1)
    client = app.test_client()
    project = make_project(app)
    token = token_for(client, project.api_key)

    response = client.post(
        "/v1/traces",
        data=export_request().SerializeToString(),
        headers={**PROTOBUF, **bearer(token)},
    )

    assert response.status_code == 401
    assert "expired" in response.json["message"]


@pytest.mark.parametrize(
    ("body", "content_type", "named"),
    [
        (b"\xff\xff\xff", "application/x-protobuf", "protobuf"),
        (b"{not json", "application/json", "JSON"),
        (b"[1, 2]", "application/json", "JSON object"),
        (b'{"resourceSpans": [{"scopeSpans": 5}]}', "application/json", "OTLP"),
        (b"hello", "text/plain", "Content-Type"),
    ],
)
def test_malformed_bodies_are_400(app, client, body, content_type, named):
    project = make_project(app)

    response = client.post(
        "/v1/traces",
        data=body,
        headers={"Content-Type": content_type, "X-Agentops-Api-Key": project.api_key},
    )

    assert response.status_code == 400, response.json
    assert named in response.json["message"]
    assert stored_spans(app, project.id) == []


def test_bad_gzip_is_400(app, client):
    project = make_project(app)

    response = client.post(
        "/v1/traces",
        data=b"not gzip at all",
        headers={
            **PROTOBUF,
            "Content-Encoding": "gzip",
            "X-Agentops-Api-Key": project.api_key,
        },
    )

    assert response.status_code == 400
    assert "gzip" in response.json["message"]


def test_body_past_the_limit_is_413(make_app):
    app = make_app(INGEST_MAX_BYTES=1000)
    client = app.test_client()
    project = make_project(app)
    message = export_request(1)
    span = message.resource_spans[0].scope_spans[0].spans[0]
    span.attributes.append(kv("prompt", "a" * 5000))
    big = message.SerializeToString()

    plain = client.post(
        "/v1/traces",
        data=big,
        headers={**PROTOBUF, "X-Agentops-Api-Key": project.api_key},
    )
    packed = gzip.compress(big)
    assert len(packed) < 1000
    inflated = client.post(
        "/v1/traces",
        data=packed,
        headers={
            **PROTOBUF,
            "Content-Encoding": "gzip",
            "X-Agentops-Api-Key": project.api_key,
        },
    )

    assert plain.status_code == 413
    assert inflated.status_code == 413
    assert "Decompressed" in inflated.json["message"]
    assert stored_spans(app, project.id) == []


def test_large_export_is_inserted_in_batches(make_app):
    app = make_app(INGEST_BATCH_SIZE=7)
    client = app.test_client()
    project = make_project(app)

    response = client.post(
        "/v1/traces",
        data=export_request(50).SerializeToString(),
        headers={**PROTOBUF, "X-Agentops-Api-Key": project.api_key},
    )

    assert response.status_code == 200
    assert len(stored_spans(app, project.id)) == 50


def test_project_api_key_lifecycle_through_the_api(app, client, tokens):
    owner = tokens.user()
    listing = client.get("/opsboard/projects/", headers=owner.headers).json
    project = listing[0]
    token = token_for(client, project["api_key"])
    body = export_request(2).SerializeToString()

    sent = client.post("/v1/traces", data=body, headers={**PROTOBUF, **bearer(token)})
    counted = client.get("/opsboard/projects/", headers=owner.headers).json[0]
    regenerated = client.post(
        f"/opsboard/projects/{project['id']}/regenerate-key", headers=owner.headers
    )
    after_regenerate = client.post(
        "/v1/traces", data=body, headers={**PROTOBUF, **bearer(token)}
    )
    new_token = token_for(client, regenerated.json["api_key"])
    deleted = client.delete(
        f"/opsboard/projects/{project['id']}", headers=owner.headers
    )
    after_delete = client.post(
        "/v1/traces", data=body, headers={**PROTOBUF, **bearer(new_token)}
    )

    assert sent.status_code == 200
    assert counted["span_count"] == 2
    assert counted["trace_count"] == 1
    assert regenerated.status_code == 200
    assert after_regenerate.status_code == 401
    assert deleted.status_code == 200, deleted.json
    assert after_delete.status_code == 401
    assert len(stored_spans(app, project["id"])) == 2


def test_non_finite_numbers_in_arrays_and_maps_are_stored_as_valid_json(app, client):
    project = make_project(app)
    doubles = [{"doubleValue": text} for text in ("NaN", "Infinity", "-Infinity")]
    nested = {
        "arrayValue": {
            "values": [
                *doubles,
                {"kvlistValue": {"values": [{"key": "q", "value": doubles[1]}]}},
                {"doubleValue": 1.5},
            ]
        }
    }
    document = {
        "resourceSpans": [
            {
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": "ab" * 16,
                                "spanId": "cd" * 8,
                                "name": "numbers",
                                "startTimeUnixNano": "1700000000000000000",
                                "attributes": [
                                    {"key": "nested", "value": nested},
                                    {"key": "alone", "value": doubles[0]},
                                ],
                            }
                        ]
                    }
                ]
            }
        ]
    }

    response = client.post(
        "/v1/traces", json=document, headers={"X-Agentops-Api-Key": project.api_key}
    )

    assert response.status_code == 200, response.json
    (row,) = stored_spans(app, project.id)
    stored = row["SpanAttributes"]["nested"]
    assert json.loads(stored) == ["NaN", "+Inf", "-Inf", {"q": "+Inf"}, 1.5]
    assert row["SpanAttributes"]["alone"] == "NaN"


def test_a_retried_export_is_stored_once(app, client):
    project = make_project(app)
    document = {
        "resourceSpans": [
            {
                "resource": {"attributes": []},
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": "0af7651916cd43dd8448eb211c80319c",
                                "spanId": span_id,
                                "name": "openai.chat",
                                "startTimeUnixNano": "1767225600000000000",
                                "endTimeUnixNano": "1767225601000000000",
                                "attributes": [
                                    {
                                        "key": "gen_ai.usage.input_tokens",
                                        "value": {"intValue": "10"},
                                    }
                                ],
                            }
                            for span_id in ("b7ad6b7169203331", "b7ad6b7169203331")
                        ]
                    }
                ],
            }
        ]
    }
    headers = {"X-Agentops-Api-Key": project.api_key}

    answers = [
        client.post("/v1/traces", json=document, headers=headers) for _ in range(3)
    ]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len(stored_spans(app, project.id)) == 1
