"""Organizations, members and invites."""

from flask_smorest import Blueprint

blp = Blueprint("orgs", __name__, url_prefix="/opsboard/orgs", description="Organizations")
