"""`flask demo` commands: the demo org new users can explore."""

import click
from flask import current_app
from flask.cli import AppGroup

from agentops.clickhouse import ClickHouseBusy
from agentops.demo import service

group = AppGroup("demo", help="Manage the demo org.")


@group.command("seed")
@click.option(
    "--traces",
    default=300,
    show_default=True,
    help="Traces to generate the first time.",
)
def seed_command(traces: int) -> None:
    """Create the demo org, project and traces (does nothing the second time)."""
    settings = current_app.extensions["settings"]
    try:
        result = service.seed(settings, traces=traces)
    except ClickHouseBusy as error:
        raise click.ClickException(str(error)) from None
    if result.spans_added:
        click.echo(
            f"demo project {result.project_id}: added {result.traces_added} traces "
            f"({result.spans_added} spans)"
        )
    else:
        click.echo(f"demo project {result.project_id} already has its traces")
    click.echo(f"demo org id: {result.org_id}")
    if settings.DEMO_ORG_ID != str(result.org_id):
        click.echo(
            f"Set DEMO_ORG_ID={result.org_id} (in .env or the environment) so that "
            "new users join the demo org when they first sign in."
        )
