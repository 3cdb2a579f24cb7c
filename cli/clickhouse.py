"""`flask clickhouse` commands: the span store's schema."""

import click
from flask import current_app
from flask.cli import AppGroup

from agentops import clickhouse

group = AppGroup("clickhouse", help="Manage the ClickHouse span store.")


@group.command("migrate")
def migrate_command() -> None:
    """Apply the ClickHouse DDL files not yet applied."""
    spans = current_app.extensions["spans"]
    try:
        applied = clickhouse.migrate(spans, echo=click.echo)
    except clickhouse.ClickHouseBusy as error:
        raise click.ClickException(str(error)) from None
    if applied:
        click.echo(f"applied {len(applied)} migration(s) to {spans.database}")
    else:
        click.echo(f"{spans.database} is up to date")
