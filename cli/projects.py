"""`flask projects` commands."""

import click
from flask.cli import AppGroup

group = AppGroup("projects", help="Manage projects.")
