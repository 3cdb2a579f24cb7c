"""The reference for the load benchmark: a bare Flask app that says hello."""

from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello() -> dict[str, str]:
    """Answer with a constant."""
    return {"hello": "world"}
