"""The trace list and trace detail."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from agentops.auth.current import current_user, login_required
from agentops.traces import service
from agentops.traces.schemas import TraceDetailArgs, TraceListArgs

blp = Blueprint("traces", __name__, url_prefix="/v4/traces", description="Traces")


@blp.route("/")
class Traces(MethodView):
    """A project's traces."""

    decorators = [login_required]

    @blp.arguments(TraceListArgs, location="query", unknown=RAISE)
    @blp.response(200)
    def get(self, args):
        """List traces, newest first, with totals over every match."""
        return service.list_traces(current_user(), args)


@blp.route("/<string:trace_id>")
class Trace(MethodView):
    """One trace."""

    decorators = [login_required]

    @blp.arguments(TraceDetailArgs, location="query", unknown=RAISE)
    @blp.response(200)
    def get(self, args, trace_id):
        """Show a trace with its spans, attributes, usage and cost."""
        return service.get_trace(current_user(), args["project_id"], trace_id)
