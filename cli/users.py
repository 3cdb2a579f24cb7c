"""`flask users` commands."""

import uuid
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from marshmallow import ValidationError
from sqlalchemy import func, select

from agentops.auth.tokens import mint_user_token
from agentops.errors import ApiError
from agentops.extensions import db
from agentops.orgs import invites
from agentops.orgs.models import ROLES, Org
from agentops.orgs.schemas import NormalizedEmail
from agentops.users import service
from agentops.users.models import User

group = AppGroup("users", help="Manage users.")

# Ten years: a token that outlives that is a mistake, and far larger values
# overflow the date arithmetic.
TOKEN_MAX_HOURS = 24 * 3653


@group.command("token")
@click.argument("email")
@click.option("--name", "full_name", help="Full name for a new user.")
@click.option(
    "--hours",
    type=click.IntRange(1, TOKEN_MAX_HOURS),
    default=12,
    show_default=True,
    help=f"Hours the token lasts, 1 to {TOKEN_MAX_HOURS}.",
)
def token_command(email: str, full_name: str | None, hours: int) -> None:
    """Print an access token for EMAIL, signed with the local secret.

    An existing user keeps their id; a new e-mail gets a new id and is
    provisioned (personal org and Default Project) on first use of the token.
    """
    settings = current_app.extensions["settings"]
    if not settings.secret_is_local:
        click.echo(
            "warning: JWT_SECRET_KEY comes from the environment; the token is signed "
            "with it and works wherever that secret is trusted.",
            err=True,
        )
    try:
        email = service.usable_email(email) or ""
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None
    if not email:
        raise click.BadParameter("the e-mail is empty", param_hint="EMAIL")
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        user = service.provision(uuid.uuid4(), email, full_name, settings.DEMO_ORG_ID)
    token = mint_user_token(
        str(user.id), user.email, user.full_name, expires=timedelta(hours=hours)
    )
    click.echo(token)


@group.command("invite")
@click.argument("email")
@click.option("--org", "org_id", metavar="ORG", type=click.UUID, required=True)
@click.option(
    "--role", type=click.Choice(ROLES), default="developer", show_default=True
)
def invite_command(email: str, org_id: uuid.UUID, role: str) -> None:
    """Invite EMAIL into ORG and send the accept link (or log it without mail).

    The org's rules apply as in the API: the free plan's member limit and no
    second invite for the same address.
    """
    try:
        email = NormalizedEmail().deserialize(email)
    except ValidationError:
        raise click.BadParameter(f"{email!r} is not an e-mail address") from None
    org = db.session.get(Org, org_id)
    if org is None:
        raise click.ClickException(f"No organization with id {org_id}")
    try:
        result = invites.create(org, None, email, role)
    except ApiError as error:
        raise click.ClickException(error.message) from None
    click.echo(result["message"])
    click.echo(f"accept link: {result['accept_url']}")
