"""The Flask extensions, created unbound and initialised by the app factory."""

from typing import Any

from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api, Blueprint
from flask_sqlalchemy import SQLAlchemy
from marshmallow import ValidationError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from webargs import core
from webargs.flaskparser import FlaskParser


class Base(DeclarativeBase):
    """The declarative base of every relational model."""


@event.listens_for(Engine, "connect")
def enforce_sqlite_foreign_keys(connection: Any, _record: Any) -> None:
    """Make SQLite keep foreign keys (and their cascades), as PostgreSQL does.

    SQLite ignores them unless each connection asks; without this, deleting
    an org would leave its prices and billing history pointing at nothing.
    Migrations turn the check off on their own connection (see
    migrations/env.py), since a batch table rebuild drops tables.
    """
    if type(connection).__module__.startswith("sqlite3"):
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


# How deeply a request body may nest arrays and objects. No endpoint needs
# more than a few levels; far deeper bodies would exhaust the recursion of
# the parser, the validators and the JSON columns.
MAX_JSON_DEPTH = 32
TOO_DEEP = f"Arrays and objects nest more than {MAX_JSON_DEPTH} levels deep."


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects in a parsed JSON value nest beyond `limit` levels."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in item)
    return False


class JsonBodyParser(FlaskParser):
    """webargs' Flask parser, for which a missing JSON body is a 422, not `{}`."""

    def load_json(self, req, schema):  # noqa: ANN001, ANN201 - webargs' signature
        """Load the JSON body, refusing a request that has none or nests too deep."""
        try:
            data = super().load_json(req, schema)
        except RecursionError:
            self.refuse(req, schema, {"json": [TOO_DEEP]})
        if data is core.missing:
            self.refuse(req, schema, {"json": ["Missing request body."]})
        if nested_deeper_than(data, MAX_JSON_DEPTH):
            self.refuse(req, schema, {"json": [TOO_DEEP]})
        where = nul_character_at(declared_fields(data, schema))
        if where is not None:
            self.refuse(
                req,
                schema,
                {where or "json": ["Contains a NUL character or invalid Unicode."]},
            )
        return data

    def refuse(self, req, schema, messages: dict) -> None:  # noqa: ANN001
        """Answer 422 with per-field messages."""
        self.handle_error(
            ValidationError(messages),
            req,
            schema,
            error_status_code=422,
            error_headers=None,
        )


def declared_fields(data: Any, schema: Any) -> Any:
    """The part of a JSON object that the schema reads (unknown keys are its call)."""
    if not isinstance(data, dict) or not hasattr(schema, "load_fields"):
        return data
    names = {field.data_key or name for name, field in schema.load_fields.items()}
    return {key: value for key, value in data.items() if key in names}


def storable(text: str) -> bool:
    """Whether PostgreSQL can store the text: no NUL, valid UTF-8."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def nul_character_at(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string no database stores (NUL, lone surrogate)."""
    if isinstance(value, str):
        return path if not storable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if not storable(str(key)):
                return path or "json"
            found = nul_character_at(item, here)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_character_at(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


# Every blueprint parses arguments with it (flask-smorest's documented hook).
Blueprint.ARGUMENTS_PARSER = JsonBodyParser()

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = JWTManager()
api = Api()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
