"""Organizations, members and invites."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from agentops.auth.access import install_path_ids, org_access
from agentops.auth.current import current_user, login_required
from agentops.openapi import errors
from agentops.orgs import invites, mail, members, service
from agentops.orgs.models import ADMIN_ROLES, Org, OrgMember
from agentops.orgs.schemas import (
    InviteCreateSchema,
    InviteResultSchema,
    MemberRemoveSchema,
    MyInviteSchema,
    OrgCreateSchema,
    OrgDetailSchema,
    OrgSchema,
    OrgUpdateSchema,
    RoleChangeSchema,
)
from agentops.users.schemas import SuccessSchema

blp = Blueprint(
    "orgs", __name__, url_prefix="/opsboard/orgs", description="Organizations"
)
blp.record_once(install_path_ids)
blp.record_once(lambda state: mail.init_app(state.app))

OWNER = ("owner",)


@blp.route("/")
class Orgs(MethodView):
    """The caller's orgs."""

    decorators = [login_required]

    @blp.response(200, OrgSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """List the caller's orgs (the demo org left out)."""
        return service.list_for_user(current_user())

    @blp.arguments(OrgCreateSchema)
    @blp.response(201, OrgSchema)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create an org with the caller as its owner."""
        return service.create(current_user(), body["name"])


@blp.route("/invites")
class MyInvites(MethodView):
    """Invites addressed to the caller."""

    decorators = [login_required]

    @blp.response(200, MyInviteSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """List pending invites for the caller's e-mail, in any letter case."""
        return invites.pending_for(current_user())


@blp.route("/<id:org_id>")
class OrgItem(MethodView):
    """One org."""

    decorators = [login_required]

    @org_access()
    @blp.response(200, OrgDetailSchema)
    def get(self, org: Org, member: OrgMember) -> dict[str, Any]:
        """Show an org with its members; admins and owners also see its invites."""
        return service.detail(org, member)

    @org_access(ADMIN_ROLES)
    @blp.arguments(OrgUpdateSchema)
    @blp.response(200, OrgSchema)
    @errors(blp, 403)
    def put(self, body: dict[str, Any], org: Org, member: OrgMember) -> dict[str, Any]:
        """Rename an org (admin or owner)."""
        return service.rename(org, member, body["name"])

    @org_access(OWNER)
    @blp.response(200, SuccessSchema)
    @errors(blp, 403, 409)
    def delete(self, org: Org, member: OrgMember) -> dict[str, Any]:
        """Delete an org (owner); refused while it has projects or a subscription."""
        service.delete(org, member)
        return {"success": True, "message": "Organization deleted"}


@blp.route("/<id:org_id>/invite")
class Invite(MethodView):
    """Inviting someone into an org."""

    decorators = [login_required]

    @org_access(ADMIN_ROLES)
    @blp.arguments(InviteCreateSchema)
    @blp.response(201, InviteResultSchema)
    @errors(blp, 403, 409)
    def post(self, body: dict[str, Any], org: Org, member: OrgMember) -> dict[str, Any]:
        """Invite an e-mail address (admin or owner; only an owner invites an owner).

        The address is stored lower-case and sent an accept link. On the free
        plan pending invites count towards the member limit (403 when full).
        If the e-mail cannot be sent the invite is kept and `email_sent` is
        false.
        """
        return invites.create(org, member, body["email"], body["role"])


@blp.route("/<id:org_id>/invites/<email>")
class InviteItem(MethodView):
    """One pending invite."""

    decorators = [login_required]

    @org_access(ADMIN_ROLES)
    @blp.response(200, SuccessSchema)
    @errors(blp, 403)
    def delete(self, org: Org, member: OrgMember, email: str) -> dict[str, Any]:
        """Revoke the invite for an e-mail address (admin or owner)."""
        invites.revoke(org, email)
        return {"success": True, "message": "Invite revoked"}


@blp.route("/<id:org_id>/accept-invite")
class AcceptInvite(MethodView):
    """Joining an org."""

    decorators = [login_required]

    @blp.response(200, SuccessSchema)
    @errors(blp, 403, 409)
    def post(self, org_id: uuid.UUID | None) -> dict[str, Any]:
        """Accept the invite addressed to the caller's e-mail; 404 without one."""
        invites.accept(org_id, current_user())
        return {"success": True, "message": "You joined the organization"}


@blp.route("/<id:org_id>/remove-member")
class RemoveMember(MethodView):
    """Removing a member."""

    decorators = [login_required]

    @org_access(ADMIN_ROLES)
    @blp.arguments(MemberRemoveSchema)
    @blp.response(200, SuccessSchema)
    @errors(blp, 400, 403, 409)
    def post(self, body: dict[str, Any], org: Org, member: OrgMember) -> dict[str, Any]:
        """Remove a member (admin or owner).

        Not yourself (400); only an owner removes an owner (403); never the
        last owner (409).
        """
        members.remove(org, member, body["user_id"])
        return {"success": True, "message": "Member removed"}


@blp.route("/<id:org_id>/change-role")
class ChangeRole(MethodView):
    """Changing a member's role."""

    decorators = [login_required]

    @org_access(ADMIN_ROLES)
    @blp.arguments(RoleChangeSchema)
    @blp.response(200, SuccessSchema)
    @errors(blp, 400, 403, 409)
    def post(self, body: dict[str, Any], org: Org, member: OrgMember) -> dict[str, Any]:
        """Change a member's role (admin or owner).

        Not your own (400); only an owner grants or takes away `owner` (403);
        never demote the last owner (409).
        """
        members.change_role(org, member, body["user_id"], body["role"])
        return {"success": True, "message": f"Role changed to {body['role']}"}
