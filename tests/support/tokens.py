"""Supabase-style access tokens for tests, signed independently of the app."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

TEST_SECRET = "test-secret-with-enough-length-for-hs256-0123456789"


@dataclass
class TestUser:
    """A user a test acts as."""

    id: str
    email: str
    full_name: str | None
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """Authorization headers for this user."""
        return {"Authorization": f"Bearer {self.token}"}


class TokenFactory:
    """Make tokens and users."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def token(self, sub: str | None = None, **claims: Any) -> str:
        """An HS256 token; claims override the defaults."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "sub": sub or str(uuid.uuid4()),
            "aud": "authenticated",
            "iat": now,
            "exp": now + 3600,
            "role": "authenticated",
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, self.secret, algorithm="HS256")

    def user(self, email: str | None = None, full_name: str | None = "Ada Lovelace") -> TestUser:
        """A new user with a token (provisioned on first request)."""
        user_id = str(uuid.uuid4())
        email = email or f"user-{user_id[:8]}@example.com"
        metadata = {"full_name": full_name} if full_name else {}
        token = self.token(user_id, email=email, user_metadata=metadata)
        return TestUser(user_id, email, full_name, token)
