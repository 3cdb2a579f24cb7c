"""The trace list and trace detail."""

from flask_smorest import Blueprint

blp = Blueprint("traces", __name__, url_prefix="/v4/traces", description="Traces")
