"""OTLP trace requests in, rows of the collector's ClickHouse schema out.

The wire format is read with the `opentelemetry-proto` messages. OTLP's JSON
mapping differs from protobuf's canonical JSON in one way: trace and span ids
are hex, not base64, so those fields are re-encoded before parsing. Attribute
values are stored as the collector's exporter stores them: strings as they
are, numbers and booleans in their text form, arrays and maps as JSON.
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from agentops.errors import BadRequest

PROJECT_ATTRIBUTE = "agentops.project.id"
ID_FIELDS = ("traceId", "spanId", "parentSpanId")
COLUMNS = (
    "Timestamp",
    "TraceId",
    "SpanId",
    "ParentSpanId",
    "TraceState",
    "SpanName",
    "SpanKind",
    "ServiceName",
    "ResourceAttributes",
    "ScopeName",
    "ScopeVersion",
    "SpanAttributes",
    "Duration",
    "StatusCode",
    "StatusMessage",
    "Events.Timestamp",
    "Events.Name",
    "Events.Attributes",
    "Links.TraceId",
    "Links.SpanId",
    "Links.TraceState",
    "Links.Attributes",
)
# The exporter's spellings of the OTLP enums.
SPAN_KINDS = {
    Span.SPAN_KIND_UNSPECIFIED: "Unspecified",
    Span.SPAN_KIND_INTERNAL: "Internal",
    Span.SPAN_KIND_SERVER: "Server",
    Span.SPAN_KIND_CLIENT: "Client",
    Span.SPAN_KIND_PRODUCER: "Producer",
    Span.SPAN_KIND_CONSUMER: "Consumer",
}
STATUS_CODES = {
    Status.STATUS_CODE_UNSET: "Unset",
    Status.STATUS_CODE_OK: "Ok",
    Status.STATUS_CODE_ERROR: "Error",
}
MAX_TIMESTAMP_NS = 2**63 - 1


@dataclass
class SpanBatch:
    """The rows made from one request, and what could not be made."""

    rows: list[list[Any]] = field(default_factory=list)
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)

    def reject(self, reason: str) -> None:
        """Count a span that cannot be stored."""
        self.rejected += 1
        if len(self.reasons) < 5 and reason not in self.reasons:
            self.reasons.append(reason)

    @property
    def error_message(self) -> str:
        """A summary of the rejections for OTLP's partial success."""
        if not self.rejected:
            return ""
        return f"{self.rejected} span(s) rejected: " + "; ".join(self.reasons)


def decompress(body: bytes, encoding: str | None, limit: int) -> bytes:
    """Undo a gzip or deflate content encoding, refusing bombs past `limit`."""
    encoding = (encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        raise BadRequest(f"Unsupported Content-Encoding {encoding!r}; use gzip")
    wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as error:
        raise BadRequest(f"Body is not valid {encoding}: {error}") from None
    if len(out) > limit:
        from agentops.errors import PayloadTooLarge

        raise PayloadTooLarge(f"Decompressed body is larger than {limit} bytes")
    return out


def decode(body: bytes, content_type: str | None) -> ExportTraceServiceRequest:
    """Parse an OTLP/HTTP trace export body, protobuf or JSON."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in ("application/x-protobuf", "application/protobuf"):
        request = ExportTraceServiceRequest()
        try:
            request.ParseFromString(body)
        except (DecodeError, ValueError) as error:
            raise BadRequest(f"Body is not a valid OTLP protobuf message: {error}") from None
        return request
    if kind == "application/json":
        return from_json(body)
    raise BadRequest(
        "Content-Type must be application/x-protobuf or application/json, "
        f"not {content_type or 'missing'!r}"
    )


def from_json(body: bytes | str | dict[str, Any]) -> ExportTraceServiceRequest:
    """Parse OTLP/JSON (hex ids, enums as numbers or names)."""
    if isinstance(body, dict):
        document = body
    else:
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise BadRequest(f"Body is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise BadRequest("Body must be a JSON object with resourceSpans")
    try:
        hex_ids_to_base64(document)
        return json_format.ParseDict(
            document, ExportTraceServiceRequest(), ignore_unknown_fields=True
        )
    except (json_format.ParseError, ValueError, TypeError) as error:
        raise BadRequest(f"Body is not a valid OTLP JSON trace export: {error}") from None


def hex_ids_to_base64(document: dict[str, Any]) -> None:
    """Re-encode OTLP/JSON's hex ids as protobuf JSON's base64, in place."""
    for resource_spans in as_list(document.get("resourceSpans")):
        for scope_spans in as_list(as_dict(resource_spans).get("scopeSpans")):
            for span in as_list(as_dict(scope_spans).get("spans")):
                span = as_dict(span)
                convert_ids(span)
                for link in as_list(span.get("links")):
                    convert_ids(as_dict(link))


def convert_ids(holder: dict[str, Any]) -> None:
    """Turn the hex id fields of one span or link into base64."""
    for name in ID_FIELDS:
        value = holder.get(name)
        if isinstance(value, str) and value:
            try:
                raw = bytes.fromhex(value)
            except ValueError:
                raise BadRequest(f"{name} {value[:40]!r} is not hex") from None
            holder[name] = base64.b64encode(raw).decode()


def as_list(value: Any) -> list[Any]:
    """The value when it is a list, else nothing."""
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    """The value when it is an object, else an empty one."""
    return value if isinstance(value, dict) else {}


def any_value_to_python(value: AnyValue) -> Any:
    """An OTLP value as a plain Python value."""
    which = value.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [any_value_to_python(item) for item in value.array_value.values]
    if which == "kvlist_value":
        return {kv.key: any_value_to_python(kv.value) for kv in value.kvlist_value.values}
    if which == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    return getattr(value, which)


def any_value_to_string(value: AnyValue) -> str:
    """An OTLP value as the exporter stores it in a Map(String, String)."""
    which = value.WhichOneof("value")
    if which is None:
        return ""
    if which == "string_value":
        return value.string_value
    if which == "bool_value":
        return "true" if value.bool_value else "false"
    if which == "int_value":
        return str(value.int_value)
    if which == "double_value":
        return format_double(value.double_value)
    return json.dumps(any_value_to_python(value), separators=(",", ":"), default=str)


def format_double(number: float) -> str:
    """A float in its shortest round-trip text."""
    if math.isnan(number) or math.isinf(number):
        return str(number)
    if number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    return repr(number)


def attributes(items: Any) -> dict[str, str]:
    """A list of KeyValue as a string map."""
    out: dict[str, str] = {}
    for item in items:
        kv: KeyValue = item
        out[kv.key] = any_value_to_string(kv.value)
    return out


def span_rows(request: ExportTraceServiceRequest, project_id: str) -> SpanBatch:
    """Rows for every storable span; the project id overrides the client's."""
    batch = SpanBatch()
    for resource_spans in request.resource_spans:
        resource = attributes(resource_spans.resource.attributes)
        resource[PROJECT_ATTRIBUTE] = project_id
        service_name = resource.get("service.name", "")
        for scope_spans in resource_spans.scope_spans:
            scope = scope_spans.scope
            for span in scope_spans.spans:
                row = span_row(span, resource, service_name, scope.name, scope.version, batch)
                if row is not None:
                    batch.rows.append(row)
    return batch


def span_row(
    span: Span,
    resource: dict[str, str],
    service_name: str,
    scope_name: str,
    scope_version: str,
    batch: SpanBatch,
) -> list[Any] | None:
    """One span's row, or None (and a rejection) when it cannot be stored."""
    if len(span.trace_id) != 16 or not any(span.trace_id):
        batch.reject("trace_id must be 16 bytes and not all zero")
        return None
    if len(span.span_id) != 8 or not any(span.span_id):
        batch.reject("span_id must be 8 bytes and not all zero")
        return None
    if span.parent_span_id and len(span.parent_span_id) != 8:
        batch.reject("parent_span_id must be 8 bytes")
        return None
    start, end = span.start_time_unix_nano, span.end_time_unix_nano
    if start == 0 or start > MAX_TIMESTAMP_NS:
        batch.reject("start_time_unix_nano is missing or out of range")
        return None
    if end and end < start:
        batch.reject("end_time_unix_nano is before start_time_unix_nano")
        return None
    if end > MAX_TIMESTAMP_NS:
        batch.reject("end_time_unix_nano is out of range")
        return None
    if any(event.time_unix_nano > MAX_TIMESTAMP_NS for event in span.events):
        batch.reject("an event's time_unix_nano is out of range")
        return None
    return [
        start,
        span.trace_id.hex(),
        span.span_id.hex(),
        span.parent_span_id.hex(),
        span.trace_state,
        span.name,
        SPAN_KINDS.get(span.kind, "Unspecified"),
        service_name,
        resource,
        scope_name,
        scope_version,
        attributes(span.attributes),
        (end - start) if end else 0,
        STATUS_CODES.get(span.status.code, "Unset"),
        span.status.message,
        [event.time_unix_nano for event in span.events],
        [event.name for event in span.events],
        [attributes(event.attributes) for event in span.events],
        [link.trace_id.hex() for link in span.links],
        [link.span_id.hex() for link in span.links],
        [link.trace_state for link in span.links],
        [attributes(link.attributes) for link in span.links],
    ]


