"""Billing history and the record of processed Stripe events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from agentops.extensions import db
from agentops.models_common import JsonDocument, UtcDateTime, Uuid, new_id, utcnow


class BillingEvent(db.Model):
    """One entry of an org's billing history."""

    __tablename__ = "billing_events"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("orgs.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)


class ProcessedStripeEvent(db.Model):
    """A Stripe event id that has been applied, so it is applied once."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(120))
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
