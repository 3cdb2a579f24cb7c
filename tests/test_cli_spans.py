"""`flask spans load`."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest

from tests.conftest import SPANS_DIR
from tests.support.ingest import make_project, stored_spans

OTLP_DIR = SPANS_DIR / "otlp"

HOLD_LOCK = """
import fcntl, sys, time
handle = open(sys.argv[1], "a+")
fcntl.flock(handle, fcntl.LOCK_EX)
handle.write("4242")
handle.flush()
print("held", flush=True)
time.sleep(60)
"""


def span_document(trace_hex: str, names: list[str], spoof: str = "") -> dict:
    resource = [{"key": "service.name", "value": {"stringValue": "cli"}}]
    if spoof:
        resource.append({"key": "agentops.project.id", "value": {"stringValue": spoof}})
    spans = [
        {
            "traceId": trace_hex,
            "spanId": f"{index + 1:016x}",
            "name": name,
            "startTimeUnixNano": str(1_790_000_000_000_000_000 + index),
        }
        for index, name in enumerate(names)
    ]
    return {
        "resourceSpans": [
            {"resource": {"attributes": resource}, "scopeSpans": [{"spans": spans}]}
        ]
    }


def test_load_files_into_a_project(app, tmp_path):
    project = make_project(app)
    first = tmp_path / "first.json"
    second = tmp_path / "second.json"
    first.write_text(json.dumps(span_document("ab" * 16, ["a", "b"], spoof="x")))
    second.write_text(json.dumps(span_document("cd" * 16, ["c"])))

    result = app.test_cli_runner().invoke(
        args=["spans", "load", str(first), str(second), "--project", project.id]
    )

    assert result.exit_code == 0, result.output
    assert f"stored 3 span(s) from 2 file(s) in project {project.id}" in result.output
    rows = stored_spans(app, project.id)
    assert sorted(row["SpanName"] for row in rows) == ["a", "b", "c"]
    assert {row["ResourceAttributes"]["agentops.project.id"] for row in rows} == {
        project.id
    }


@pytest.mark.skipif(
    not OTLP_DIR.is_dir(), reason="the shared OTLP span files are absent"
)
def test_load_the_shared_files(app):
    project = make_project(app)
    files = sorted(str(path) for path in OTLP_DIR.glob("*.json"))

    result = app.test_cli_runner().invoke(
        args=["spans", "load", *files, "--project", project.id]
    )

    assert result.exit_code == 0, result.output
    assert len(stored_spans(app, project.id)) == 9


def test_bad_file_is_named_and_the_rest_kept(app, tmp_path):
    project = make_project(app)
    good = tmp_path / "good.json"
    bad = tmp_path / "bad.json"
    good.write_text(json.dumps(span_document("ef" * 16, ["kept"])))
    bad.write_text("{not json")

    result = app.test_cli_runner().invoke(
        args=["spans", "load", str(bad), str(good), "--project", project.id]
    )

    assert result.exit_code == 1
    assert "bad.json: Body is not valid JSON" in result.output
    assert "1 file(s) could not be loaded" in result.output
    assert [row["SpanName"] for row in stored_spans(app, project.id)] == ["kept"]


def test_malformed_project_id_is_a_usage_error(app, tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(span_document("ab" * 16, ["a"])))

    result = app.test_cli_runner().invoke(
        args=["spans", "load", str(path), "--project", "nope"]
    )

    assert result.exit_code == 2
    assert "--project" in result.output


def test_unknown_project_exits_with_1(app, tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(span_document("ab" * 16, ["a"])))
    project_id = str(uuid.uuid4())

    result = app.test_cli_runner().invoke(
        args=["spans", "load", str(path), "--project", project_id]
    )

    assert result.exit_code == 1
    assert f"No project with id {project_id}" in result.output


@pytest.mark.parametrize("command", ["spans load", "demo seed"])
def test_busy_embedded_folder_is_reported(make_app, tmp_path, command):
    folder = tmp_path / "chdb"
    app = make_app(CLICKHOUSE_PATH=str(folder))
    project = make_project(app)
    path = tmp_path / "one.json"
    path.write_text(json.dumps(span_document("ab" * 16, ["a"])))
    arguments = {
        "spans load": ["spans", "load", str(path), "--project", project.id],
        "demo seed": ["demo", "seed"],
    }[command]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path / "chdb.lock")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = app.test_cli_runner().invoke(args=arguments)
    finally:
        holder.kill()
        holder.wait(timeout=10)

    assert result.exit_code == 1
    assert "in use by process 4242" in result.output
    assert "/v1/traces" in result.output
