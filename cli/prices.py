"""`flask prices` commands."""

import click
from flask.cli import AppGroup

group = AppGroup("prices", help="Manage prices.")
