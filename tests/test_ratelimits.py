"""Rate limits on the token, ingestion and webhook endpoints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

from tests.support.ingest import make_project

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/0"


def limited_app(make_app, **limits):
    """An app with rate limits on, at the given strengths."""
    settings = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "RATELIMIT_AUTH_TOKEN": "100 per minute",
        "RATELIMIT_INGEST": "100 per minute",
        "RATELIMIT_WEBHOOK": "100 per minute",
    }
    settings.update(limits)
    return make_app(**settings)


def test_token_endpoint_answers_429_with_retry_after(make_app):
    app = limited_app(make_app, RATELIMIT_AUTH_TOKEN="3 per minute")
    client = app.test_client()

    statuses = [
        client.post("/v3/auth/token", json={"api_key": str(uuid.uuid4())}).status_code
        for _ in range(4)
    ]
    refused = client.post("/v3/auth/token", json={"api_key": str(uuid.uuid4())})

    assert statuses == [403, 403, 403, 429]
    assert refused.status_code == 429
    assert refused.json["code"] == 429
    assert int(refused.headers["Retry-After"]) > 0


def test_ingestion_is_limited_per_credential(make_app):
    app = limited_app(make_app, RATELIMIT_INGEST="2 per minute")
    client = app.test_client()
    first, second = make_project(app), make_project(app)
    body = json.dumps({"resourceSpans": []})

    def export(project):
        return client.post(
            "/v1/traces",
            data=body,
            content_type="application/json",
            headers={"X-Agentops-Api-Key": project.api_key},
        ).status_code

    assert [export(first) for _ in range(3)] == [200, 200, 429]
    assert export(second) == 200


def test_webhook_is_limited(make_app):
    app = limited_app(
        make_app,
        RATELIMIT_WEBHOOK="2 per minute",
        STRIPE_SECRET_KEY="sk_test_x",
        STRIPE_WEBHOOK_SECRET="whsec_x",
    )
    client = app.test_client()

    statuses = [
        client.post("/v4/stripe-webhook", data=b"{}").status_code for _ in range(3)
    ]

    assert statuses == [400, 400, 429]


def test_limits_are_off_when_disabled(make_app):
    client = make_app(RATELIMIT_ENABLED=False, RATELIMIT_AUTH_TOKEN="1 per minute")
    client = client.test_client()

    statuses = {
        client.post("/v3/auth/token", json={"api_key": str(uuid.uuid4())}).status_code
        for _ in range(3)
    }

    assert statuses == {403}


@pytest.fixture
def redis_url():
    """The local Redis, or a skip where none runs."""
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return REDIS_URL


def test_redis_storage_shares_limits_between_processes(make_app, redis_url):
    prefix = f"test-{uuid.uuid4().hex}"
    app = limited_app(
        make_app,
        RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_KEY_PREFIX=prefix,
        RATELIMIT_AUTH_TOKEN="2 per minute",
    )
    client = app.test_client()
    for _ in range(2):
        client.post("/v3/auth/token", json={"api_key": str(uuid.uuid4())})
    settings = {
        **app.extensions["settings"].__dict__,
        "secret_generated": False,
    }
    script = (
        "import json, sys, uuid\n"
        "from agentops import create_app\n"
        "settings = json.loads(sys.argv[1])\n"
        "settings.pop('secret_generated', None)\n"
        "app = create_app(settings, environ={})\n"
        "answer = app.test_client().post('/v3/auth/token', "
        "json={'api_key': str(uuid.uuid4())})\n"
        "print(answer.status_code)\n"
    )

    other_process = subprocess.run(
        [sys.executable, "-c", script, json.dumps(settings, default=str)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert other_process.stdout.strip().splitlines()[-1] == "429", other_process.stderr
    keys = redis.Redis.from_url(redis_url).keys(f"*{prefix}*")
    assert keys
    redis.Redis.from_url(redis_url).delete(*keys)
