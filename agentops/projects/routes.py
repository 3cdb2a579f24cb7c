"""Projects and their API keys."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from agentops.auth.access import install_path_ids, project_access
from agentops.auth.current import current_user, login_required
from agentops.openapi import errors
from agentops.orgs.models import ADMIN_ROLES, OrgMember
from agentops.projects import service
from agentops.projects.models import Project
from agentops.projects.schemas import (
    ProjectCreateSchema,
    ProjectListItemSchema,
    ProjectSchema,
    ProjectUpdateSchema,
)
from agentops.users.schemas import SuccessSchema

blp = Blueprint(
    "projects", __name__, url_prefix="/opsboard/projects", description="Projects"
)
blp.record_once(install_path_ids)


@blp.route("/")
class Projects(MethodView):
    """The caller's projects."""

    decorators = [login_required]

    @blp.response(200, ProjectListItemSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """List the projects of the caller's orgs (the demo org left out).

        Each carries its org in short and its all-time trace and span counts,
        read from ClickHouse in one query for the whole list.
        """
        return service.list_for_user(current_user())

    @blp.arguments(ProjectCreateSchema)
    @blp.response(201, ProjectSchema)
    @errors(blp, 403, 404)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a project (admin or owner of the org).

        A free org at its project limit answers 403. The environment defaults
        to `development`.
        """
        return service.create(
            current_user(), body["org_id"], body["name"], body["environment"]
        )


@blp.route("/<id:project_id>")
class ProjectItem(MethodView):
    """One project."""

    decorators = [login_required]

    @project_access()
    @blp.response(200, ProjectSchema)
    def get(self, project: Project, member: OrgMember) -> dict[str, Any]:
        """Show a project with its full org."""
        return service.detail(project, member)

    @project_access(ADMIN_ROLES)
    @blp.arguments(ProjectUpdateSchema)
    @blp.response(200, ProjectSchema)
    @errors(blp, 403)
    def put(
        self, body: dict[str, Any], project: Project, member: OrgMember
    ) -> dict[str, Any]:
        """Rename a project or change its environment (admin or owner)."""
        return service.update_project(project, member, body)

    @project_access(("owner",))
    @blp.response(200, SuccessSchema)
    @errors(blp, 403)
    def delete(self, project: Project, member: OrgMember) -> dict[str, Any]:
        """Delete a project (owner); its spans can no longer be read."""
        service.delete(project, member)
        return {"success": True, "message": "Project deleted"}


@blp.route("/<id:project_id>/regenerate-key")
class RegenerateKey(MethodView):
    """A project's API key."""

    decorators = [login_required]

    @project_access(ADMIN_ROLES)
    @blp.response(200, ProjectSchema)
    @errors(blp, 403)
    def post(self, project: Project, member: OrgMember) -> dict[str, Any]:
        """Issue a new API key (admin or owner); the old key stops at once."""
        return service.detail(service.regenerate_key(project), member)
