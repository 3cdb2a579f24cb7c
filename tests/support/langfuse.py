"""Langfuse trace exports as OTLP/JSON, so tests can store them like any export.

Each observation's `metadata` (a JSON string) holds the original OTel span
attributes, resource attributes and scope; they become one OTLP span each.
Observations without OTel metadata become spans without attributes.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

LEVEL_STATUS = {"ERROR": 2, "WARNING": 0, "DEFAULT": 0, "DEBUG": 0}


def iso_to_ns(text: str) -> int:
    """An ISO time from the export as nanoseconds since the epoch."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(moment.timestamp()) * 10**9 + moment.microsecond * 1000


def string_attributes(values: dict[str, Any]) -> list[dict[str, Any]]:
    """A mapping as OTLP key/value pairs, each value as text."""
    pairs = []
    for key, value in values.items():
        text = value if isinstance(value, str) else json.dumps(value)
        pairs.append({"key": key, "value": {"stringValue": text}})
    return pairs


def metadata(observation: dict[str, Any]) -> dict[str, Any]:
    """The observation's metadata as an object."""
    raw = observation.get("metadata")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}


def parent_id(observation: dict[str, Any]) -> str:
    """The parent observation id, '' for a root."""
    parent = observation.get("parentObservationId")
    return parent if isinstance(parent, str) and parent not in ("", "None") else ""


def to_otlp(export: dict[str, Any]) -> dict[str, Any]:
    """Convert a `{"trace": ..., "observations": [...]}` export to OTLP/JSON."""
    resource_spans = []
    for observation in export["observations"]:
        meta = metadata(observation)
        start = iso_to_ns(observation["startTime"])
        end_text = observation.get("endTime")
        end = iso_to_ns(end_text) if end_text and end_text != "None" else start
        scope = meta.get("scope") if isinstance(meta.get("scope"), dict) else {}
        span = {
            "traceId": observation["traceId"],
            "spanId": observation["id"],
            "parentSpanId": parent_id(observation),
            "name": observation["name"],
            "kind": 1,
            "startTimeUnixNano": str(start),
            "endTimeUnixNano": str(end),
            "attributes": string_attributes(meta.get("attributes") or {}),
            "status": {"code": LEVEL_STATUS.get(observation.get("level"), 0)},
        }
        resource_spans.append(
            {
                "resource": {
                    "attributes": string_attributes(
                        meta.get("resourceAttributes") or {}
                    )
                },
                "scopeSpans": [
                    {
                        "scope": {
                            "name": scope.get("name", ""),
                            "version": scope.get("version", ""),
                        },
                        "spans": [span],
                    }
                ],
            }
        )
    return {"resourceSpans": resource_spans}


def usage_details(observation: dict[str, Any]) -> dict[str, Any]:
    """The usage Langfuse recorded for an observation."""
    details = observation.get("usageDetails") or {}
    if isinstance(details, str):
        details = json.loads(details.replace("'", '"'))
    return details
