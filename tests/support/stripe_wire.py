"""Stripe's wire format for the test server: form decoding, errors, answers."""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from werkzeug.wrappers import Response


class StripeFailure(Exception):
    """An error answer in Stripe's shape."""

    def __init__(
        self, status: int, message: str, code: str | None = None, param: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param

    def body(self) -> dict[str, Any]:
        """The JSON error document."""
        kind = "api_error" if self.status >= 500 else "invalid_request_error"
        error = {"type": kind, "message": self.message}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        return {"error": error}


def missing(kind: str, object_id: str, param: str = "id") -> StripeFailure:
    """Stripe's answer for an unknown object."""
    return StripeFailure(
        404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param
    )


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's bracketed form encoding (`a[b][0][c]=v`) as nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = [part for part in re.split(r"[\[\]]+", key) if part != ""]
        if key.endswith("[]"):
            parts.append(str(len(lookup(root, parts) or {})))
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = {"true": True, "false": False}.get(value, value)
    return listify(root)


def lookup(root: dict[str, Any], parts: list[str]) -> Any:
    """The node at a path, if any."""
    node: Any = root
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def listify(node: Any) -> Any:
    """Turn dicts keyed 0, 1, 2... into lists, all the way down."""
    if not isinstance(node, dict):
        return node
    node = {key: listify(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node


def new_id(prefix: str) -> str:
    """A Stripe-looking id."""
    return f"{prefix}_test_{secrets.token_hex(8)}"


def page(items: list[dict[str, Any]], url: str) -> dict[str, Any]:
    """A Stripe list object."""
    return {"object": "list", "data": items, "has_more": False, "url": url}


def reply(status: int, body: dict[str, Any], replayed: bool = False) -> Response:
    """A JSON answer in Stripe's style."""
    headers = {"Request-Id": new_id("req")}
    if status >= 500:
        # Tell stripe-python not to retry an injected failure.
        headers["Stripe-Should-Retry"] = "false"
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(
        json.dumps(body), status=status, headers=headers, mimetype="application/json"
    )
