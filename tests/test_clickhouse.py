"""The span store: clients, DDL rendering and `flask clickhouse migrate`."""

from __future__ import annotations

import threading
import uuid

import pytest

from agentops import clickhouse
from agentops.settings import Settings

DDL = clickhouse.migration_files()[0].read_text()


def test_render_single_server():
    sql = clickhouse.render(DDL, Settings(CLICKHOUSE_DATABASE="spans"))

    assert "CREATE TABLE IF NOT EXISTS spans.otel_traces \n" in sql
    assert "ENGINE = MergeTree()" in sql
    assert "ON CLUSTER" not in sql
    assert "Distributed" not in sql
    assert "TTL" not in sql
    assert (
        "project_id String MATERIALIZED ResourceAttributes['agentops.project.id']"
        in sql
    )
    assert "ORDER BY (project_id, Timestamp)" in sql
    assert "PARTITION BY toYYYYMM(Timestamp)" in sql


def test_render_cluster_is_replicated_and_distributed():
    settings = Settings(CLICKHOUSE_DATABASE="spans", CLICKHOUSE_CLUSTER="prod")

    statements = clickhouse.statements(clickhouse.render(DDL, settings))

    assert len(statements) == 2
    local, distributed = statements
    assert (
        "CREATE TABLE IF NOT EXISTS spans.otel_traces_local ON CLUSTER `prod`" in local
    )
    assert (
        "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', "
        "'{replica}')" in local
    )
    assert distributed.endswith(
        "CREATE TABLE IF NOT EXISTS spans.otel_traces ON CLUSTER `prod` "
        "AS spans.otel_traces_local "
        "ENGINE = Distributed(`prod`, spans, otel_traces_local, cityHash64(TraceId))"
    )


def test_render_retention_ttl():
    sql = clickhouse.render(DDL, Settings(CLICKHOUSE_TTL_DAYS=90))

    assert "TTL toDateTime(Timestamp) + INTERVAL 90 DAY" in sql


@pytest.mark.parametrize(
    "overrides",
    [{"CLICKHOUSE_DATABASE": "x; DROP TABLE y"}, {"CLICKHOUSE_CLUSTER": "a`b"}],
)
def test_render_refuses_odd_names(overrides):
    with pytest.raises(ValueError, match="letters, digits and underscores"):
        clickhouse.render(DDL, Settings(**overrides))


def test_migrate_twice_applies_nothing_the_second_time(make_app):
    database = f"migrate_{uuid.uuid4().hex[:8]}"
    app = make_app(CLICKHOUSE_DATABASE=database)
    runner = app.test_cli_runner()

    try:
        first = runner.invoke(args=["clickhouse", "migrate"])
        second = runner.invoke(args=["clickhouse", "migrate"])
        with app.app_context():
            spans = clickhouse.store()
            versions = spans.query(f"SELECT version FROM {database}.schema_migrations")
            tables = spans.query(
                "SELECT name FROM system.tables WHERE database = {db:String}",
                {"db": database},
            )
    finally:
        with app.app_context():
            clickhouse.store().command(f"DROP DATABASE IF EXISTS {database}")

    assert first.exit_code == 0, first.output
    assert "applying 0001_otel_traces.sql" in first.output
    assert second.exit_code == 0, second.output
    assert "applying" not in second.output
    assert f"{database} is up to date" in second.output
    assert versions == [("0001_otel_traces",)]
    assert {name for (name,) in tables} == {"otel_traces", "schema_migrations"}


def test_store_is_safe_across_threads(app):
    project_id = str(uuid.uuid4())
    errors: list[BaseException] = []
    counts: list[int] = []

    def work(worker: int) -> None:
        try:
            with app.app_context():
                spans = clickhouse.store()
                rows = [
                    [
                        1_790_000_000_000_000_000 + worker * 1000 + index,
                        uuid.uuid4().hex,
                        f"{worker:08x}{index:08x}",
                        {"agentops.project.id": project_id},
                    ]
                    for index in range(20)
                ]
                spans.insert(
                    clickhouse.SPANS_TABLE,
                    rows,
                    ["Timestamp", "TraceId", "SpanId", "ResourceAttributes"],
                )
                (count,) = spans.query(
                    f"SELECT count() FROM {spans.table} "
                    "WHERE project_id = {p:String} AND SpanId LIKE {prefix:String}",
                    {"p": project_id, "prefix": f"{worker:08x}%"},
                )[0]
                counts.append(count)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert counts == [20] * 8
    with app.app_context():
        spans = clickhouse.store()
        total = spans.query(
            f"SELECT count() FROM {spans.table} WHERE project_id = {{p:String}}",
            {"p": project_id},
        )
    assert total == [(160,)]


def test_parameters_are_bound_not_pasted(app):
    with app.app_context():
        spans = clickhouse.store()
        rows = spans.query("SELECT {text:String}", {"text": "x' OR '1'='1"})

    assert rows == [("x' OR '1'='1",)]
