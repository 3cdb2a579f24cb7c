"""`flask stripe` commands."""

from __future__ import annotations

import uuid

import click
from flask.cli import AppGroup

from agentops.errors import ApiError

group = AppGroup("stripe", help="Manage stripe.")


@group.command("sync")
@click.option("--org", "org_id", type=click.UUID, help="Only this org.")
def sync_command(org_id: uuid.UUID | None) -> None:
    """Pull subscription state from Stripe and repair what missed webhooks left."""
    from agentops.billing import sync

    try:
        results = sync.sync(org_id)
    except ApiError as error:
        raise click.ClickException(error.message) from None
    if org_id is not None and not results:
        raise click.ClickException(f"No org with id {org_id}")
    changed = 0
    for result in results:
        label = f"org {result.org_id} ({result.org_name})"
        if not result.changes and not result.seats:
            click.echo(f"{label}: in sync")
            continue
        changed += 1
        for name, (old, new) in sorted(result.changes.items()):
            click.echo(f"{label}: {name} {old} -> {new}")
        if result.seats:
            click.echo(f"{label}: seats {result.seats[0]} -> {result.seats[1]}")
    click.echo(f"{len(results)} org(s) checked, {changed} changed")
