"""`flask spans` commands."""

from flask.cli import AppGroup

group = AppGroup("spans", help="Manage spans.")
