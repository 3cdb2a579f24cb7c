"""The trace list and trace detail."""

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from agentops.auth.current import current_user, login_required
from agentops.traces import service
from agentops.traces.schemas import (
    TraceDetailArgs,
    TraceListArgs,
    TraceListSchema,
    TraceSchema,
)

blp = Blueprint("traces", __name__, url_prefix="/v4/traces", description="Traces")


def project_visible(view: Callable[..., Any]) -> Callable[..., Any]:
    """Answer 404 for another org's `project_id` before any other argument check.

    Checks run token, visibility, then the request itself; a malformed id is
    left to the argument schema (422).
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            project_id = uuid.UUID(request.args.get("project_id", ""))
        except ValueError:
            project_id = None
        if project_id is not None:
            service.visible_project(project_id, current_user())
        return view(*args, **kwargs)

    return wrapper


@blp.route("/")
class Traces(MethodView):
    """A project's traces."""

    decorators = [project_visible, login_required]

    @blp.arguments(TraceListArgs, location="query", unknown=RAISE)
    @blp.response(200, TraceListSchema)
    def get(self, args):
        """List traces, newest first, with totals over every match."""
        return service.list_traces(current_user(), args)


@blp.route("/<string:trace_id>")
class Trace(MethodView):
    """One trace."""

    decorators = [project_visible, login_required]

    @blp.arguments(TraceDetailArgs, location="query", unknown=RAISE)
    @blp.response(200, TraceSchema)
    def get(self, args, trace_id):
        """Show a trace with its spans, attributes, usage and cost."""
        return service.get_trace(current_user(), args["project_id"], trace_id)
