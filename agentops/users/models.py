"""People who sign in."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from agentops.extensions import db
from agentops.models_common import JsonDocument, UtcDateTime, Uuid, utcnow


class User(db.Model):
    """A user, keyed by the identity provider's `sub`."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    avatar_url: Mapped[str | None] = mapped_column(String(2048))
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    payment_method: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    survey_is_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
