"""The app as a whole: errors, operations endpoints, docs, settings, logging."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from flask import abort

from agentops import create_app
from agentops.observability import mask_secrets, scrub_event
from agentops.settings import SettingsError, load

ME = "/opsboard/users/me"


def test_unknown_path_is_a_404_envelope(client):
    response = client.get("/no/such/path")

    assert response.status_code == 404
    assert response.json["code"] == 404
    assert response.json["status"] == "Not Found"
    assert response.json["message"]


def test_wrong_method_is_a_405_envelope(client):
    response = client.delete("/health")

    assert response.status_code == 405
    assert response.json["status"] == "Method Not Allowed"


def test_unexpected_error_is_a_500_envelope_without_details(make_app):
    app = make_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")

    assert response.status_code == 500
    assert response.json["code"] == 500
    assert "secret internals" not in response.get_data(as_text=True)


def test_abort_inside_a_view_keeps_the_envelope(make_app):
    app = make_app()

    @app.get("/teapot")
    def teapot():
        abort(418)

    response = app.test_client().get("/teapot")

    assert response.status_code == 418
    assert response.json["code"] == 418


def test_malformed_json_is_400_naming_the_problem(client, tokens):
    user = tokens.user()

    response = client.put(
        ME, headers=user.headers, data="{bad json", content_type="application/json"
    )

    assert response.status_code == 400
    assert "JSON" in response.json["message"]


def test_wrong_content_type_is_415(client, tokens):
    user = tokens.user()

    response = client.put(
        ME, headers=user.headers, data="full_name=x", content_type="text/plain"
    )

    assert response.status_code == 415
    assert "application/json" in response.json["message"]


def test_huge_body_is_413(make_app, tokens):
    client = make_app(MAX_CONTENT_LENGTH=1000).test_client()
    user = tokens.user()

    response = client.put(ME, headers=user.headers, json={"full_name": "x" * 2000})

    assert response.status_code == 413
    assert "1000" in response.json["message"]


def test_collection_paths_answer_with_and_without_slash(client):
    with_slash = client.get("/health/")
    without = client.get("/health")

    assert with_slash.status_code == without.status_code == 200


def test_health_touches_nothing(make_app):
    client = make_app(DATABASE_URL="postgresql://nobody@127.0.0.1:1/none").test_client()

    assert client.get("/health").json == {"status": "ok"}


def test_ready_checks_both_stores(client):
    response = client.get("/ready")

    assert response.status_code == 200
    assert response.json == {"status": "ready", "database": "ok", "clickhouse": "ok"}


def test_ready_names_the_failing_database(make_app):
    client = make_app(DATABASE_URL="postgresql://nobody@127.0.0.1:1/none").test_client()

    response = client.get("/ready")

    assert response.status_code == 503
    assert response.json["errors"]["failing"] == ["database"]
    assert "database" in response.json["message"]


def test_ready_names_the_failing_clickhouse(make_app):
    client = make_app(CLICKHOUSE_HOST="127.0.0.1", CLICKHOUSE_PORT=1).test_client()

    response = client.get("/ready")

    assert response.status_code == 503
    assert response.json["errors"]["failing"] == ["clickhouse"]


def test_openapi_document_lists_the_routes(client):
    spec = client.get("/openapi.json").json

    assert spec["openapi"].startswith("3.")
    assert "/opsboard/users/me" in spec["paths"]
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_docs_page_uses_only_local_assets(client):
    page = client.get("/docs").get_data(as_text=True)

    assert "/docs/assets/swagger-ui-bundle.js" in page
    assert "https://" not in page and "http://" not in page
    for asset in (
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "swagger-ui-standalone-preset.js",
    ):
        response = client.get(f"/docs/assets/{asset}")
        assert response.status_code == 200
        assert len(response.data) > 1000


def test_production_settings_without_a_secret_refuse_to_start(tmp_path):
    environ = {
        "INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": "postgresql://db.example.com/agentops",
    }

    with pytest.raises(SettingsError, match="JWT_SECRET_KEY"):
        create_app(environ=environ)


def test_embedded_defaults_generate_a_secret_once(tmp_path, caplog):
    environ = {"INSTANCE_PATH": str(tmp_path), "CLICKHOUSE_DATABASE": "gen"}

    with caplog.at_level(logging.WARNING):
        first = create_app(environ=environ)
    second = create_app(environ=environ)

    assert "JWT_SECRET_KEY is not set" in caplog.text
    assert first.config["JWT_SECRET_KEY"] == second.config["JWT_SECRET_KEY"]
    assert (tmp_path / "jwt-secret").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DEBUG": "perhaps"}, "DEBUG must be true or false"),
        ({"FREEPLAN_MAX_USERS": "many"}, "FREEPLAN_MAX_USERS must be a whole number"),
    ],
)
def test_unparseable_settings_name_the_setting(environ, message):
    with pytest.raises(SettingsError, match=message):
        load(environ=environ)


def test_postgres_urls_use_psycopg():
    settings = load(environ={"DATABASE_URL": "postgres://u:p@h/db"})

    assert settings.database_uri == "postgresql+psycopg://u:p@h/db"


def test_every_request_is_logged_with_user(client, tokens, caplog):
    user = tokens.user()

    with caplog.at_level(logging.INFO, logger="agentops.request"):
        client.get(ME, headers=user.headers)

    line = [r.getMessage() for r in caplog.records if r.name == "agentops.request"][-1]
    assert line.startswith("GET /opsboard/users/me 200 ")
    assert f"user={user.id}" in line


def test_debug_logs_bodies_with_secrets_masked(make_app, tokens, caplog):
    client = make_app(DEBUG=True).test_client()
    user = tokens.user()
    body = {
        "full_name": "Visible Name",
        "billing_address": {"card_number": "4242424242424242", "city": "Paris"},
        "payment_method": {"api_key": "sk_live_zzz", "password": "hunter2"},
    }

    with caplog.at_level(logging.DEBUG, logger="agentops.request"):
        client.put(ME, headers=user.headers, json=body)

    assert "Visible Name" in caplog.text
    assert "Paris" in caplog.text
    for secret in ("4242424242424242", "sk_live_zzz", "hunter2", user.token):
        assert secret not in caplog.text


def test_bodies_are_not_logged_without_debug(client, tokens, caplog):
    user = tokens.user()

    with caplog.at_level(logging.DEBUG, logger="agentops.request"):
        client.put(ME, headers=user.headers, json={"full_name": "Quiet Name"})

    assert "Quiet Name" not in caplog.text


def test_mask_secrets_walks_nested_values():
    masked = mask_secrets(
        {"a": [{"token": "t", "keep": 1}], "client_secret": "s", "cvc": "123"}
    )

    assert masked == {
        "a": [{"token": "***", "keep": 1}],
        "client_secret": "***",
        "cvc": "***",
    }


def test_sentry_events_are_scrubbed():
    event = {
        "request": {
            "data": {"password": "p", "name": "n"},
            "headers": {"Authorization": "Bearer abc", "Accept": "json"},
        }
    }

    scrubbed = scrub_event(event, {})

    assert scrubbed["request"]["data"] == {"password": "***", "name": "n"}
    assert scrubbed["request"]["headers"]["Authorization"] == "***"


def test_sentry_starts_when_a_dsn_is_set(make_app):
    import sentry_sdk

    make_app(SENTRY_DSN="http://public@127.0.0.1:1/1")

    assert sentry_sdk.get_client().is_active()
    sentry_sdk.init()  # switch it off again for the other tests


@pytest.mark.parametrize(
    ("fmt", "suffix"), [("html", ".html"), ("speedscope", ".speedscope.json")]
)
def test_profiling_writes_one_file_per_request(make_app, tmp_path, fmt, suffix):
    out = tmp_path / "profiles"
    client = make_app(
        PROFILING_ENABLED=True, PROFILE_OUTPUT_DIR=str(out), PROFILING_FORMAT=fmt
    ).test_client()

    client.get("/health")
    client.get("/health")

    files = sorted(Path(out).iterdir())
    assert len(files) == 2
    assert all(f.name.endswith(suffix) for f in files)
    if fmt == "speedscope":
        assert "$schema" in json.loads(files[0].read_text())


def test_cli_token_signs_in_as_the_user(app, client):
    runner = app.test_cli_runner()

    result = runner.invoke(args=["users", "token", "Lin@Example.com", "--name", "Lin"])
    token = result.output.strip().splitlines()[-1]
    again = runner.invoke(args=["users", "token", "lin@example.com"])
    token_again = again.output.strip().splitlines()[-1]

    assert result.exit_code == 0, result.output
    me = client.get(ME, headers={"Authorization": f"Bearer {token}"}).json
    me_again = client.get(ME, headers={"Authorization": f"Bearer {token_again}"}).json
    assert me["email"] == "lin@example.com"
    assert me["full_name"] == "Lin"
    assert me_again["id"] == me["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"full_name": "bad\x00name"}, "full_name"),
        ({"billing_address": {"\x00": None}}, "billing_address"),
        ({"billing_address": {"line1": "b\x00d"}}, "billing_address.line1"),
    ],
)
def test_nul_characters_in_bodies_are_422_on_every_database(
    client, tokens, body, field
):
    user = tokens.user()

    response = client.put(ME, headers=user.headers, json=body)

    assert response.status_code == 422
    assert field in response.json["errors"]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/opsboard/orgs/invites?x=%00", 422),
        ("/opsboard/orgs/00000000-0000-0000-0000-000000000000/invites/a%00b", 404),
    ],
)
def test_nul_characters_in_urls_are_refused(client, tokens, url, status):
    user = tokens.user()

    response = client.open(url, method="GET", headers=user.headers)
    deleted = client.open(url, method="DELETE", headers=user.headers)

    assert response.status_code == deleted.status_code == status
