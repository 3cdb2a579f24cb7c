"""Bad input to the trace and metrics endpoints: 422, never a 500."""

from __future__ import annotations

import base64
import json
import random

import pytest

from tests.support import span_store
from tests.test_traces_list import FIRST_TRACE, listing, store_three_traces, trace_id

reader = span_store.reader


@pytest.fixture
def three_traces(app, reader):
    """The list tests' three traces."""
    return store_three_traces(app, reader[1])


def cursor_for(value, order=("start_time", "desc"), trace=FIRST_TRACE):
    """A hand-made cursor."""
    raw = json.dumps([*order, value, trace]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"order_by": "nonsense"}, "order_by"),
        ({"order_by": "start_time; DROP TABLE otel_traces"}, "order_by"),
        ({"sort_order": "desc; drop"}, "sort_order"),
        (
            {"start_time": "2026-05-02T00:00:00Z", "end_time": "2026-05-01T00:00:00Z"},
            "start_time",
        ),
        ({"start_time": "yesterday"}, "start_time"),
        ({"start_time": "0001-01-01T00:00:00Z"}, "start_time"),
        ({"end_time": "9999-12-31T00:00:00Z"}, "end_time"),
        ({"cursor": "not a cursor!"}, "cursor"),
        ({"cursor": base64.urlsafe_b64encode(b"[1,2]").decode()}, "cursor"),
        ({"cursor": cursor_for("1 OR 1=1")}, "cursor"),
        ({"cursor": cursor_for(5, trace="x' OR '1")}, "cursor"),
        ({"cursor": cursor_for(5, order=("duration", "asc"))}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"status": "broken"}, "status"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_input_is_422(client, reader, three_traces, query, field):
    headers, project_id = reader

    response = listing(client, headers, project_id=project_id, **query)

    assert response.status_code == 422, response.json
    assert field in response.json["errors"]


def test_bad_project_ids(client, reader):
    headers, _ = reader

    assert listing(client, headers, project_id="not-a-uuid").status_code == 422
    assert listing(client, headers).status_code == 422
    response = client.get(
        f"/v4/traces/{trace_id(1)}",
        query_string={"project_id": "1; drop"},
        headers=headers,
    )
    assert response.status_code == 422


QUERY_NAMES = [
    "start_time",
    "end_time",
    "span_name",
    "query",
    "status",
    "tags",
    "limit",
    "offset",
    "cursor",
    "order_by",
    "sort_order",
]


NASTY = [
    "",
    " ",
    "'",
    '"',
    ";",
    "--",
    "\\",
    "%",
    "\x00",
    "é",
    "🙂",
    "1e308",
    "-1",
    "NaN",
    "null",
    "[]",
    "{}",
    "2026-13-45",
    "DESC; DROP",
    "asc\n",
    "0x1F",
]


def random_queries(count: int) -> list[dict[str, str]]:
    """Query strings made of awkward pieces, the same on every run."""
    chooser = random.Random(1234)
    queries = []
    for _ in range(count):
        names = chooser.sample(QUERY_NAMES, chooser.randint(1, 4))
        queries.append(
            {
                name: "".join(chooser.choices(NASTY, k=chooser.randint(1, 3)))
                for name in names
            }
        )
    return queries


@pytest.mark.parametrize("values", random_queries(30))
def test_no_query_string_breaks_the_list(client, reader, values):
    headers, project_id = reader

    response = listing(client, headers, project_id=project_id, **values)
    metrics = client.get(
        "/v4/meterics/project",
        query_string={
            "project_id": project_id,
            **{k: v for k, v in values.items() if k in ("start_time", "end_time")},
            "tz": values.get("query", "UTC"),
        },
        headers=headers,
    )

    assert response.status_code in (200, 422), response.json
    assert metrics.status_code in (200, 422), metrics.json
