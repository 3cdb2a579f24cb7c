"""`flask projects` commands: projects and their API keys."""

import uuid

import click
from flask.cli import AppGroup
from sqlalchemy import select

from agentops.extensions import db
from agentops.orgs.models import Org
from agentops.projects import service
from agentops.projects.models import Project

group = AppGroup("projects", help="Manage projects.")


@group.command("list")
@click.option("--org", "org_id", type=click.UUID, help="Only this org's projects.")
def list_command(org_id: uuid.UUID | None) -> None:
    """List projects with their org and environment (tab-separated, no keys)."""
    query = (
        select(Project, Org.name)
        .join(Org, Org.id == Project.org_id)
        .order_by(Org.created_at, Org.id, Project.created_at, Project.id)
    )
    if org_id is not None:
        if db.session.get(Org, org_id) is None:
            raise click.ClickException(f"No organization with id {org_id}")
        query = query.where(Project.org_id == org_id)
    click.echo("id\tname\tenvironment\torg_id\torg")
    for project, org_name in db.session.execute(query):
        click.echo(
            f"{project.id}\t{project.name}\t{project.environment}\t"
            f"{project.org_id}\t{org_name}"
        )


@group.command("regenerate-key")
@click.argument("project_id", metavar="PROJECT", type=click.UUID)
def regenerate_key_command(project_id: uuid.UUID) -> None:
    """Give PROJECT a new API key and print it; the old key stops working."""
    project = db.session.get(Project, project_id)
    if project is None:
        raise click.ClickException(f"No project with id {project_id}")
    click.echo(service.regenerate_key(project).api_key)
