"""`flask stripe` commands."""

import click
from flask.cli import AppGroup

group = AppGroup("stripe", help="Manage stripe.")
