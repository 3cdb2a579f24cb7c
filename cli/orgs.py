"""`flask orgs` commands."""

from flask.cli import AppGroup

group = AppGroup("orgs", help="Manage orgs.")
