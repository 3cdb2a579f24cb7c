"""OTLP ingestion and SDK project tokens."""

from flask_smorest import Blueprint

blp = Blueprint("ingest", __name__, url_prefix="", description="Ingestion")
