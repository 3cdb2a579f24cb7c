"""`flask orgs` commands: organizations and their members."""

import uuid

import click
from flask.cli import AppGroup
from sqlalchemy import select

from agentops.extensions import db
from agentops.orgs import service
from agentops.orgs.models import Org, OrgInvite

group = AppGroup("orgs", help="Manage organizations.")


def get_org(org_id: uuid.UUID) -> Org:
    """The org with this id, or a clear error."""
    org = db.session.get(Org, org_id)
    if org is None:
        raise click.ClickException(f"No organization with id {org_id}")
    return org


@group.command("list")
def list_command() -> None:
    """List every org with its plan and counts (tab-separated)."""
    orgs = db.session.scalars(select(Org).order_by(Org.created_at, Org.id)).all()
    counts = service.counts(org.id for org in orgs)
    demo_id = service.demo_org_id()
    click.echo("id\tname\tplan\tmembers\tinvites\tprojects")
    for org in orgs:
        org_counts = counts[org.id]
        name = f"{org.name} (demo)" if org.id == demo_id else org.name
        click.echo(
            f"{org.id}\t{name}\t{org.prem_status}\t{org_counts.members}\t"
            f"{org_counts.invites}\t{org_counts.projects}"
        )


@group.command("members")
@click.argument("org_id", metavar="ORG", type=click.UUID)
def members_command(org_id: uuid.UUID) -> None:
    """List ORG's members and pending invites (tab-separated)."""
    org = get_org(org_id)
    membership = service.members_of(org.id)
    click.echo("user_id\temail\trole\tpaid")
    for member in membership:
        paid = "yes" if member["is_paid"] else "no"
        click.echo(
            f"{member['user_id']}\t{member['email'] or '-'}\t{member['role']}\t{paid}"
        )
    pending = service.pending_invites(OrgInvite.org_id == org.id)
    if pending:
        click.echo("\ninvited\trole\tinvited_by\tcreated_at")
        for invite in pending:
            inviter = invite["inviter_email"] or "-"
            click.echo(
                f"{invite['email']}\t{invite['role']}\t{inviter}\t"
                f"{invite['created_at']:%Y-%m-%d %H:%M}"
            )
