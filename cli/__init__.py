"""The admin command line: one click group per noun, under `flask`."""

from flask import Flask


def register_commands(app: Flask) -> None:
    """Add every command group to the app's CLI."""
    from cli import clickhouse, demo, orgs, prices, projects, spans, stripe, users

    for module in (clickhouse, demo, orgs, prices, projects, spans, stripe, users):
        app.cli.add_command(module.group)
