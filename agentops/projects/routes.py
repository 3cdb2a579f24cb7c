"""Projects and their API keys."""

from flask_smorest import Blueprint

blp = Blueprint("projects", __name__, url_prefix="/opsboard/projects", description="Projects")
