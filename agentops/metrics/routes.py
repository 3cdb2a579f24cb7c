"""Project metrics for the dashboard."""

from flask_smorest import Blueprint

blp = Blueprint("metrics", __name__, url_prefix="/v4", description="Metrics")
