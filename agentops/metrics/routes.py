"""Project metrics for the dashboard."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from agentops.auth.current import current_user, login_required
from agentops.metrics import service
from agentops.metrics.schemas import MetricsArgs, ProjectMetricsSchema
from agentops.traces.routes import project_visible

blp = Blueprint("metrics", __name__, url_prefix="/v4", description="Metrics")


class ProjectMetrics(MethodView):
    """Everything the dashboard charts for a project and window."""

    decorators = [project_visible, login_required]

    @blp.arguments(MetricsArgs, location="query", unknown=RAISE)
    @blp.response(200, ProjectMetricsSchema)
    def get(self, args):
        """Show counts, usage, durations, models and a time series."""
        return service.project_metrics(current_user(), args)


# The misspelled path is part of the contract; the correct one answers too.
blp.route("/meterics/project", endpoint="meterics")(ProjectMetrics)
blp.route("/metrics/project", endpoint="metrics")(ProjectMetrics)
