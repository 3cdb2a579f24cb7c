"""`flask orgs` commands."""

import click
from flask.cli import AppGroup

group = AppGroup("orgs", help="Manage orgs.")
