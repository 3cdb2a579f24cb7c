"""`flask prices` commands."""

from flask.cli import AppGroup

group = AppGroup("prices", help="Manage prices.")
