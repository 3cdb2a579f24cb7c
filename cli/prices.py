"""`flask prices` commands: an org's own model prices, and what a model costs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import click
from flask.cli import AppGroup

from agentops.extensions import db, storable
from agentops.orgs.models import Org
from agentops.pricing import service
from agentops.pricing.prices import rates_for

group = AppGroup("prices", help="Manage prices.")
PER_MILLION = Decimal(1_000_000)
# The price columns hold under a million USD per token; a dollar per token is
# already far beyond any model's price, so that is the ceiling.
MAX_PER_MILLION = Decimal(1_000_000)
MODEL_MAX = 200


def model_name(ctx: click.Context, param: click.Parameter, text: str) -> str:
    """The MODEL argument, checked to be a name the database can store."""
    name = text.strip()
    if not name:
        raise click.BadParameter("the model name is empty", ctx, param)
    if len(name) > MODEL_MAX or not storable(name):
        raise click.BadParameter(
            f"a model name has at most {MODEL_MAX} characters and no NUL "
            "or unpaired surrogate characters",
            ctx,
            param,
        )
    return name


def per_token(text: str | None, option: str) -> Decimal | None:
    """A USD-per-million-tokens option as a per-token price."""
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise click.BadParameter(
            f"{text!r} is not a number", param_hint=option
        ) from None
    if not value.is_finite() or value < 0:
        raise click.BadParameter("must be zero or more", param_hint=option)
    if value > MAX_PER_MILLION:
        raise click.BadParameter(
            f"must be at most {MAX_PER_MILLION} USD per million tokens",
            param_hint=option,
        )
    return value / PER_MILLION


def find_org(org_id: str) -> Org:
    """The org named by id, or a clear error."""
    try:
        org = db.session.get(Org, uuid.UUID(org_id))
    except ValueError:
        org = None
    if org is None:
        raise click.ClickException(f"No org with id {org_id}")
    return org


def per_million(value: Decimal | float | None) -> str:
    """A per-token price shown per million tokens."""
    if value is None:
        return "-"
    return f"{Decimal(str(value)) * PER_MILLION:f}".rstrip("0").rstrip(".") or "0"


@group.command("set")
@click.argument("model", callback=model_name)
@click.option("--org", "org_id", required=True, help="The org the price is for.")
@click.option(
    "--input", "input_price", required=True, help="USD per million input tokens."
)
@click.option(
    "--output", "output_price", required=True, help="USD per million output tokens."
)
@click.option(
    "--cache-read", help="USD per million cached input tokens (default: input)."
)
@click.option(
    "--cache-write", help="USD per million cache-write tokens (default: input)."
)
def set_command(
    model: str,
    org_id: str,
    input_price: str,
    output_price: str,
    cache_read: str | None,
    cache_write: str | None,
) -> None:
    """Set an org's price for MODEL (also used for its dated variants)."""
    org = find_org(org_id)
    price = service.set_price(
        org.id,
        model,
        per_token(input_price, "--input"),
        per_token(output_price, "--output"),
        per_token(cache_read, "--cache-read"),
        per_token(cache_write, "--cache-write"),
    )
    click.echo(f"{price.model}: set for org {org.id}")


@group.command("list")
@click.option("--org", "org_id", required=True, help="The org whose prices to list.")
def list_command(org_id: str) -> None:
    """List an org's own prices, in USD per million tokens."""
    org = find_org(org_id)
    click.echo("model\tinput\toutput\tcache_read\tcache_write")
    for price in service.list_for_org(org.id):
        click.echo(
            "\t".join(
                [
                    price.model,
                    per_million(price.input_per_token),
                    per_million(price.output_per_token),
                    per_million(price.cache_read_per_token),
                    per_million(price.cache_write_per_token),
                ]
            )
        )


@group.command("delete")
@click.argument("model", callback=model_name)
@click.option("--org", "org_id", required=True, help="The org the price is for.")
def delete_command(model: str, org_id: str) -> None:
    """Remove an org's price for MODEL (genai-prices applies again)."""
    org = find_org(org_id)
    if not service.delete_price(org.id, model):
        raise click.ClickException(f"Org {org.id} has no price for {model}")
    click.echo(f"{model.strip().lower()}: removed for org {org.id}")


@group.command("show")
@click.argument("model")
@click.option("--provider", default="", help="The provider, e.g. openai.")
@click.option("--org", "org_id", help="Apply this org's own prices.")
def show_command(model: str, provider: str, org_id: str | None) -> None:
    """Show the rates that price MODEL today, in USD per million tokens."""
    own = service.overrides(find_org(org_id).id) if org_id else {}
    rates = rates_for(model, provider, datetime.now(UTC).date(), own)
    if rates is None:
        raise click.ClickException(
            f"No price known for {model}; its calls are unpriced"
        )
    click.echo(
        f"{model}: input {per_million(rates.input)}, "
        f"output {per_million(rates.output)}, "
        f"cache read {per_million(rates.cache_read)}, "
        f"cache write {per_million(rates.cache_write)}"
    )
