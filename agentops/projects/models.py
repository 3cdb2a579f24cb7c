"""Projects and their ingestion keys."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agentops.extensions import db
from agentops.models_common import UtcDateTime, Uuid, new_id, utcnow

ENVIRONMENTS = ("production", "staging", "development", "community")


class Project(db.Model):
    """A project: where an agent's spans are filed."""

    __tablename__ = "projects"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("orgs.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    environment: Mapped[str] = mapped_column(String(20), default="development")
    api_key: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    org = relationship("Org")
