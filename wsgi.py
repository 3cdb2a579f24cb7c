"""The WSGI entry point for gunicorn and `flask`."""

from agentops import create_app

app = create_app()
