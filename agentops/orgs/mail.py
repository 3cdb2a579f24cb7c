"""Invite e-mails: sent over SMTP with Flask-Mailman when `MAIL_URL` is set.

Without `MAIL_URL` the accept link is written to the log at info level, so an
operator can pass it on by hand.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from flask import Flask, current_app
from flask_mailman import EmailMessage, Mail

from agentops.settings import SettingsError, parse_bool, parse_int

logger = logging.getLogger(__name__)

mail = Mail()

SCHEMES = {"smtp": 25, "smtps": 465}
ROLE_NAMES = {
    "owner": "an owner",
    "admin": "an admin",
    "developer": "a developer",
    "business_user": "a business user",
}


def init_app(app: Flask) -> None:
    """Configure Flask-Mailman from `MAIL_URL` and `MAIL_FROM`, when mail is on."""
    settings = app.extensions["settings"]
    if not settings.MAIL_URL:
        return
    app.config.update(smtp_config(settings.MAIL_URL))
    app.config["MAIL_DEFAULT_SENDER"] = settings.MAIL_FROM
    mail.init_app(app)


def smtp_config(url: str) -> dict[str, Any]:
    """Flask-Mailman settings from `smtp://user:password@host:port?tls=true`.

    `smtps://` (or `ssl=true`) connects over TLS from the start; `tls=true`
    upgrades a plain connection with STARTTLS; `timeout` is in seconds.
    """
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise SettingsError(
            "MAIL_URL must look like smtp://user:password@host:587?tls=true, "
            f"not a {parts.scheme or 'schemeless'} URL"
        )
    try:
        port = parts.port or SCHEMES[parts.scheme]
    except ValueError:
        raise SettingsError("MAIL_URL has a port that is not a number") from None
    options = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    config = {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": parts.hostname,
        "MAIL_PORT": port,
        "MAIL_USERNAME": unquote(parts.username) if parts.username else None,
        "MAIL_PASSWORD": unquote(parts.password) if parts.password else None,
        "MAIL_USE_TLS": parse_bool("MAIL_URL tls", options.get("tls", "false")),
        "MAIL_USE_SSL": parts.scheme == "smtps"
        or parse_bool("MAIL_URL ssl", options.get("ssl", "false")),
        "MAIL_TIMEOUT": parse_int("MAIL_URL timeout", options.get("timeout", "10")),
    }
    if config["MAIL_USE_TLS"] and config["MAIL_USE_SSL"]:
        raise SettingsError(
            "MAIL_URL: choose tls=true (STARTTLS) or smtps://, not both"
        )
    return config


def accept_url(org_id: uuid.UUID) -> str:
    """The dashboard page where the invited person accepts."""
    base = current_app.extensions["settings"].APP_URL.rstrip("/")
    return f"{base}/invites?{urlencode({'org_id': str(org_id)})}"


def send_invite(
    invite_id: uuid.UUID,
    org_id: uuid.UUID,
    org_name: str,
    email: str,
    role: str,
    inviter_email: str | None,
) -> bool:
    """E-mail an invite with its accept link; whether it was handed to SMTP."""
    link = accept_url(org_id)
    if not current_app.extensions["settings"].MAIL_URL:
        logger.info(
            "MAIL_URL is not set; invite %s to org %s was not e-mailed. "
            "Accept link: %s",
            invite_id,
            org_id,
            link,
        )
        return False
    message = EmailMessage(
        subject=one_line(f"You are invited to join {org_name} on AgentOps"),
        body=invite_text(org_name, email, role, inviter_email, link),
        to=[email],
    )
    try:
        message.send()
    except OSError as error:  # smtplib's errors are OSErrors too
        logger.warning(
            "could not e-mail invite %s to org %s: %s", invite_id, org_id, error
        )
        return False
    logger.info("e-mailed invite %s to org %s", invite_id, org_id)
    return True


def invite_text(
    org_name: str, email: str, role: str, inviter_email: str | None, link: str
) -> str:
    """The plain-text body of an invite e-mail."""
    who = inviter_email or "An administrator"
    return (
        f"{who} invited you to join the organization {org_name!r} on AgentOps "
        f"as {ROLE_NAMES.get(role, role)}.\n\n"
        f"To accept, sign in as {email} and open:\n{link}\n\n"
        "If you did not expect this invitation, you can ignore this message.\n"
    )


def one_line(text: str) -> str:
    """Collapse line breaks so that text can go into a header."""
    return " ".join(text.split())
