"""`flask spans` commands."""

import click
from flask.cli import AppGroup

group = AppGroup("spans", help="Manage spans.")
