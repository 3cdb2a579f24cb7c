"""An org's billing history: what happened to its subscription, and when."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from agentops.billing.models import BillingEvent
from agentops.extensions import db


def record(org_id: uuid.UUID | None, kind: str, **details: Any) -> BillingEvent:
    """Add an entry to the org's billing history (committed by the caller)."""
    entry = BillingEvent(org_id=org_id, kind=kind, details=details or None)
    db.session.add(entry)
    return entry


def list_for_org(org_id: uuid.UUID) -> list[BillingEvent]:
    """The org's billing history, oldest first."""
    return list(
        db.session.scalars(
            select(BillingEvent)
            .where(BillingEvent.org_id == org_id)
            .order_by(BillingEvent.occurred_at, BillingEvent.id)
        )
    )


def version(org_id: uuid.UUID) -> int:
    """How many entries the org's history has: changes whenever billing changes."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(BillingEvent)
            .where(BillingEvent.org_id == org_id)
        )
        or 0
    )
