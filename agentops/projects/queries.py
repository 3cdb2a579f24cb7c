"""ClickHouse queries about projects as a whole."""

from __future__ import annotations

from collections.abc import Iterable

from agentops.clickhouse import store


def span_counts(project_ids: Iterable[str]) -> dict[str, tuple[int, int]]:
    """All-time (trace count, span count) per project, in one query.

    Projects without spans are absent from the answer.
    """
    ids = sorted(set(project_ids))
    if not ids:
        return {}
    spans = store()
    rows = spans.query(
        f"SELECT project_id, uniqExact(TraceId), count() FROM {spans.table} "
        "WHERE project_id IN {ids:Array(String)} GROUP BY project_id",
        {"ids": ids},
    )
    return {project_id: (int(traces), int(total)) for project_id, traces, total in rows}
