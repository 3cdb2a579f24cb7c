"""An org's model price overrides, and the rates a query needs."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from agentops.extensions import db
from agentops.pricing.models import ModelPrice
from agentops.pricing.prices import rates_for
from agentops.pricing.usage import Rates, price_key

logger = logging.getLogger(__name__)


def list_for_org(org_id: uuid.UUID) -> list[ModelPrice]:
    """The org's price overrides, by model."""
    return list(
        db.session.scalars(
            select(ModelPrice)
            .where(ModelPrice.org_id == org_id)
            .order_by(ModelPrice.model)
        )
    )


def set_price(
    org_id: uuid.UUID,
    model: str,
    input_per_token: Decimal,
    output_per_token: Decimal,
    cache_read_per_token: Decimal | None = None,
    cache_write_per_token: Decimal | None = None,
) -> ModelPrice:
    """Create or replace the org's price for a model."""
    model = model.strip().lower()
    price = db.session.scalars(
        select(ModelPrice).where(ModelPrice.org_id == org_id, ModelPrice.model == model)
    ).first()
    if price is None:
        price = ModelPrice(org_id=org_id, model=model)
        db.session.add(price)
    price.input_per_token = input_per_token
    price.output_per_token = output_per_token
    price.cache_read_per_token = cache_read_per_token
    price.cache_write_per_token = cache_write_per_token
    db.session.commit()
    logger.info("price of %s set for org %s", model, org_id)
    return price


def delete_price(org_id: uuid.UUID, model: str) -> bool:
    """Remove the org's price for a model; whether there was one."""
    price = db.session.scalars(
        select(ModelPrice).where(
            ModelPrice.org_id == org_id, ModelPrice.model == model.strip().lower()
        )
    ).first()
    if price is None:
        return False
    db.session.delete(price)
    db.session.commit()
    return True


def overrides(org_id: uuid.UUID) -> dict[str, Rates]:
    """The org's overrides as rates; cached input defaults to the input price."""
    table = {}
    for price in list_for_org(org_id):
        base = float(price.input_per_token)
        table[price.model] = Rates(
            input=base,
            output=float(price.output_per_token),
            cache_read=float(
                base
                if price.cache_read_per_token is None
                else price.cache_read_per_token
            ),
            cache_write=float(
                base
                if price.cache_write_per_token is None
                else price.cache_write_per_token
            ),
        )
    return table


def rates_table(
    org_id: uuid.UUID, combinations: Iterable[tuple[str, str, date]]
) -> dict[str, Rates | None]:
    """Rates for each (model, provider, day) a query met, keyed by `price_key`."""
    combinations = set(combinations)
    if not combinations:
        return {}
    own = overrides(org_id)
    return {
        price_key(model, provider, day.isoformat()): rates_for(
            model, provider, day, own
        )
        for model, provider, day in combinations
    }
