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
from decimal import Decimal
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
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
ZERO_TRACE_ID = bytes(16)
ZERO_SPAN_ID = bytes(8)
# The Events and Links columns of a span that has neither (never mutated).
EMPTY_NESTED = ((), (), (), (), (), (), ())


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


def decode(
    body: bytes, content_type: str | None, batch: SpanBatch | None = None
) -> ExportTraceServiceRequest:
    """Parse an OTLP/HTTP trace export body, protobuf or JSON.

    JSON spans that cannot be read are counted in `batch` (see `from_json`).
    """
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in ("application/x-protobuf", "application/protobuf"):
        request = ExportTraceServiceRequest()
        try:
            request.ParseFromString(body)
        except (DecodeError, ValueError) as error:
            raise BadRequest(
                f"Body is not a valid OTLP protobuf message: {error}"
            ) from None
        return request
    if kind == "application/json":
        return from_json(body, batch)
    raise BadRequest(
        "Content-Type must be application/x-protobuf or application/json, "
        f"not {content_type or 'missing'!r}"
    )


def from_json(
    body: bytes | str | dict[str, Any], batch: SpanBatch | None = None
) -> ExportTraceServiceRequest:
    """Parse OTLP/JSON (hex ids, enums as numbers or names).

    With a `batch`, a span that cannot be read (an id that is not hex, a
    timestamp that is not a number, a value nested too deeply) is left out and
    counted there as rejected, and the rest are kept; without one, it makes the
    whole body a 400.
    """
    if isinstance(body, dict):
        document = body
    else:
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise BadRequest(f"Body is not valid JSON: {error}") from None
        except RecursionError:
            raise BadRequest("Body is not valid JSON: nested too deeply") from None
    if not isinstance(document, dict):
        raise BadRequest("Body must be a JSON object with resourceSpans")
    try:
        hex_ids_to_base64(document, batch)
        try:
            return parse_request(document)
        except (json_format.ParseError, ValueError, TypeError, RecursionError):
            if batch is None or not drop_unreadable_spans(document, batch):
                raise
        return parse_request(document)
    except RecursionError:
        raise BadRequest(
            "Body is not a valid OTLP JSON trace export: nested too deeply"
        ) from None
    except (json_format.ParseError, ValueError, TypeError) as error:
        raise BadRequest(
            f"Body is not a valid OTLP JSON trace export: {short(str(error))}"
        ) from None


def parse_request(document: dict[str, Any]) -> ExportTraceServiceRequest:
    """The protobuf message of an OTLP/JSON document whose ids are base64."""
    return json_format.ParseDict(
        document, ExportTraceServiceRequest(), ignore_unknown_fields=True
    )


def short(message: str, limit: int = 300) -> str:
    """A parser's message cut to its end, where the cause is named."""
    return message if len(message) <= limit else "..." + message[-limit:]


def span_lists(document: dict[str, Any]) -> list[list[Any]]:
    """Every `spans` list of an OTLP/JSON document."""
    found = []
    for resource_spans in as_list(document.get("resourceSpans")):
        for scope_spans in as_list(as_dict(resource_spans).get("scopeSpans")):
            spans = as_dict(scope_spans).get("spans")
            if isinstance(spans, list):
                found.append(spans)
    return found


def hex_ids_to_base64(document: dict[str, Any], batch: SpanBatch | None = None) -> None:
    """Re-encode OTLP/JSON's hex ids as protobuf JSON's base64, in place.

    A span with an id that is not hex is a 400, or with a `batch`, is removed
    from its list and rejected there.
    """
    for spans in span_lists(document):
        kept = []
        for span in spans:
            try:
                span_dict = as_dict(span)
                convert_ids(span_dict)
                for link in as_list(span_dict.get("links")):
                    convert_ids(as_dict(link))
            except BadRequest as error:
                if batch is None:
                    raise
                batch.reject(error.message)
                continue
            kept.append(span)
        spans[:] = kept


def drop_unreadable_spans(document: dict[str, Any], batch: SpanBatch) -> bool:
    """Remove and reject the spans that do not parse on their own.

    Returns whether any was removed; when none was, the fault lies outside the
    spans and the body as a whole is refused.
    """
    dropped = False
    for spans in span_lists(document):
        kept = []
        for span in spans:
            try:
                json_format.ParseDict(span, Span(), ignore_unknown_fields=True)
            except RecursionError:
                batch.reject("an attribute value is nested too deeply")
                dropped = True
                continue
            except (
                json_format.ParseError,
                ValueError,
                TypeError,
                AttributeError,
            ) as error:
                batch.reject(f"a span is not valid OTLP JSON: {short(str(error), 200)}")
                dropped = True
                continue
            kept.append(span)
        spans[:] = kept
    return dropped


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
        return {
            kv.key: any_value_to_python(kv.value) for kv in value.kvlist_value.values
        }
    if which == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    if which == "double_value" and not math.isfinite(value.double_value):
        # JSON has no NaN or infinity: they are kept as the scalar's text.
        return format_double(value.double_value)
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
    if which == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    return json.dumps(
        any_value_to_python(value), separators=(",", ":"), allow_nan=False
    )


def format_double(number: float) -> str:
    """A float as the collector writes it: shortest round-trip digits, no exponent."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    if number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    text = repr(number)
    return format(Decimal(text), "f") if "e" in text else text


def attributes(items: Any) -> dict[str, str]:
    """A list of KeyValue as a string map (strings and ints without a call)."""
    out: dict[str, str] = {}
    for item in items:
        value = item.value
        which = value.WhichOneof("value")
        if which == "string_value":
            out[item.key] = value.string_value
        elif which == "int_value":
            out[item.key] = str(value.int_value)
        else:
            out[item.key] = any_value_to_string(value)
    return out


def span_rows(
    request: ExportTraceServiceRequest,
    project_id: str,
    batch: SpanBatch | None = None,
) -> SpanBatch:
    """Rows for every storable span; the project id overrides the client's.

    The rows and rejections are added to `batch` when one is given (it may
    already count spans refused while the body was parsed).
    """
    batch = SpanBatch() if batch is None else batch
    for resource_spans in request.resource_spans:
        resource = attributes(resource_spans.resource.attributes)
        resource[PROJECT_ATTRIBUTE] = project_id
        service_name = resource.get("service.name", "")
        for scope_spans in resource_spans.scope_spans:
            scope = scope_spans.scope
            for span in scope_spans.spans:
                row = span_row(
                    span, resource, service_name, scope.name, scope.version, batch
                )
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
    """One span's row, or None (and a rejection) when it cannot be stored.

    Each field is read from the message once: on the hot path of ingestion,
    every access builds a Python object.
    """
    trace_id, span_id, parent_id = span.trace_id, span.span_id, span.parent_span_id
    start, end = span.start_time_unix_nano, span.end_time_unix_nano
    problem = id_problem(trace_id, span_id, parent_id) or time_problem(start, end)
    if problem:
        batch.reject(problem)
        return None
    status = span.status
    row = [
        start,
        trace_id.hex(),
        span_id.hex(),
        parent_id.hex(),
        span.trace_state,
        span.name,
        SPAN_KINDS.get(span.kind, "Unspecified"),
        service_name,
        resource,
        scope_name,
        scope_version,
        attributes(span.attributes),
        (end - start) if end else 0,
        STATUS_CODES.get(status.code, "Unset"),
        status.message,
    ]
    events, links = span.events, span.links
    if events or links:
        problem = events_and_links(row, events, links)
        if problem:
            batch.reject(problem)
            return None
    else:
        row += EMPTY_NESTED
    return row


def id_problem(trace_id: bytes, span_id: bytes, parent_id: bytes) -> str | None:
    """Why a span's ids cannot be stored, or None."""
    if len(trace_id) != 16 or trace_id == ZERO_TRACE_ID:
        return "trace_id must be 16 bytes and not all zero"
    if len(span_id) != 8 or span_id == ZERO_SPAN_ID:
        return "span_id must be 8 bytes and not all zero"
    if parent_id and len(parent_id) != 8:
        return "parent_span_id must be 8 bytes"
    return None


def time_problem(start: int, end: int) -> str | None:
    """Why a span's times cannot be stored, or None."""
    if start == 0 or start > MAX_TIMESTAMP_NS:
        return "start_time_unix_nano is missing or out of range"
    if end and end < start:
        return "end_time_unix_nano is before start_time_unix_nano"
    if end > MAX_TIMESTAMP_NS:
        return "end_time_unix_nano is out of range"
    return None


def events_and_links(row: list[Any], events: Any, links: Any) -> str | None:
    """Append the Events and Links columns to a row, or say why they cannot be."""
    times = [event.time_unix_nano for event in events]
    if any(time > MAX_TIMESTAMP_NS for time in times):
        return "an event's time_unix_nano is out of range"
    link_traces = [link.trace_id for link in links]
    link_spans = [link.span_id for link in links]
    if any(len(one) != 16 for one in link_traces) or any(
        len(one) != 8 for one in link_spans
    ):
        return "a link's trace_id or span_id has the wrong length"
    row += (
        times,
        [event.name for event in events],
        [attributes(event.attributes) for event in events],
        [one.hex() for one in link_traces],
        [one.hex() for one in link_spans],
        [link.trace_state for link in links],
        [attributes(link.attributes) for link in links],
    )
    return None
