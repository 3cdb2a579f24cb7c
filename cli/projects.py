"""`flask projects` commands."""

from flask.cli import AppGroup

group = AppGroup("projects", help="Manage projects.")
