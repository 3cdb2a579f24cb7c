"""`flask stripe` commands."""

from flask.cli import AppGroup

group = AppGroup("stripe", help="Manage stripe.")
