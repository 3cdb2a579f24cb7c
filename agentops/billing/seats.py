"""Keeping a paid org's Stripe seat count equal to its membership."""

from __future__ import annotations

import logging

from agentops.orgs.models import Org

logger = logging.getLogger(__name__)


def membership_changed(org: Org) -> None:
    """Bring the subscription's seat quantity in line with the org's members.

    Called by the org service after a member joins or leaves, inside the same
    request. A free org, or a server without Stripe, has nothing to do.
    """
    # TODO: update the subscription quantity with proration once billing exists.
    return None
