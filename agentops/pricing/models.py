"""Per-org model price overrides."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agentops.extensions import db
from agentops.models_common import UtcDateTime, Uuid, new_id, utcnow

PRICE = Numeric(24, 18)


class ModelPrice(db.Model):
    """An org's own price for a model, in USD per token."""

    __tablename__ = "model_prices"
    __table_args__ = (UniqueConstraint("org_id", "model"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("orgs.id", ondelete="CASCADE"), index=True
    )
    model: Mapped[str] = mapped_column(String(200))
    input_per_token: Mapped[Decimal] = mapped_column(PRICE)
    output_per_token: Mapped[Decimal] = mapped_column(PRICE)
    cache_read_per_token: Mapped[Decimal | None] = mapped_column(PRICE)
    cache_write_per_token: Mapped[Decimal | None] = mapped_column(PRICE)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
