"""The signed-in user's own profile."""

from flask.views import MethodView
from flask_smorest import Blueprint

from agentops.auth.current import current_user, login_required
from agentops.users import service
from agentops.users.schemas import SuccessSchema, UserSchema, UserUpdateSchema

blp = Blueprint("users", __name__, url_prefix="/opsboard/users", description="Users")


@blp.route("/me")
class Me(MethodView):
    """The caller."""

    decorators = [login_required]

    @blp.response(200, UserSchema)
    def get(self):
        """Show the signed-in user."""
        return current_user()

    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def put(self, changes):
        """Update the signed-in user's profile."""
        return service.update(current_user(), changes)


@blp.route("/me/survey-complete")
class SurveyComplete(MethodView):
    """The onboarding survey flag."""

    decorators = [login_required]

    @blp.response(200, SuccessSchema)
    def put(self):
        """Mark the onboarding survey as complete."""
        service.complete_survey(current_user())
        return {"success": True, "message": "Survey marked as complete"}
