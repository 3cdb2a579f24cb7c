"""The Flask extensions, created unbound and initialised by the app factory."""

from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api, Blueprint
from flask_sqlalchemy import SQLAlchemy
from marshmallow import ValidationError
from sqlalchemy.orm import DeclarativeBase
from webargs import core
from webargs.flaskparser import FlaskParser


class Base(DeclarativeBase):
    """The declarative base of every relational model."""


class JsonBodyParser(FlaskParser):
    """webargs' Flask parser, for which a missing JSON body is a 422, not `{}`."""

    def load_json(self, req, schema):  # noqa: ANN001, ANN201 - webargs' signature
        """Load the JSON body, refusing a request that has none."""
        data = super().load_json(req, schema)
        if data is core.missing:
            self.handle_error(
                ValidationError({"json": ["Missing request body."]}),
                req,
                schema,
                error_status_code=422,
                error_headers=None,
            )
        return data


# Every blueprint parses arguments with it (flask-smorest's documented hook).
Blueprint.ARGUMENTS_PARSER = JsonBodyParser()

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = JWTManager()
api = Api()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
