"""Storing OTLP trace exports in the span table."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceResponse,
)

from agentops import clickhouse
from agentops.errors import BadRequest, PayloadTooLarge
from agentops.ingest import otlp
from agentops.projects.models import Project
from agentops.settings import Settings

logger = logging.getLogger(__name__)

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
READ_CHUNK = 1024 * 1024


def read_body(stream: Any, content_length: int | None, limit: int) -> bytes:
    """Read a request body of at most `limit` bytes, else refuse it (413).

    The stream may hand back less than asked for, so it is read until it ends.
    """
    if content_length is not None and content_length > limit:
        raise PayloadTooLarge(
            f"Body of {content_length} bytes is larger than the {limit} bytes accepted"
        )
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(READ_CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"Body is larger than the {limit} bytes accepted")


TIMESTAMP, TRACE_ID, SPAN_ID = 0, 1, 2
STORED_SPANS_SQL = """
SELECT TraceId, SpanId FROM {table}
WHERE project_id = {{project_id:String}}
  AND Timestamp BETWEEN fromUnixTimestamp64Nano({{first:Int64}})
                    AND fromUnixTimestamp64Nano({{last:Int64}})
  AND SpanId IN {{span_ids:Array(String)}}
"""


def not_yet_stored(
    rows: Sequence[Sequence[Any]], project_id: str
) -> list[Sequence[Any]]:
    """The rows whose span the project does not hold yet, each once.

    An exporter that retries after a lost answer sends spans that were already
    stored; storing them again would count their tokens and cost twice. The
    look-up stays within the primary key's range (project, time) of the batch.
    """
    unique: dict[tuple[str, str], Sequence[Any]] = {}
    for row in rows:
        unique.setdefault((row[TRACE_ID], row[SPAN_ID]), row)
    if not unique:
        return []
    spans = clickhouse.store()
    stored = spans.query(
        STORED_SPANS_SQL.format(table=spans.table),
        {
            "project_id": project_id,
            "first": min(row[TIMESTAMP] for row in unique.values()),
            "last": max(row[TIMESTAMP] for row in unique.values()),
            "span_ids": sorted({span_id for _, span_id in unique}),
        },
    )
    for trace_id, span_id in stored:
        unique.pop((trace_id, span_id), None)
    return list(unique.values())


def store_rows(rows: Sequence[Sequence[Any]], batch_size: int, project_id: str) -> int:
    """Insert the spans not stored yet, in batches; return how many were new."""
    spans = clickhouse.store()
    fresh = not_yet_stored(rows, project_id)
    if len(fresh) < len(rows):
        logger.info(
            "project %s: %d span(s) already stored, not stored again",
            project_id,
            len(rows) - len(fresh),
        )
    step = max(1, batch_size)
    for start in range(0, len(fresh), step):
        spans.insert(clickhouse.SPANS_TABLE, fresh[start : start + step], otlp.COLUMNS)
    return len(fresh)


def ingest(
    body: bytes,
    content_type: str | None,
    content_encoding: str | None,
    project: Project,
    settings: Settings,
) -> otlp.SpanBatch:
    """Decode one OTLP/HTTP export and store its spans under `project`."""
    raw = otlp.decompress(body, content_encoding, settings.INGEST_MAX_BYTES)
    batch = otlp.SpanBatch()
    request = otlp.decode(raw, content_type, batch)
    try:
        otlp.span_rows(request, str(project.id), batch)
    except RecursionError:
        raise BadRequest("An attribute value is nested too deeply") from None
    store_rows(batch.rows, settings.INGEST_BATCH_SIZE, str(project.id))
    if batch.rejected:
        logger.warning(
            "project %s: stored %d span(s), rejected %d: %s",
            project.id,
            len(batch.rows),
            batch.rejected,
            batch.error_message,
        )
    else:
        logger.debug("project %s: stored %d span(s)", project.id, len(batch.rows))
    return batch


def load_file(path: Path, project_id: str, batch_size: int) -> otlp.SpanBatch:
    """Store the spans of one OTLP/JSON file under a project."""
    try:
        body = path.read_bytes()
    except OSError as error:
        raise BadRequest(f"{path}: cannot be read: {error.strerror}") from None
    try:
        batch = otlp.SpanBatch()
        otlp.span_rows(otlp.from_json(body, batch), project_id, batch)
    except BadRequest as error:
        raise BadRequest(f"{path}: {error.message}") from None
    except RecursionError:
        raise BadRequest(f"{path}: an attribute value is nested too deeply") from None
    store_rows(batch.rows, batch_size, project_id)
    logger.debug(
        "loaded %d span(s) from %s into project %s", len(batch.rows), path, project_id
    )
    return batch


def response_type(content_type: str | None) -> str:
    """The encoding to answer in: the request's (JSON or protobuf)."""
    kind = (content_type or "").split(";")[0].strip().lower()
    return JSON if kind == JSON else PROTOBUF


def export_response(batch: otlp.SpanBatch, content_type: str) -> bytes:
    """An ExportTraceServiceResponse, with partial success when spans were refused."""
    message = ExportTraceServiceResponse()
    if batch.rejected:
        message.partial_success.rejected_spans = batch.rejected
        message.partial_success.error_message = batch.error_message
    if content_type == JSON:
        return json_format.MessageToJson(message, indent=None).encode()
    return message.SerializeToString()
