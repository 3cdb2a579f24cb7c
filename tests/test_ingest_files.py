"""Real OTLP/JSON exports go in through /v1/traces and come out unchanged."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SPANS_DIR
from tests.support.ingest import make_project, stored_spans

OTLP_DIR = SPANS_DIR / "otlp"
OTLP_FILES = sorted(OTLP_DIR.glob("*.json")) if OTLP_DIR.is_dir() else []
KINDS = ["Unspecified", "Internal", "Server", "Client", "Producer", "Consumer"]
STATUSES = ["Unset", "Ok", "Error"]


def plain(value: dict[str, Any]) -> Any:
    """An OTLP/JSON AnyValue as a Python value."""
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return value["boolValue"]
    if "intValue" in value:
        return int(value["intValue"])
    if "doubleValue" in value:
        return float(value["doubleValue"])
    if "bytesValue" in value:
        return value["bytesValue"]
    if "arrayValue" in value:
        return [plain(item) for item in value["arrayValue"].get("values", [])]
    if "kvlistValue" in value:
        return {
            item["key"]: plain(item.get("value", {}))
            for item in value["kvlistValue"].get("values", [])
        }
    return None


def text(value: dict[str, Any]) -> str:
    """The text the collector's exporter stores for an AnyValue."""
    python = plain(value)
    if python is None:
        return ""
    if isinstance(python, bool):
        return "true" if python else "false"
    if isinstance(python, int | str):
        return str(python)
    if isinstance(python, float):
        if python.is_integer():
            return str(int(python))
        return format(Decimal(repr(python)), "f")
    return json.dumps(python, separators=(",", ":"))


def attribute_map(items: list[dict[str, Any]] | None) -> dict[str, str]:
    return {item["key"]: text(item.get("value", {})) for item in items or []}


def enum(value: Any, names: list[str], prefix: str) -> str:
    if value is None:
        return names[0]
    if isinstance(value, int):
        return names[value]
    return {f"{prefix}{name.upper()}": name for name in names}[value]


def expected_spans(document: dict[str, Any], project_id: str) -> list[dict[str, Any]]:
    """The rows a document must produce, worked out from the JSON alone."""
    out = []
    for resource_spans in document["resourceSpans"]:
        resource = attribute_map(resource_spans.get("resource", {}).get("attributes"))
        resource["agentops.project.id"] = project_id
        for scope_spans in resource_spans.get("scopeSpans", []):
            scope = scope_spans.get("scope", {})
            for span in scope_spans.get("spans", []):
                start = int(span["startTimeUnixNano"])
                end = int(span.get("endTimeUnixNano") or 0)
                status = span.get("status", {})
                events = span.get("events", [])
                links = span.get("links", [])
                out.append(
                    {
                        "start_ns": start,
                        "TraceId": span["traceId"].lower(),
                        "SpanId": span["spanId"].lower(),
                        "ParentSpanId": span.get("parentSpanId", "").lower(),
                        "TraceState": span.get("traceState", ""),
                        "SpanName": span["name"],
                        "SpanKind": enum(span.get("kind"), KINDS, "SPAN_KIND_"),
                        "ServiceName": resource.get("service.name", ""),
                        "ResourceAttributes": resource,
                        "ScopeName": scope.get("name", ""),
                        "ScopeVersion": scope.get("version", ""),
                        "SpanAttributes": attribute_map(span.get("attributes")),
                        "Duration": end - start if end else 0,
                        "StatusCode": enum(
                            status.get("code"), STATUSES, "STATUS_CODE_"
                        ),
                        "StatusMessage": status.get("message", ""),
                        "event_ns": [int(event["timeUnixNano"]) for event in events],
                        "event_names": [event["name"] for event in events],
                        "event_attributes": [
                            attribute_map(event.get("attributes")) for event in events
                        ],
                        "link_trace_ids": [link["traceId"].lower() for link in links],
                        "link_span_ids": [link["spanId"].lower() for link in links],
                        "link_states": [link.get("traceState", "") for link in links],
                        "link_attributes": [
                            attribute_map(link.get("attributes")) for link in links
                        ],
                    }
                )
    return sorted(out, key=lambda row: (row["TraceId"], row["SpanId"]))


def post_and_compare(app, client, document: dict[str, Any]) -> None:
    project = make_project(app)

    response = client.post(
        "/v1/traces",
        data=json.dumps(document),
        headers={
            "Content-Type": "application/json",
            "X-Agentops-Api-Key": project.api_key,
        },
    )

    assert response.status_code == 200, response.data
    assert json.loads(response.data) == {}
    assert stored_spans(app, project.id) == expected_spans(document, project.id)


@pytest.mark.skipif(not OTLP_FILES, reason="the shared OTLP span files are absent")
@pytest.mark.parametrize("path", OTLP_FILES, ids=lambda path: path.name)
def test_shared_file_round_trip(app, client, path: Path):
    post_and_compare(app, client, json.loads(path.read_text()))


def test_events_links_and_every_value_type_round_trip(app, client):
    values = [
        {"key": "s", "value": {"stringValue": "héllo"}},
        {"key": "i", "value": {"intValue": "-9007199254740993"}},
        {"key": "d", "value": {"doubleValue": 4.26e-05}},
        {"key": "whole", "value": {"doubleValue": 3.0}},
        {"key": "b", "value": {"boolValue": False}},
        {"key": "raw", "value": {"bytesValue": base64.b64encode(b"\x00\x01").decode()}},
        {
            "key": "list",
            "value": {
                "arrayValue": {
                    "values": [
                        {"stringValue": "a"},
                        {"intValue": 2},
                        {"boolValue": True},
                    ]
                }
            },
        },
        {
            "key": "map",
            "value": {
                "kvlistValue": {"values": [{"key": "k", "value": {"intValue": 1}}]}
            },
        },
        {"key": "empty", "value": {}},
    ]
    document = {
        "resourceSpans": [
            {
                "resource": {"attributes": values[:2]},
                "scopeSpans": [
                    {
                        "scope": {"name": "scope", "version": "2.0"},
                        "spans": [
                            {
                                "traceId": "0af7651916cd43dd8448eb211c80319c",
                                "spanId": "b7ad6b7169203331",
                                "traceState": "vendor=1",
                                "name": "with everything",
                                "kind": "SPAN_KIND_PRODUCER",
                                "startTimeUnixNano": "1790000000000000001",
                                "endTimeUnixNano": "1790000000999999999",
                                "attributes": values,
                                "status": {"code": 2, "message": "boom"},
                                "events": [
                                    {
                                        "timeUnixNano": "1790000000500000007",
                                        "name": "exception",
                                        "attributes": values[:3],
                                    },
                                    {
                                        "timeUnixNano": "1790000000600000000",
                                        "name": "x",
                                    },
                                ],
                                "links": [
                                    {
                                        "traceId": "11111111111111111111111111111111",
                                        "spanId": "2222222222222222",
                                        "traceState": "a=b",
                                        "attributes": values[6:8],
                                    }
                                ],
                            }
                        ],
                    }
                ],
            }
        ]
    }

    post_and_compare(app, client, document)
