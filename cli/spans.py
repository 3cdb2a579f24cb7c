"""`flask spans` commands: import spans into a project."""

from __future__ import annotations

import uuid
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from agentops.clickhouse import ClickHouseBusy
from agentops.errors import BadRequest
from agentops.extensions import db
from agentops.ingest import service
from agentops.projects.models import Project

group = AppGroup("spans", help="Manage spans.")


def find_project(project_id: str) -> Project:
    """The project named on the command line, or a clear error."""
    try:
        project = db.session.get(Project, uuid.UUID(project_id))
    except ValueError:
        raise click.BadParameter(
            f"{project_id!r} is not a project id (a UUID)", param_hint="--project"
        ) from None
    if project is None:
        # Unknown ids exit with 1, as in the other commands; malformed ones with 2.
        raise click.ClickException(f"No project with id {project_id}")
    return project


@group.command("load")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False)
)
@click.option("--project", "project_id", required=True, help="The project's id.")
def load_command(files: tuple[str, ...], project_id: str) -> None:
    """Import OTLP/JSON trace exports (FILE...) into a project.

    The project id from the command line replaces any `agentops.project.id` in
    the files. With the embedded ClickHouse, stop the server first (or post the
    files to its /v1/traces).
    """
    project = find_project(project_id)
    batch_size = current_app.extensions["settings"].INGEST_BATCH_SIZE
    stored = rejected = 0
    failures: list[str] = []
    warnings: list[str] = []
    paths = [Path(name) for name in files]
    try:
        with click.progressbar(
            paths,
            label=f"Loading into {project.name}",
            item_show_func=lambda path: path.name if path else "",
        ) as progress:
            for path in progress:
                try:
                    batch = service.load_file(path, str(project.id), batch_size)
                except BadRequest as error:
                    failures.append(error.message)
                    continue
                stored += len(batch.rows)
                rejected += batch.rejected
                if batch.rejected:
                    warnings.append(f"{path}: {batch.error_message}")
    except ClickHouseBusy as error:
        raise click.ClickException(str(error)) from None
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    for failure in failures:
        click.echo(f"error: {failure}", err=True)
    loaded = len(paths) - len(failures)
    click.echo(
        f"stored {stored} span(s) from {loaded} file(s) in project {project.id}"
        + (f"; {rejected} span(s) rejected" if rejected else "")
    )
    if failures:
        raise click.ClickException(f"{len(failures)} file(s) could not be loaded")
